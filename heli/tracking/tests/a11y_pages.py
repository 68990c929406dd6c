"""The battle map's pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

import datetime

from heli.accounts.models import User
from heli.testing import DEMO_UNIT, AuditedPage, demo_pick
from heli.tracking import actions
from heli.tracking.models import Task
from heli.tracking.workflow import Step


def task(*, status: str = "", **lookups: object) -> list[int]:
    """A task of the demonstration committee in this state, led by the unit if it leads one."""
    tasks = Task.objects.filter(**lookups)
    if status:
        tasks = tasks.filter(status=status)
    return [demo_pick(tasks, "lead_unit__short_name", f"task {status} {lookups}").pk]


def withdrawn() -> list[int]:
    """A task withdrawn by whoever assigned it (the demonstration withdraws none)."""
    chosen = Task.objects.get(pk=task(status="assigned")[0])
    actions.take_step(chosen, Step.WITHDRAW, chosen.created_by, reason="重复交办")
    return [chosen.pk]


def pending_extension() -> list[int]:
    """A task whose lead unit asked for a later deadline, awaiting the department."""
    chosen = Task.objects.get(pk=task(status="in_progress")[0])
    secretary = User.objects.get(username="secretary")
    actions.request_extension(
        chosen,
        requested_deadline=chosen.deadline + datetime.timedelta(days=30),
        reason="需与多个部门会商",
        by=secretary if chosen.lead_unit.short_name == DEMO_UNIT else chosen.created_by,
    )
    return [chosen.pk]


PAGES = [
    AuditedPage("tracking:task_list"),
    AuditedPage("tracking:task_list", query="state=overdue&q=%E5%B7%A5%E4%BD%9C", note="filtered"),
    AuditedPage("tracking:task_create"),
    AuditedPage("tracking:wallchart"),
    AuditedPage("tracking:board"),
    AuditedPage("tracking:dashboard"),
    AuditedPage("tracking:waiting"),
    AuditedPage("tracking:task_detail", lambda: task(status="assigned"), note="assigned"),
    AuditedPage("tracking:task_detail", lambda: task(status="in_progress"), note="in progress"),
    AuditedPage("tracking:task_detail", lambda: task(status="reported_done"), note="reported"),
    AuditedPage("tracking:task_detail", lambda: task(status="returned"), note="returned"),
    AuditedPage("tracking:task_detail", lambda: task(status="long_running"), note="long-running"),
    AuditedPage("tracking:task_detail", lambda: task(status="closed"), note="closed"),
    AuditedPage("tracking:task_detail", withdrawn, note="withdrawn"),
    AuditedPage("tracking:task_detail", pending_extension, note="extension awaiting decision"),
    AuditedPage("tracking:task_edit", lambda: task(status="assigned")),
]

NOT_PAGES = {
    "tracking:unit_options": "a fragment: the unit choices a task form's search box loads",
    "tracking:picker_parents": "a fragment: the parent-task search of the task form",
    "tracking:picker_parent_chosen": "a fragment: the chosen parent task of the task form",
    "tracking:picker_groups": "a fragment: a group's units in the task form's picker",
    "tracking:task_export": "an Excel download",
    "tracking:wallchart_export": "an Excel download",
    "tracking:dashboard_data": "the dashboard's numbers as JSON",
    "tracking:task_report": "a POST: a progress report, answered on the task page",
    "tracking:deadline_change": "a POST: a new deadline, answered on the task page",
    "tracking:extension_request": "a POST: an extension request, answered on the task page",
    "tracking:extension_decide": "a POST: the decision on an extension, on the task page",
    "tracking:task_step": "a POST: a step of the workflow, answered on the task page",
}
