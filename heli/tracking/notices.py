"""Telling the other side at once: every step on a task notifies the people who act next.

The actions call :func:`step_taken` and :func:`progress_reported` inside their
transaction. The notifications are written with the step (so a step that is rolled back
notifies nobody) and their emails leave after the commit
(:func:`heli.notifications.actions.notify`). Each is keyed by the step's history row or
the report, so it reaches each person once, whatever is retried.

Who hears of what:

* assigned → the lead unit's secretary and party-affairs staff, and the cooperating
  units' (each told their own part);
* steps of the lead unit (signed for, started, progress reported, reported done, work
  resumed, extension requested) → the supervising department's staff;
* steps of the department (returned for redo, closed, long-running, extension approved
  or refused, new deadline) → the lead unit's people;
* withdrawn → everyone the assignment told, and the department.

The person who took the step is never told of it. Texts are written in the site's
language, whatever the language of the person who acted.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.lib.dates import format_date
from heli.notifications.actions import notify
from heli.org.models import Committee
from heli.tracking import workflow
from heli.tracking.models import ProgressReport, Task, TaskTransition
from heli.tracking.workflow import Actor, Step

KIND = "tracking.step"


def _people(
    committee_id: int, roles: list[Role], where: str, ids: Iterable[int]
) -> dict[int, list[User]]:
    """The active holders of ``roles`` in each unit or department (``where``: its id
    column on the role assignment), in one query."""
    people: dict[int, list[User]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.filter(
            committee_id=committee_id,
            role__in=roles,
            user__is_active=True,
            **{f"{where}__in": list(ids)},
        )
        .select_related("user")
        .order_by("user_id")
    )
    for row in rows:
        owner: int | None = getattr(row, where)
        if owner is not None and row.user not in people[owner]:
            people[owner].append(row.user)
    return people


def unit_people(committee_id: int, unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active secretaries and party-affairs staff of each unit."""
    return _people(committee_id, [Role.UNIT_SECRETARY, Role.UNIT_STAFF], "unit_id", unit_ids)


def department_staff(committee_id: int, department_ids: Iterable[int]) -> dict[int, list[User]]:
    """The active staff of each department."""
    return _people(committee_id, [Role.COMMITTEE_STAFF], "department_id", department_ids)


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _where(task: Task, step: Step) -> str:
    """Where the person who took ``step`` sits: the lead unit, or the department."""
    if step is not Step.CREATE and workflow.ACTORS.get(step) is Actor.LEAD_UNIT:
        return task.lead_unit.name
    return task.department.name


def _date(value: datetime.date | None) -> str:
    return format_date(value) if value is not None else ""


def _sentence(task: Task, step: Step, transition: TaskTransition) -> str:
    """What happened, as one sentence of the notification's text."""
    values = {
        "who": _name(transition.by),
        "where": _where(task, step),
        "deadline": _date(task.deadline),
        "before": _date(transition.deadline_before),
        "after": _date(transition.deadline_after),
    }
    sentences = {
        Step.RECEIVE: _("%(who)s (%(where)s) signed for this task."),
        Step.START: _("%(who)s (%(where)s) started work on this task."),
        Step.REPORT_DONE: _(
            "%(who)s (%(where)s) reported this task done. Verify the work, then close the "
            "task or return it for redo, on the task's page."
        ),
        Step.RESUME: _("%(who)s (%(where)s) resumed work on this task."),
        Step.REQUEST_EXTENSION: _(
            "%(who)s (%(where)s) asks to move the deadline of this task from %(before)s to "
            "%(after)s. Approve or refuse the request on the task's page."
        ),
        Step.RETURN: _(
            "%(who)s (%(where)s) returned this task for redo. Do what the reason asks, then "
            "report it done again."
        ),
        Step.CLOSE: _("%(who)s (%(where)s) closed this task (销号): nothing more is needed."),
        Step.KEEP_FOLLOWING: _(
            "%(who)s (%(where)s) marked this task as long-running: it stays open and is kept "
            "under follow-up. Go on reporting its progress."
        ),
        Step.APPROVE_EXTENSION: _(
            "%(who)s (%(where)s) approved the extension: the deadline is now %(after)s (it "
            "was %(before)s)."
        ),
        Step.REFUSE_EXTENSION: _(
            "%(who)s (%(where)s) refused the extension to %(after)s: the deadline stays %(before)s."
        ),
        Step.CHANGE_DEADLINE: _(
            "%(who)s (%(where)s) set a new deadline for this task: %(after)s (it was %(before)s)."
        ),
        Step.WITHDRAW: _(
            "%(who)s (%(where)s) withdrew this task: it was assigned by mistake, and nothing "
            "is to be done on it."
        ),
    }
    return sentences[step] % values


