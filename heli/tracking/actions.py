"""State changes of tasks. Views, commands and other apps call these; nothing else writes.

Each action is one transaction that ends with its audit row and tells the other side
(:mod:`heli.tracking.notices`; the messages leave after the commit). A refusal is a
``ValidationError`` whose message says, in the reader's language, what was wrong and
how to put it right; a refused action changes nothing.

Dates are checked here, whoever calls: an assignment within the work years, a deadline
not before it and at most ``TRACKING_DEADLINE_HORIZON_YEARS`` years after it. Once a
task is assigned its deadline moves only through a decision with a reason that its
history keeps (an approved extension, :func:`change_deadline`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.accounts.models import ADMIN_ROLES
from heli.accounts.policy import scope_of
from heli.audit import events
from heli.audit.actions import record
from heli.files.models import Attachment
from heli.lib.dates import format_date
from heli.lib.forms import EARLIEST_DATE, LATEST_DATE
from heli.lib.versioning import StaleEdit, diff, update_versioned
from heli.org.models import Committee, Department, Unit
from heli.tracking import access, notices, numbers, sources, workflow
from heli.tracking.models import ExtensionRequest, ProgressReport, Task, TaskTransition, TaskUnit
from heli.tracking.workflow import Actor, Status, Step

EDITABLE_FIELDS = (
    "title",
    "description",
    "basis",
    "lead_unit",
    "department",
    "assigned_at",
    "deadline",
    "priority",
    "parent",
    "weight",
)


def reason_required(step: Step) -> str:
    messages = {
        Step.REPORT_DONE: _(
            "Please summarise what was done: the department verifies the task by it."
        ),
        Step.RETURN: _("Please give the reason for returning the task for redo."),
        Step.KEEP_FOLLOWING: _("Please explain why the matter cannot be solved yet."),
        Step.WITHDRAW: _("Please say why the task is withdrawn."),
        Step.REFUSE_EXTENSION: _("Please give the reason for refusing."),
        Step.CHANGE_DEADLINE: _("Please give the reason for changing the deadline."),
    }
    return messages.get(step, _("Please give the reason."))


def closed_error(task: Task | None = None) -> ValidationError:
    if task is not None and task.is_withdrawn:
        return ValidationError(_("A withdrawn task cannot be changed."), code="withdrawn")
    return ValidationError(_("A closed task cannot be changed."), code="closed")


def horizon_years() -> int:
    return int(getattr(settings, "TRACKING_DEADLINE_HORIZON_YEARS", 3))


def latest_deadline(assigned_at: datetime.date) -> datetime.date:
    """The latest deadline a task assigned on ``assigned_at`` may have."""
    year = min(assigned_at.year + horizon_years(), LATEST_DATE.year)
    try:
        return assigned_at.replace(year=year)
    except ValueError:  # 29 February, in a year without one
        return assigned_at.replace(year=year, day=28)


def _deadline_errors(assigned_at: datetime.date, deadline: datetime.date) -> list[str]:
    """What is wrong with ``deadline`` for a task assigned on ``assigned_at``."""
    if deadline < assigned_at:
        return [
            _("The deadline cannot be before the assignment date (%(date)s).")
            % {"date": f"{assigned_at:%Y-%m-%d}"}
        ]
    latest = latest_deadline(assigned_at)
    if deadline > latest:
        return [
            _(
                "The deadline can be at most %(years)s years after the assignment date: "
                "%(date)s at the latest. Split a longer matter into yearly tasks."
            )
            % {"years": horizon_years(), "date": format_date(latest)}
        ]
    return []


def _refuse_step(task: Task, step: Step) -> ValidationError:
    return ValidationError(
        _("You cannot %(step)s this task while it is “%(status)s”.")
        % {"step": Step(step).label, "status": task.get_status_display()},
        code="step",
    )


def _check_actor(task: Task, step: Step, by: Any) -> None:
    needed = workflow.ACTORS[step]
    if needed in access.actors(scope_of(by), task):
        return
    if needed is Actor.ASSIGNER:
        raise ValidationError(
            _("Only committee leaders and staff of %(department)s can %(step)s this task.")
            % {"department": task.department.name, "step": Step(step).label},
            code="not_assigner",
        )
    if needed is Actor.SUPERVISOR:
        raise ValidationError(
            _("Only staff of the supervising department (%(department)s) can %(step)s this task.")
            % {"department": task.department.name, "step": Step(step).label},
            code="not_supervisor",
        )
    raise ValidationError(
        _("Only the lead unit (%(unit)s) can %(step)s this task.")
        % {"unit": task.lead_unit.name, "step": Step(step).label},
        code="not_lead_unit",
    )


def _check_fields(committee: Committee, data: dict[str, Any], task: Task | None) -> None:
    """Refusals about the task's own fields, each next to the field it concerns."""
    errors: dict[str, list[str]] = {}
    assigned_at, deadline = data["assigned_at"], data["deadline"]
    if not EARLIEST_DATE <= assigned_at <= LATEST_DATE:
        errors["assigned_at"] = [
            _("The assignment date must fall within a work year from %(first)s to %(last)s.")
            % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
        ]
    elif deadline_errors := _deadline_errors(assigned_at, deadline):
        errors["deadline"] = deadline_errors
    for name in ("lead_unit", "department", "parent"):
        value = data.get(name)
        if value is not None and value.committee_id != committee.pk:
            raise ValueError(f"the {name} belongs to another committee")
    lead_unit: Unit = data["lead_unit"]
    if lead_unit.status != Unit.Status.ACTIVE:
        errors.setdefault("lead_unit", []).append(
            _("%(unit)s has been merged or abolished; choose a unit that exists now.")
            % {"unit": lead_unit.name}
        )
    cooperating = data.get("cooperating_units") or []
    if any(u.pk == lead_unit.pk for u in cooperating):
        errors.setdefault("cooperating_units", []).append(
            _("The lead unit cannot also be a cooperating unit.")
        )
    parent: Task | None = data.get("parent")
    if parent is not None:
        if task is not None and (parent.pk == task.pk or task.children.exists()):
            errors.setdefault("parent", []).append(
                _(
                    "This task has sub-tasks of its own, so it cannot become a sub-task: "
                    "tasks have two levels at most."
                )
            )
        elif parent.parent_id is not None:
            errors.setdefault("parent", []).append(
                _(
                    "Tasks have two levels at most: a sub-task cannot have sub-tasks of its "
                    "own. Choose a top-level task as the parent."
                )
            )
        elif parent.is_closed:
            errors.setdefault("parent", []).append(
                _("The parent task is closed; choose an open task as the parent.")
            )
    weight = data.get("weight")
    if weight is not None and weight < 1:
        errors.setdefault("weight", []).append(_("The weight must be a whole number from 1 up."))
    if errors:
        raise ValidationError(errors)


