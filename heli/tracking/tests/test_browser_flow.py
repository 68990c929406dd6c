"""A task from assignment to closure, walked in the system Chromium by both sides: each
step tells the other side at once, the unit sees the new task first on its home page, a
return shows as returned with its reason, and closing asks for a confirmation first."""

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

TITLE = "落实“第一议题”制度"


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
    return [s.strip() for s in page.locator(".task-history-step").all_inner_texts()]


def _notifications(page: Any, live_server: Any) -> list[str]:
    """The titles in the person's notification centre, newest first."""
    page.goto(f"{live_server.url}/notifications/")
    return [
        t.strip() for t in page.locator("#notification-list .list-group-item a").all_inner_texts()
    ]


def _button(page: Any, name: str) -> Any:
    return page.locator("form.task-step-form").get_by_role("button", name=name, exact=True)


def test_a_task_from_assignment_to_closure_tells_each_side_once(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    today = timezone.localdate()
    # The supervising department assigns the task through the form.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    staff = context.new_page()
    login(staff, live_server, "staff")
    staff.goto(f"{live_server.url}/tracking/tasks/new/")
    staff.get_by_label("事项名称").fill(TITLE)
    staff.get_by_label("牵头单位").select_option(label="测试单位0")
    staff.get_by_label("督办处室").select_option(label=world.department.name)
    staff.get_by_label("交办日期").fill(today.isoformat())
    staff.get_by_label("办理期限").fill((today + datetime.timedelta(days=30)).isoformat())
    staff.get_by_role("button", name="保存").click()
    staff.wait_for_url(re.compile(r"/tracking/tasks/\d+/$"))
    task = Task.objects.get(title=TITLE)
    task_url = f"{live_server.url}/tracking/tasks/{task.pk}/"
    assert staff.url == task_url
    # Back to the form — loaded again, with a new token and what was typed — and "save"
    # again: still one task, and the person is taken to it.
    staff.go_back()
    staff.wait_for_url(re.compile(r"/tracking/tasks/new/$"))
    assert staff.get_by_label("事项名称").input_value() == TITLE
    staff.get_by_role("button", name="保存").click()
    staff.wait_for_url(task_url)
    assert staff.get_by_text("此表单已提交过，未重复保存。").is_visible()
    assert Task.objects.filter(title=TITLE).count() == 1

    # The lead unit is told, and sees the task first on its home page.
    login(page, live_server, "unit0_secretary")
    first = page.locator(".home-waiting-tasks li").first
    assert TITLE in first.inner_text() and "待签收" in first.inner_text()
    assert _notifications(page, live_server) == [f"新交办事项：{TITLE}"]
    assert _row_state(page, live_server, "测试单位0") == "ok"
    page.goto(task_url)
    _button(page, "签收").click()
    page.wait_for_url(task_url)
    # Half done, reported; then reported done with a summary, told it is only half.
    page.locator("#id_report_text").fill("已召开机关党委会议专题研究，制定工作方案。")
    page.locator("#id_report_percent").fill("50")
    _button(page, "提交反馈").click()
    page.wait_for_url(task_url)
    assert page.get_by_text("50%").first.is_visible()
    # No "start work" once the report has moved the task on.
    assert _button(page, "开始办理").count() == 0
    assert page.get_by_text("目前反馈的进度为50%").is_visible()
    page.locator("#id_report_done_reason").fill("方案已印发，各支部正在落实，申请核实。")
    _button(page, "上报办结").click()
    page.wait_for_url(task_url)

    # The department is told of each step once, and returns it for redo with a reason.
    assert _notifications(staff, live_server) == [
        f"上报办结：{TITLE}",
        f"办理情况反馈：{TITLE}",
        f"签收：{TITLE}",
    ]
    staff.goto(task_url)
    staff.locator("#id_return_reason").fill("请补充会议记录后重新报送。")
    _button(staff, "退回重办").click()
    staff.wait_for_url(task_url)
    assert Task.objects.get(pk=task.pk).status == Task.Status.RETURNED

    # The unit sees "returned" and the reason at the top, reports again, reports done.
    page.goto(task_url)
    assert page.locator("#task-status").inner_text().strip() == "退回重办"
    assert "请补充会议记录后重新报送。" in page.locator("#returned-reason").inner_text()
    page.locator("#id_report_text").fill("已补充会议记录，全部完成。")
    page.locator("#id_report_percent").fill("100")
    _button(page, "提交反馈").click()
    page.wait_for_url(task_url)
    page.locator("#id_report_done_reason").fill("已补充会议记录，全部完成。")
    _button(page, "上报办结").click()
    page.wait_for_url(task_url)

    # The department closes it: first it must confirm; the comment typed is kept.
    staff.goto(task_url)
    assert staff.get_by_text("销号后事项即办结归档").is_visible()
    staff.locator("#id_close_reason").fill("经核实已完成，同意销号。")
    _button(staff, "销号").click()
    # Refused: the task's page again, answering the form, with the message next to the box.
    staff.wait_for_url(f"{task_url}close/")
    assert staff.get_by_text("请勾选确认：此操作不能撤回。").is_visible()
    assert staff.locator("#id_close_reason").input_value() == "经核实已完成，同意销号。"
    assert Task.objects.get(pk=task.pk).status == Task.Status.REPORTED_DONE
    staff.get_by_label("我已核实办理情况，确认销号。").check()
    _button(staff, "销号").click()
    staff.wait_for_url(task_url)
    assert staff.locator("#task-status").inner_text().strip() == "已销号"
    assert _history(staff) == [
        "交办",
        "签收",
        "开始办理",
        "上报办结",
        "退回重办",
        "开始办理",
        "上报办结",
        "销号",
    ]
    assert "经核实已完成，同意销号。" in staff.locator(".task-history-list").inner_text()
    assert _row_state(staff, live_server, "测试单位0") == "closed"

    # Both notification centres show each step once.
    assert _notifications(page, live_server) == [
        f"销号：{TITLE}",
        f"退回重办：{TITLE}",
        f"新交办事项：{TITLE}",
    ]
    assert _notifications(staff, live_server) == [
        f"上报办结：{TITLE}",
        f"办理情况反馈：{TITLE}",
        f"上报办结：{TITLE}",
        f"办理情况反馈：{TITLE}",
        f"签收：{TITLE}",
    ]
    context.close()
    assert Task.objects.get(pk=task.pk).status == Task.Status.CLOSED
