"""A task from assignment to closure, walked in the system Chromium, with the wall chart."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking.models import Task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _row_state(page: Any, live_server: Any, unit: str) -> str:
    """The colour class of the unit's total cell on the wall chart."""
    page.goto(f"{live_server.url}/tracking/wallchart/")
    row = page.locator("table.wallchart tbody tr").filter(
        has=page.get_by_role("rowheader", name=unit, exact=True)
    )
    classes = row.locator("td.wc-cell").last.get_attribute("class") or ""
    match = re.search(r"state-(\w+)", classes)
    assert match is not None, classes
    return match.group(1)


def _history(page: Any) -> list[str]:
    return page.locator("tr.task-history-row td:nth-child(3)").all_inner_texts()


def test_a_task_from_assignment_to_closure(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    today = timezone.localdate()
    # The committee's supervising department assigns the task through the form.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    staff = context.new_page()
    login(staff, live_server, "staff")
    staff.goto(f"{live_server.url}/tracking/tasks/new/")
    staff.get_by_label("事项名称").fill("落实“第一议题”制度")
    staff.get_by_label("牵头单位").select_option(label="测试单位0")
    staff.get_by_label("督办处室").select_option(label=world.department.name)
    staff.get_by_label("交办日期").fill(today.isoformat())
    staff.get_by_label("办理期限").fill((today + datetime.timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="保存").click()
    staff.wait_for_url(re.compile(r"/tracking/tasks/\d+/$"))
    task = Task.objects.get(title="落实“第一议题”制度")
    task_url = f"{live_server.url}/tracking/tasks/{task.pk}/"
    assert staff.url == task_url

    # The lead unit sees it on the wall chart, green, and signs for it.
    login(page, live_server, "unit0_secretary")
    assert _row_state(page, live_server, "测试单位0") == "ok"
    page.goto(task_url)
    page.get_by_role("button", name="签收").click()
    page.wait_for_url(task_url)
    # Half done.
    page.get_by_label("办理情况").fill("已召开机关党委会议专题研究，制定工作方案。")
    page.get_by_label("进度(%)").fill("50")
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_url(task_url)
    assert page.get_by_text("50%").first.is_visible()
    page.get_by_role("button", name="上报办结").click()
    page.wait_for_url(task_url)

    # The supervising department returns it for redo, with a reason.
    staff.goto(task_url)
    staff.locator("#reason-return").fill("请补充会议记录后重新报送。")
    staff.get_by_role("button", name="退回重办").click()
    staff.wait_for_url(task_url)
    assert Task.objects.get(pk=task.pk).status == Task.Status.RETURNED

    # The unit reports again and reports it done.
    page.goto(task_url)
    page.get_by_label("办理情况").fill("已补充会议记录，全部完成。")
    page.get_by_label("进度(%)").fill("100")
    page.get_by_role("button", name="提交反馈").click()
    page.wait_for_url(task_url)
    page.get_by_role("button", name="上报办结").click()
    page.wait_for_url(task_url)

    # The department closes it; every step is in the history and the cell turns grey.
    staff.goto(task_url)
    staff.get_by_role("button", name="销号").click()
    staff.wait_for_url(task_url)
    history = _history(staff)
    assert history == [
        "交办",
        "签收",
        "开始办理",
        "上报办结",
        "退回重办",
        "上报办结",
        "销号",
    ]
    assert _row_state(staff, live_server, "测试单位0") == "closed"
    context.close()
    assert Task.objects.get(pk=task.pk).status == Task.Status.CLOSED