def _transition(
    task: Task,
    step: Step,
    to_status: str,
    by: Any,
    reason: str = "",
    *,
    new: bool = False,
    deadline: tuple[datetime.date, datetime.date] | None = None,
    at: datetime.datetime | None = None,
) -> TaskTransition:
    """Write one step into the task's history; ``deadline`` is (before, after) of a step
    that moved it; ``at`` when the step's time is stamped on the task too."""
    return TaskTransition.objects.create(
        committee_id=task.committee_id,
        at=at or timezone.now(),
        task=task,
        step=step,
        from_status="" if new else task.status,
        to_status=to_status,
        by=by,
        reason=reason,
        deadline_before=deadline[0] if deadline else None,
        deadline_after=deadline[1] if deadline else None,
    )


@transaction.atomic
def create_task(
    committee: Committee,
    data: dict[str, Any],
    by: Any,
    *,
    source: Model | None = None,
    source_kind: str = sources.MANUAL,
    source_label: str = "",
    source_url: str = "",
    vouched: bool = False,
) -> Task:
    """Assign a task: ``data`` holds the fields of ``EDITABLE_FIELDS`` and ``cooperating_units``.

    ``vouched``: the task's source has allowed ``by`` to make it from its record
    (``TaskSource.may_create``), without the right to assign the department's tasks.
    """
    department: Department = data["department"]
    scope = scope_of(by)
    # A source vouches for its own people, never for the three administrators.
    if not access.may_assign(scope, department.pk) and not (
        vouched and scope.committee_id == committee.pk and not scope.roles & ADMIN_ROLES
    ):
        raise ValidationError(
            _("Only committee leaders and staff of %(department)s can assign its tasks.")
            % {"department": department.name},
            code="not_assigner",
        )
    _check_fields(committee, data, None)
    parent: Task | None = data.get("parent")
    assigned_at: datetime.date = data["assigned_at"]
    task = Task.objects.create(
        committee=committee,
        year=data.get("year") or (parent.year if parent else assigned_at.year),
        title=data["title"],
        description=data.get("description", ""),
        basis=data.get("basis", ""),
        source_kind=source_kind,
        source_type=source._meta.label_lower if source is not None else "",
        source_id=source.pk if source is not None else None,
        source_label=(source_label or (str(source) if source is not None else ""))[:200],
        source_url=source_url[:300],
        lead_unit=data["lead_unit"],
        department=department,
        assigned_at=assigned_at,
        deadline=data["deadline"],
        priority=data.get("priority") or Task.Priority.NORMAL,
        parent=parent,
        level=2 if parent else 1,
        weight=data.get("weight"),
        created_by=by,
    )
    cooperating = list(data.get("cooperating_units") or [])
    TaskUnit.objects.bulk_create(
        TaskUnit(committee=committee, task=task, unit=unit) for unit in cooperating
    )
    created = _transition(task, Step.CREATE, Status.ASSIGNED, by, new=True)
    notices.step_taken(task, created)
    detail = {
        "title": task.title,
        "lead_unit": task.lead_unit_id,
        "cooperating_units": sorted(u.pk for u in cooperating),
        "department": task.department_id,
        "deadline": task.deadline,
        "parent": task.parent_id,
        "source": [task.source_type, task.source_id] if source is not None else None,
    }
    record(events.RECORD_CREATED, user=by, obj=task, detail=detail)
    numbers.allot(task)  # after the audit row: see heli.tracking.numbers
    return task


