"""Decisions (议定事项) of a meeting's minutes: numbered, and each one a task on the battle map.

A decision is recorded while the minutes are written (the meeting held, its minutes not
yet approved) by someone who manages the meeting. Its number is the next serial of its
group's year (第1组〔2026〕3号), allotted inside the recording transaction while the
year's :class:`DecisionCounter` row is locked — two decisions saved at once wait for
each other, and one that fails rolls its serial back with it — so numbers run without
gaps or duplicates; the database refuses a duplicate all the same
(``meetings_decision_serial_once``).

In the same transaction the decision becomes a task on the battle map through the
task-source protocol (:func:`heli.tracking.actions.create_task_from`, source
``meetings``): the battle map's own checks (who may assign for the supervising
department, the deadline's range, the units) refuse the decision with it, next to the
field concerned. A numbered decision is never deleted (the numbers stay gapless): one
made by mistake is withdrawn through its task's "withdraw" step.

Locks are taken in one order every time: the meeting row, then the counter, then the
audit chain's — so recording and approving the minutes wait for each other, and a
decision never lands in minutes approved meanwhile.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.audit import events
from heli.audit.actions import record
from heli.lib.dates import format_date
from heli.meetings import access
from heli.meetings.minutes import check_writable, lock_meeting
from heli.meetings.models import (
    AgendaItem,
    Decision,
    DecisionCounter,
    DecisionUnit,
    JointMeeting,
)
from heli.org.models import Committee, Department, Group, Unit

SOURCE_TYPE = "meetings.decision"


def allot(committee: Committee, group: Group, year: int) -> int:
    """The next decision serial of the group's year; call inside the recording transaction.

    The counter row is locked until the transaction ends. The year's first decision
    creates the row; two first decisions at once both try, the database's unique
    constraint lets one in, and the other waits for it and then locks the row it made.
    """
    counter = DecisionCounter.objects.select_for_update().filter(
        committee=committee, group=group, year=year
    )
    found = counter.first()
    if found is None:
        try:
            with transaction.atomic():
                DecisionCounter.objects.create(committee=committee, group=group, year=year, last=0)
        except IntegrityError:
            pass
        found = counter.get()
    found.last += 1
    found.save(update_fields=["last"])
    return found.last


def tasks_of(decisions: Sequence[Decision] | QuerySet[Decision]) -> Any:
    """The battle map's tasks made from these decisions (withdrawn ones included)."""
    from heli.tracking.models import Task

    ids = [d.pk for d in decisions]
    return Task.objects.filter(source_type=SOURCE_TYPE, source_id__in=ids)


def default_department(committee: Committee | int) -> Department | None:
    """The department that supervises a decision unless another is chosen: the office's."""
    committee_id = committee if isinstance(committee, int) else committee.pk
    return Department.objects.filter(committee_id=committee_id, is_meeting_office=True).first()


def _check_manager(meeting: JointMeeting, by: Any) -> None:
    if not access.manages(by, meeting):
        raise ValidationError(
            _(
                "Only the joint-meeting office and the secretaries of this year's lead units "
                "of the group can record the meeting's decisions."
            ),
            code="not_allowed",
        )


def _wording_errors(
    meeting: JointMeeting, title: str, content: str, agenda_item: AgendaItem | None
) -> dict[str, list[str]]:
    """What is wrong with a decision's title, wording and topic, by field."""
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Give the decision a title: what is to be done.")]
    if not content:
        errors["content"] = [_("Write the decision as the minutes record it.")]
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        errors["agenda_item"] = [_("Choose a topic on this meeting's agenda, or none.")]
    return errors


def _check_fields(
    meeting: JointMeeting,
    *,
    title: str,
    content: str,
    agenda_item: AgendaItem | None,
    lead_unit: Unit,
    cooperating_units: Sequence[Unit],
    department: Department,
    deadline: datetime.date,
) -> None:
    errors = _wording_errors(meeting, title, content, agenda_item)
    if lead_unit.committee_id != meeting.committee_id or not lead_unit.is_active:
        errors["lead_unit"] = [
            _(
                "%(unit)s is not a current unit of this committee; choose the lead unit from the list."
            )
            % {"unit": lead_unit.name}
        ]
    for unit in cooperating_units:
        if unit.committee_id != meeting.committee_id or not unit.is_active:
            errors.setdefault("cooperating_units", []).append(
                _(
                    "%(unit)s is not a current unit of this committee; choose the cooperating "
                    "units from the list."
                )
                % {"unit": unit.name}
            )
        elif unit.pk == lead_unit.pk:
            errors.setdefault("cooperating_units", []).append(
                _("The lead unit cannot also be a cooperating unit.")
            )
    if department.committee_id != meeting.committee_id:
        errors["department"] = [_("Choose one of the committee's departments.")]
    today = timezone.localdate()
    if deadline < today:
        errors["deadline"] = [
            _("The deadline cannot be before today (%(date)s): the task is assigned today.")
            % {"date": format_date(today)}
        ]
    if errors:
        raise ValidationError(errors)


