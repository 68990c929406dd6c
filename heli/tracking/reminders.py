"""The battle map's daily reminders, sent by ``manage.py send_reminders``.

* ``tracking.near_deadline``: open tasks due within the next 7 days
  (:data:`heli.tracking.states.SOON_DAYS`) → the lead unit's
  secretary and party-affairs staff; once per task and deadline (an extension that moves
  the deadline reminds again).
* ``tracking.overdue``: open tasks past their deadline → the lead unit's people (report,
  or ask for an extension) and the supervising department's staff (ask the unit, set a
  new deadline, or keep it under follow-up), each told what is theirs to do; once a week
  per task while it stays overdue.
* ``tracking.no_report``: tasks the lead unit works on with no progress report for
  ``TRACKING_NO_REPORT_DAYS`` (14) days → the lead unit's people; once per task in each
  such period after its last report (or its assignment).

Tasks reported done wait for the department, and long-running ones are kept under
follow-up on purpose: neither is near its deadline or overdue for these reminders.
Withdrawn tasks are reminded of nothing (``TaskQuerySet.live``). Each kind reads its
tasks and its people in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.accounts.models import User
from heli.lib.dates import format_date
from heli.notifications.registry import Reminder, reminder
from heli.org.models import Committee
from heli.tracking import notices
from heli.tracking.models import Task
from heli.tracking.queries import TaskQuerySet


def no_report_days() -> int:
    return int(getattr(settings, "TRACKING_NO_REPORT_DAYS", 14))


def _unit_people(committee: Committee, unit_ids: set[int]) -> dict[int, list[User]]:
    """The active secretaries and party-affairs staff of each unit."""
    return notices.unit_people(committee.pk, unit_ids)


def _department_staff(committee: Committee, department_ids: set[int]) -> dict[int, list[User]]:
    """The active staff of each department."""
    return notices.department_staff(committee.pk, department_ids)


def _tasks(committee: Committee) -> TaskQuerySet[Task]:
    return (
        Task.objects.filter(committee=committee)
        .live()
        .select_related("lead_unit", "department")
        .order_by("deadline", "id")
    )


def _url(task: Task) -> str:
    return reverse("tracking:task_detail", args=[task.pk])


@reminder("tracking.near_deadline", gettext_lazy("Tasks due within a week"))
def near_deadline(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    tasks = list(_tasks(committee).deadline_running().due_soon(today))
    people = _unit_people(committee, {t.lead_unit_id for t in tasks})
    for task in tasks:
        days = (task.deadline - today).days
        yield Reminder(
            key=f"{task.pk}:{task.deadline.isoformat()}",
            title=(
                _("Task due in %(days)s days: %(title)s") % {"days": days, "title": task.title}
                if days
                else _("Task due today: %(title)s") % {"title": task.title}
            ),
            body=_(
                "The deadline of this task is %(date)s. Report its progress, or report it "
                "done, on the task's page."
            )
            % {"date": format_date(task.deadline)},
            url=_url(task),
            recipients=people.get(task.lead_unit_id, []),
        )


@reminder("tracking.overdue", gettext_lazy("Overdue tasks"))
def overdue(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    tasks = list(_tasks(committee).deadline_running().past_deadline(today))
    people = _unit_people(committee, {t.lead_unit_id for t in tasks})
    staff = _department_staff(committee, {t.department_id for t in tasks})
    for task in tasks:
        values = {
            "unit": task.lead_unit.name,
            "date": format_date(task.deadline),
            "department": task.department.name,
        }
        title = _("Task overdue: %(title)s") % {"title": task.title}
        # The lead unit's reminder (and the group robots'): what the unit can do.
        yield Reminder(
            key=f"{task.pk}:{today:%G-W%V}",
            title=title,
            body=_(
                "%(unit)s was to finish this task by %(date)s. Report how it stands, or "
                "ask the supervising department (%(department)s) for an extension."
            )
            % values,
            url=_url(task),
            recipients=people.get(task.lead_unit_id, []),
            to_robots=True,
        )
        # The department's: what the department can do.
        yield Reminder(
            key=f"{task.pk}:{today:%G-W%V}:department",
            title=title,
            body=_(
                "%(unit)s was to finish this task by %(date)s and has not reported it done. "
                "Ask the unit how it stands, set a new deadline with the reason, or keep "
                "the task under follow-up."
            )
            % values,
            url=_url(task),
            recipients=staff.get(task.department_id, []),
        )


@reminder("tracking.no_report", gettext_lazy("Tasks without a progress report"))
def no_report(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    days = no_report_days()
    tasks = list(
        _tasks(committee).unit_owes_work().annotate(last_report=Max("reports__reported_at"))
    )
    people: dict[int, list[User]] | None = None
    for task in tasks:
        last = task.last_report
        since = timezone.localtime(last).date() if last is not None else task.assigned_at
        quiet = (today - since).days
        if quiet < days:
            continue
        if people is None:
            people = _unit_people(committee, {t.lead_unit_id for t in tasks})
        if last is not None:
            body = _(
                "The last progress report on this task was on %(date)s. Report how the work "
                "is going on the task's page."
            ) % {"date": format_date(since)}
        else:
            body = _(
                "No progress has been reported since the task was assigned on %(date)s. "
                "Report how the work is going on the task's page."
            ) % {"date": format_date(since)}
        yield Reminder(
            key=f"{task.pk}:{since.isoformat()}:{quiet // days}",
            title=_("No progress reported for %(days)s days: %(title)s")
            % {"days": quiet, "title": task.title},
            body=body,
            url=_url(task),
            recipients=people.get(task.lead_unit_id, []),
        )