def create_task_from(
    source: Model,
    *,
    title: str,
    lead_unit: Unit,
    department: Department,
    deadline: datetime.date,
    by: Any,
    source_kind: str | None = None,
    basis: str = "",
    description: str = "",
    cooperating_units: Sequence[Unit] = (),
    assigned_at: datetime.date | None = None,
    priority: str = Task.Priority.NORMAL,
) -> Task:
    """Make a task from a record of another area (a contact, a meeting decision).

    The one call an area needs once it has registered its source
    (:mod:`heli.tracking.sources`): it passes its record and says what is to be done, by
    whom and by when. The task keeps the record's model label and id, with the source's
    description of it and its address, to link back; when the task is closed, the source's
    ``on_closed`` runs after the commit.
    """
    label = source._meta.label_lower
    source_def = sources.get(source_kind) if source_kind else sources.for_model(label)
    if source_def is None or source_def.model != label:
        raise ValueError(f"no task source is registered for {label} (kind {source_kind!r})")
    committee = Committee.objects.get(pk=source.committee_id)  # type: ignore[attr-defined]
    data = {
        "title": title,
        "description": description,
        "basis": basis,
        "lead_unit": lead_unit,
        "cooperating_units": list(cooperating_units),
        "department": department,
        "assigned_at": assigned_at or timezone.localdate(),
        "deadline": deadline,
        "priority": priority,
        "parent": None,
        "weight": None,
    }
    return create_task(
        committee,
        data,
        by,
        source=source,
        source_kind=source_def.code,
        source_label=source_def.describe(source),
        source_url=source_def.url(source),
        vouched=source is not None and bool(source_def.may_create(by, source)),
    )


def tasks_from(source: Model) -> Any:
    """The tasks made from ``source``, for the source's own page."""
    return Task.objects.filter(source_type=source._meta.label_lower, source_id=source.pk)