def _reason_line(step: Step, reason: str) -> str:
    if not reason:
        return ""
    if step is Step.REPORT_DONE:
        return _("Summary: %(text)s") % {"text": reason}
    if step is Step.CLOSE:
        return _("Closing comment: %(text)s") % {"text": reason}
    if step is Step.APPROVE_EXTENSION:
        return _("Comment: %(text)s") % {"text": reason}
    return _("Reason: %(text)s") % {"text": reason}


def _title(step: Step, task: Task) -> str:
    return _("%(step)s: %(title)s") % {"step": capfirst(str(step.label)), "title": task.title}


def _body(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _send(task: Task, key: str, people: Iterable[User], by: User, *, title: str, body: str) -> None:
    recipients = [p for p in people if p.pk != by.pk]
    if not recipients:
        return
    notify(
        Committee(pk=task.committee_id),
        KIND,
        key,
        recipients,
        title=title,
        body=body,
        url=reverse("tracking:task_detail", args=[task.pk]),
    )


def _assigned(task: Task, transition: TaskTransition) -> None:
    lead = task.lead_unit
    cooperating = list(task.cooperations.select_related("unit").order_by("unit__sort_order"))
    people = unit_people(task.committee_id, [lead.pk, *(c.unit_id for c in cooperating)])
    by = transition.by
    values = {
        "who": _name(by),
        "where": task.department.name,
        "lead": lead.name,
        "deadline": _date(task.deadline),
        "title": task.title,
    }
    key = f"{KIND}:{transition.pk}"
    _send(
        task,
        key,
        people.get(lead.pk, []),
        by,
        title=_("New task for your unit: %(title)s") % values,
        body=_(
            "%(who)s (%(where)s) assigned this task to %(lead)s as its lead unit, due by "
            "%(deadline)s. Sign for it on the task's page."
        )
        % values,
    )
    for cooperation in cooperating:
        unit_values = {**values, "unit": cooperation.unit.name}
        _send(
            task,
            f"{key}:{cooperation.unit_id}",
            people.get(cooperation.unit_id, []),
            by,
            title=_("Your unit cooperates on a new task: %(title)s") % values,
            body=_(
                "%(who)s (%(where)s) assigned this task to %(lead)s, with %(unit)s "
                "cooperating, due by %(deadline)s."
            )
            % unit_values,
        )


def step_taken(task: Task, transition: TaskTransition) -> None:
    """Notify the other side of the step recorded in ``transition``."""
    step = Step(transition.step)
    with translation.override(settings.LANGUAGE_CODE):
        if step is Step.CREATE:
            _assigned(task, transition)
            return
        body = _body(_sentence(task, step, transition), _reason_line(step, transition.reason))
        title = _title(step, task)
        if step is Step.WITHDRAW:
            units = [task.lead_unit_id, *task.cooperations.values_list("unit_id", flat=True)]
            people = unit_people(task.committee_id, units)
            staff = department_staff(task.committee_id, [task.department_id])
            recipients = [p for u in units for p in people.get(u, [])]
            recipients += staff.get(task.department_id, [])
        elif workflow.ACTORS[step] is Actor.LEAD_UNIT:
            staff = department_staff(task.committee_id, [task.department_id])
            recipients = staff.get(task.department_id, [])
        else:
            people = unit_people(task.committee_id, [task.lead_unit_id])
            recipients = people.get(task.lead_unit_id, [])
        _send(task, f"{KIND}:{transition.pk}", recipients, transition.by, title=title, body=body)


def progress_reported(task: Task, report: ProgressReport) -> None:
    """Notify the supervising department of a progress report (反馈)."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "who": _name(report.by),
            "where": task.lead_unit.name,
            "title": task.title,
            "percent": report.percent,
        }
        if report.percent is None:
            sentence = _("%(who)s (%(where)s) reported progress on this task.") % values
        else:
            sentence = (
                _("%(who)s (%(where)s) reported progress on this task: %(percent)s%% done.")
                % values
            )
        staff = department_staff(task.committee_id, [task.department_id])
        _send(
            task,
            f"tracking.report:{report.pk}",
            staff.get(task.department_id, []),
            report.by,
            title=_("Progress reported: %(title)s") % values,
            body=_body(sentence, report.text),
        )