def _basis(number: str, meeting: JointMeeting) -> str:
    return f"{number} {meeting.title}"[:200]


def record_decision(
    meeting: JointMeeting,
    by: Any,
    *,
    title: str,
    content: str,
    lead_unit: Unit,
    department: Department,
    deadline: datetime.date,
    agenda_item: AgendaItem | None = None,
    cooperating_units: Sequence[Unit] = (),
    request: HttpRequest | None = None,
) -> Decision:
    """Record a decision of the meeting: its number, and its task on the battle map."""
    title, content = title.strip(), content.strip()
    cooperating = list({u.pk: u for u in cooperating_units}.values())
    _check_manager(meeting, by)
    check_writable(meeting)
    _check_fields(
        meeting,
        title=title,
        content=content,
        agenda_item=agenda_item,
        lead_unit=lead_unit,
        cooperating_units=cooperating,
        department=department,
        deadline=deadline,
    )
    from heli.tracking.actions import create_task_from

    with transaction.atomic():
        locked = lock_meeting(meeting)
        check_writable(locked)
        group = Group.objects.get(pk=locked.group_id)
        committee = Committee.objects.get(pk=locked.committee_id)
        serial = allot(committee, group, locked.year)
        decision = Decision.objects.create(
            committee=committee,
            meeting=locked,
            agenda_item=agenda_item,
            group=group,
            year=locked.year,
            serial=serial,
            title=title,
            content=content,
            lead_unit=lead_unit,
            department=department,
            deadline=deadline,
            created_by=by,
        )
        DecisionUnit.objects.bulk_create(
            DecisionUnit(committee=committee, decision=decision, unit=u) for u in cooperating
        )
        task = create_task_from(
            decision,
            title=title,
            lead_unit=lead_unit,
            department=department,
            deadline=deadline,
            by=by,
            basis=_basis(decision.number, locked),
            description=content,
            cooperating_units=cooperating,
        )
        record(
            events.RECORD_CREATED,
            request=request,
            user=by,
            obj=decision,
            detail={
                "number": decision.number,
                "meeting": locked.pk,
                "agenda_item": agenda_item.pk if agenda_item is not None else None,
                "lead_unit": lead_unit.pk,
                "cooperating_units": sorted(u.pk for u in cooperating),
                "department": department.pk,
                "deadline": deadline,
                "task": task.pk,
            },
        )
    return decision


def update_decision(
    decision: Decision,
    by: Any,
    *,
    title: str,
    content: str,
    agenda_item: AgendaItem | None,
    request: HttpRequest | None = None,
) -> Decision:
    """Correct the wording of a decision while the minutes are written.

    Its units, department and deadline are its task's, changed on the task's page (the
    deadline only through a recorded decision with a reason); its number never changes.
    """
    meeting = decision.meeting
    _check_manager(meeting, by)
    check_writable(meeting)
    title, content = title.strip(), content.strip()
    errors = _wording_errors(meeting, title, content, agenda_item)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked_meeting = lock_meeting(meeting)
        check_writable(locked_meeting)
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        changes: dict[str, list[Any]] = {}
        new_item = agenda_item.pk if agenda_item is not None else None
        for name, old, new in (
            ("title", locked.title, title),
            ("content", locked.content, content),
            ("agenda_item", locked.agenda_item_id, new_item),
        ):
            if old != new:
                changes[name] = [old, new]
        if changes:
            locked.title, locked.content, locked.agenda_item = title, content, agenda_item
            locked.save(update_fields=["title", "content", "agenda_item"])
            record(
                events.RECORD_UPDATED,
                request=request,
                user=by,
                obj=locked,
                detail={"changes": changes},
            )
    decision.refresh_from_db()
    return decision
