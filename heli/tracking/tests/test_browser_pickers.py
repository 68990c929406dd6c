"""On a phone, in the system Chromium: a task assigned with its parent found by searching
among look-alike titles, and two cooperating units picked by group and by typing, shown
as chips, one taken back off with its chip."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "开展支部标准化建设“回头看”"
PHONE = {"width": 390, "height": 844}


def _chips(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("[data-unit-chips] .unit-chip").all_inner_texts()]


def test_a_task_is_assigned_with_a_parent_and_units_picked_on_a_phone(
    page: Any, live_server: Any, world: World
) -> None:
    today = timezone.localdate()
    dates = {"assigned_at": today, "deadline": today + datetime.timedelta(days=30)}
    # Look-alike titles of other lead units; the parent is the first unit's.
    for unit in world.units[1:]:
        make_task(
            world, title="落实机关党建工作要点", lead_unit=unit, cooperating_units=[], **dates
        )
    parent = make_task(world, title="落实机关党建工作要点", cooperating_units=[], **dates)
    page.set_viewport_size(PHONE)
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/tasks/new/")
    page.get_by_label("事项名称").fill(TITLE)
    page.get_by_label("牵头单位").select_option(label="测试单位2")

    # The parent: four tasks of that title, one of them led by 测试单位0.
    page.get_by_label("上级事项", exact=True).fill("党建工作要点")
    results = page.locator("#parent-results .list-group-item")
    expect(results).to_have_count(4)
    page.get_by_label("上级事项", exact=True).fill("党建工作要点 测试单位0")
    # Enter searches; it does not send the form.
    page.get_by_label("上级事项", exact=True).press("Enter")
    expect(results).to_have_count(1)
    assert page.url.endswith("/tracking/tasks/new/")
    assert "测试单位0" in results.first.inner_text()
    results.first.click()
    chosen = page.locator("#parent-chosen .parent-chosen-task")
    chosen.wait_for()
    assert f"{parent.year}-{parent.number:04d}" in chosen.inner_text()
    assert page.locator("#id_parent").input_value() == str(parent.pk)
    expect(results).to_have_count(0)

    # By group: the second group is the lead unit and 测试单位3; the lead is not ticked.
    groups = page.locator("#coop-groups")
    groups.get_by_role("button", name=re.compile("^第二组")).click()
    assert _chips(page) == ["测试单位3"]
    # By typing: the list narrows to the one unit, which is ticked.
    page.locator("#id_coop_q").fill("单位1")
    assert page.locator("#coop-list li:visible").count() == 1
    page.get_by_label("测试单位1", exact=True).check()
    assert _chips(page) == ["测试单位1", "测试单位3"]
    # The first group ticks 测试单位0 too; its chip takes it back off.
    groups.get_by_role("button", name=re.compile("^第一组")).click()
    assert _chips(page) == ["测试单位0", "测试单位1", "测试单位3"]
    page.get_by_role("button", name="移除 测试单位0").click()
    assert _chips(page) == ["测试单位1", "测试单位3"]
    assert not page.get_by_label("测试单位0", exact=True).is_checked()

    page.get_by_label("督办处室").select_option(label=world.department.name)
    page.get_by_label("办理期限").fill((today + datetime.timedelta(days=20)).isoformat())
    # Nothing on the form is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/tracking/tasks/\d+/$"))
    task = Task.objects.get(title=TITLE)
    assert task.parent == parent and task.lead_unit == world.units[2]
    assert {c.unit_id for c in task.cooperations.all()} == {world.units[1].pk, world.units[3].pk}