@transaction.atomic
def update_task(task: Task, version: int, data: dict[str, Any], by: Any) -> Task:
    """Change a task's fields; refused once it is closed (已销号的事项不能修改) or withdrawn.

    The deadline is not among what an edit changes: it moves by :func:`change_deadline`
    or an approved extension, each with its reason in the history.
    """
    current = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
    if current in workflow.FINAL or task.is_final:
        raise closed_error(task)
    if not access.may_edit(scope_of(by), task):
        raise ValidationError(
            _("Only committee leaders and the supervising department can change this task."),
            code="not_editor",
        )
    if "deadline" in data and data["deadline"] != task.deadline:
        raise ValidationError(
            {
                "deadline": [
                    _(
                        "An assigned task's deadline is changed with “Set a new deadline” on "
                        "its page, with the reason, so that its history shows the change."
                    )
                ]
            },
            code="deadline_by_decision",
        )
    data = {**{f: getattr(task, f) for f in EDITABLE_FIELDS}, **data}
    _check_fields(Committee(pk=task.committee_id), data, task)
    changes = {f: data[f] for f in EDITABLE_FIELDS}
    changes["level"] = 2 if data["parent"] is not None else 1
    changed = diff(task, changes)
    old_units = set(task.cooperations.values_list("unit_id", flat=True))
    new_units = {u.pk for u in data.get("cooperating_units") or []}
    update_versioned(task, version, changes)
    if "cooperating_units" in data and old_units != new_units:
        TaskUnit.objects.filter(task=task).exclude(unit_id__in=new_units).delete()
        TaskUnit.objects.bulk_create(
            TaskUnit(committee_id=task.committee_id, task=task, unit_id=u)
            for u in sorted(new_units - old_units)
        )
        changed["cooperating_units"] = [sorted(old_units), sorted(new_units)]
    if changed:
        record(events.RECORD_UPDATED, user=by, obj=task, detail={"changes": changed})
    return task


@transaction.atomic
def take_step(
    task: Task, step: Step, by: Any, *, reason: str = "", version: int | None = None
) -> Task:
    """Move the task along the workflow, by someone entitled to, recording why."""
    locked = _locked(task)
    if version is not None and locked.version != version:
        raise StaleEdit()
    step = Step(step)
    if locked.is_final:
        raise closed_error(locked)
    target = workflow.next_status(locked.status, step)
    if target is None:
        raise _refuse_step(locked, step)
    _check_actor(locked, step, by)
    reason = reason.strip()
    if step in workflow.NEEDS_REASON and not reason:
        raise ValidationError({"reason": [reason_required(step)]})
    if target == Status.WITHDRAWN and locked.children.live().exists():
        raise ValidationError(
            _("This task has sub-tasks: withdraw them first, then the task itself."),
            code="has_children",
        )
    changes: dict[str, Any] = {"status": target}
    now = timezone.now()
    if target == Status.CLOSED:
        # The task's closing time is its history's closing step, to the microsecond.
        changes |= {"closed_at": now, "closed_by": by}
    transition = _transition(locked, step, target, by, reason, at=now)
    before = locked.status
    update_versioned(locked, locked.version, changes)
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={"step": step.value, "status": [before, target], "reason": reason},
    )
    notices.step_taken(locked, transition)
    if target == Status.WITHDRAWN and locked.parent_id is not None:
        recompute_parent_progress(locked.parent_id)
    task.refresh_from_db()
    if target == Status.CLOSED:
        _after_closed(task)
    return task


def _locked(task: Task) -> Task:
    """The task's row, locked for this transaction, with what the checks and notices read."""
    return (
        Task.objects.select_for_update().select_related("department", "lead_unit").get(pk=task.pk)
    )


def _after_closed(task: Task) -> None:
    """Tell the task's source, once the closure is committed (its matter is handled)."""
    source = sources.get(task.source_kind)
    if source is not None and task.source_id is not None:
        pk = task.pk
        transaction.on_commit(lambda: source.on_closed(Task.objects.get(pk=pk)))


def receive_task(task: Task, by: Any) -> Task:
    return take_step(task, Step.RECEIVE, by)


def start_task(task: Task, by: Any) -> Task:
    return take_step(task, Step.START, by)


def report_done(task: Task, by: Any, reason: str = "") -> Task:
    return take_step(task, Step.REPORT_DONE, by, reason=reason)


def return_for_redo(task: Task, by: Any, reason: str) -> Task:
    return take_step(task, Step.RETURN, by, reason=reason)


def close_task(task: Task, by: Any, reason: str = "") -> Task:
    return take_step(task, Step.CLOSE, by, reason=reason)


def withdraw_task(task: Task, by: Any, reason: str) -> Task:
    """Take back a task assigned by mistake (撤销): it leaves every list and chart, and
    stays readable on its page, in its history and in the audit log."""
    return take_step(task, Step.WITHDRAW, by, reason=reason)


def mark_long_running(task: Task, by: Any, reason: str) -> Task:
    return take_step(task, Step.KEEP_FOLLOWING, by, reason=reason)


def resume_task(task: Task, by: Any) -> Task:
    return take_step(task, Step.RESUME, by)


def check_percent(percent: Any) -> int | None:
    if percent is None or percent == "":
        return None
    if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
        raise ValidationError(
            {"percent": [_("The progress must be a whole number from 0 to 100 (per cent).")]}
        )
    whole: int = percent
    return whole


def check_reporter(task: Task, by: Any) -> None:
    """Refuse a progress report by someone who may not make one now (before any upload)."""
    if task.is_final:
        raise closed_error(task)
    if access.may_report(scope_of(by), task):
        return
    if Actor.LEAD_UNIT not in access.actors(scope_of(by), task):
        raise ValidationError(
            _("Only the lead unit (%(unit)s) can report progress on this task.")
            % {"unit": task.lead_unit.name},
            code="not_lead_unit",
        )
    raise ValidationError(
        _("Progress cannot be reported while the task is “%(status)s”.")
        % {"status": task.get_status_display()},
        code="step",
    )


@transaction.atomic
def report_progress(
    task: Task,
    *,
    text: str,
    by: Any,
    percent: int | None = None,
    attachments: Iterable[Attachment] = (),
) -> ProgressReport:
    """Add a dated progress report (反馈); the task's and its parent's progress follow.

    Store uploads first (``heli.files.actions.store_upload``) and pass the attachments.
    A report on a signed-for task, or on one returned for redo, also (re)starts the work:
    the report has moved it on, so "start work" is no longer offered.
    """
    percent = check_percent(percent)
    if not text.strip():
        raise ValidationError({"text": [_("Please describe how the work is going.")]})
    locked = _locked(task)
    check_reporter(locked, by)
    report = ProgressReport.objects.create(
        committee_id=locked.committee_id, task=locked, text=text.strip(), percent=percent, by=by
    )
    files = list(attachments)
    if files:
        report.attachments.set(files)
    changes: dict[str, Any] = {}
    if percent is not None and not locked.children.exists():
        changes["progress"] = percent
    if workflow.next_status(locked.status, Step.START) is not None:
        _transition(locked, Step.START, Status.IN_PROGRESS, by)
        changes["status"] = Status.IN_PROGRESS
    if changes:
        Task.objects.filter(pk=locked.pk).update(**changes, version=F("version") + 1)
    if locked.parent_id is not None and "progress" in changes:
        recompute_parent_progress(locked.parent_id)
    record(
        events.RECORD_CREATED,
        user=by,
        obj=report,
        object_repr=locked.title,
        detail={"task": locked.pk, "percent": percent, "files": [f.pk for f in files]},
    )
    notices.progress_reported(locked, report)
    task.refresh_from_db()
    return report


def parent_progress(children: Iterable[tuple[int | None, int | None]]) -> int | None:
    """The average of the children's (progress, weight); children without progress don't count.

    Weighted when any weight is set (a child without one weighs 1); None when no child
    has reported a percentage yet.
    """
    rated = [(p, w or 1) for p, w in children if p is not None]
    if not rated:
        return None
    total = sum(w for _p, w in rated)
    return round(sum(p * w for p, w in rated) / total)


def recompute_parent_progress(parent_id: int) -> None:
    value = parent_progress(
        Task.objects.filter(parent_id=parent_id).live().values_list("progress", "weight")
    )
    if value is not None:
        Task.objects.filter(pk=parent_id).update(progress=value)


@transaction.atomic
def request_extension(
    task: Task, *, requested_deadline: datetime.date, reason: str, by: Any
) -> ExtensionRequest:
    """The lead unit asks for a later deadline; the department decides."""
    locked = _locked(task)
    if locked.is_final:
        raise closed_error(locked)
    if locked.status not in workflow.EXTENSION_STATES:
        raise _refuse_step(locked, Step.REQUEST_EXTENSION)
    _check_actor(locked, Step.REQUEST_EXTENSION, by)
    errors: dict[str, list[str]] = {}
    if requested_deadline <= locked.deadline:
        errors["requested_deadline"] = [
            _("The new deadline must be later than the current one (%(date)s).")
            % {"date": f"{locked.deadline:%Y-%m-%d}"}
        ]
    elif deadline_errors := _deadline_errors(locked.assigned_at, requested_deadline):
        errors["requested_deadline"] = deadline_errors
    if not reason.strip():
        errors["reason"] = [_("Please give the reason for the extension.")]
    if errors:
        raise ValidationError(errors)
    if locked.extensions.filter(status=ExtensionRequest.Decision.PENDING).exists():
        raise ValidationError(
            _("An extension request for this task is already waiting for a decision."),
            code="pending",
        )
    extension = ExtensionRequest.objects.create(
        committee_id=locked.committee_id,
        task=locked,
        current_deadline=locked.deadline,
        requested_deadline=requested_deadline,
        reason=reason.strip(),
        requested_by=by,
    )
    transition = _transition(
        locked,
        Step.REQUEST_EXTENSION,
        locked.status,
        by,
        reason.strip(),
        deadline=(locked.deadline, requested_deadline),
    )
    record(
        events.RECORD_CREATED,
        user=by,
        obj=extension,
        object_repr=locked.title,
        detail={"task": locked.pk, "requested_deadline": requested_deadline},
    )
    notices.step_taken(locked, transition)
    return extension


@transaction.atomic
def decide_extension(
    extension: ExtensionRequest, *, approve: bool, by: Any, reason: str = ""
) -> ExtensionRequest:
    """The supervising department approves (the deadline moves) or refuses (with a reason)."""
    locked = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    task = (
        Task.objects.select_for_update()
        .select_related("department", "lead_unit")
        .get(pk=locked.task_id)
    )
    step = Step.APPROVE_EXTENSION if approve else Step.REFUSE_EXTENSION
    if task.is_final:
        raise closed_error(task)
    if locked.status != ExtensionRequest.Decision.PENDING:
        raise ValidationError(_("This extension request has already been decided."))
    _check_actor(task, step, by)
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": [reason_required(step)]})
    locked.status = (
        ExtensionRequest.Decision.APPROVED if approve else ExtensionRequest.Decision.REFUSED
    )
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    transition = _transition(
        task, step, task.status, by, reason, deadline=(task.deadline, locked.requested_deadline)
    )
    detail: dict[str, Any] = {"task": task.pk, "decision": locked.status}
    if approve:
        Task.objects.filter(pk=task.pk).update(
            deadline=locked.requested_deadline, version=F("version") + 1
        )
        detail["deadline"] = [task.deadline, locked.requested_deadline]
    record(events.RECORD_UPDATED, user=by, obj=locked, object_repr=task.title, detail=detail)
    notices.step_taken(task, transition)
    extension.refresh_from_db()
    return extension


@transaction.atomic
def change_deadline(
    task: Task, *, deadline: datetime.date, reason: str, by: Any, version: int | None = None
) -> Task:
    """The supervising department sets a new deadline itself, with the reason; the task's
    history keeps both dates and the lead unit is told."""
    locked = _locked(task)
    if version is not None and locked.version != version:
        raise StaleEdit()
    if locked.is_final:
        raise closed_error(locked)
    _check_actor(locked, Step.CHANGE_DEADLINE, by)
    errors: dict[str, list[str]] = {}
    reason = reason.strip()
    if deadline == locked.deadline:
        errors["deadline"] = [
            _("This is the current deadline (%(date)s): choose another date.")
            % {"date": f"{locked.deadline:%Y-%m-%d}"}
        ]
    elif deadline_errors := _deadline_errors(locked.assigned_at, deadline):
        errors["deadline"] = deadline_errors
    if not reason:
        errors["reason"] = [reason_required(Step.CHANGE_DEADLINE)]
    if errors:
        raise ValidationError(errors)
    if locked.extensions.filter(status=ExtensionRequest.Decision.PENDING).exists():
        raise ValidationError(
            _(
                "The lead unit's extension request is waiting for a decision: approve or "
                "refuse it first."
            ),
            code="pending",
        )
    before = locked.deadline
    transition = _transition(
        locked, Step.CHANGE_DEADLINE, locked.status, by, reason, deadline=(before, deadline)
    )
    update_versioned(locked, locked.version, {"deadline": deadline})
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={
            "step": Step.CHANGE_DEADLINE.value,
            "deadline": [before, deadline],
            "reason": reason,
        },
    )
    notices.step_taken(locked, transition)
    task.refresh_from_db()
    return task
