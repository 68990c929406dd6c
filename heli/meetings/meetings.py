"""Joint meetings: planning one, approving its plan, sending its notice, marking it held,
cancelling it, and moving it to another time or place.

Each step is one transaction that locks the meeting's row, checks that the meeting is
where the step starts from (a step out of order is refused with a message in the reader's
language and changes nothing), stamps who and when, raises ``version``, writes its audit
row and tells the people concerned (notifications written with the change, keyed so each
person hears of each step once, sent after the commit). Any change a calendar must see —
time, place, cancelling — raises ``ics_sequence`` too.

A meeting's place in its group's year (``sequence_in_year``: 第1次, 第2次 …) is allotted
while the group year's row is locked, so two meetings planned at once wait for each
other; the database's unique constraint refuses a duplicate all the same, and a
collision is retried with the next number.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.accounts import policy
from heli.accounts.models import User
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.files.actions import CheckedUpload, keep_upload
from heli.files.models import Attachment
from heli.lib.dates import format_date
from heli.meetings import access, people
from heli.meetings.models import AgendaItem, Attendance, JointMeeting, Topic
from heli.notifications.actions import notify
from heli.org.models import Committee, GroupMembership, GroupYear, Unit

S = JointMeeting.Status

KIND_PLANNED = "meetings.planned"
KIND_APPROVED = "meetings.plan_approved"
KIND_NOTICE = "meetings.notice"
KIND_HELD = "meetings.held"
KIND_CANCELLED = "meetings.cancelled"
KIND_CHANGED = "meetings.changed"

# The steps as the audit rows name them (``detail["step"]``).
STEP_PLANNED = "planned"
STEP_EDITED = "edited"
STEP_APPROVED = "plan_approved"
STEP_NOTICE = "notice_sent"
STEP_HELD = "held"
STEP_CANCELLED = "cancelled"
STEP_MOVED = "time_place_changed"

# The statuses in which the plan (and its agenda) may still be changed freely.
PLANNING = (S.PLANNED, S.PLAN_APPROVED)
# The statuses from which a meeting can be cancelled (before it is held).
CANCELLABLE = (S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT)
# The order of the steps, for the page's stepper.
ORDER = (S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT, S.HELD, S.MINUTES_APPROVED)
# A meeting lasts at most this long (a half day usually; a two-day study session at most).
MAX_LENGTH = datetime.timedelta(days=2)
# How often a sequence number taken meanwhile is retried with the next one.
SEQUENCE_ATTEMPTS = 3
# The post printed for the seats of the notice and the attendance sheet.
SECRETARY_POST = "机关党委书记"
LEADER_POST = "工委领导（联系本组）"
# The longest texts the forms take.
TEXT_MAX = 4000


# --- Small helpers ---------------------------------------------------------------------------


def default_title(group_name: str, year: int, sequence: int) -> str:
    """A meeting's title when none is typed: 第一组2026年第2次联席会."""
    return f"{group_name}{year}年第{sequence}次联席会"


def local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def when_text(meeting: JointMeeting) -> str:
    """The meeting's time as people read it: 2026年6月15日 09:00—11:00."""
    start, end = local(meeting.starts_at), local(meeting.ends_at)
    text = f"{format_date(start.date())} {start:%H:%M}—"
    if end.date() != start.date():
        text += f"{format_date(end.date())} "
    return text + f"{end:%H:%M}"


def _name(user: Any) -> str:
    return people.name_of(user)


def _refuse(message: str, code: str, field: str | None = None) -> ValidationError:
    return ValidationError({field: [message]} if field else message, code=code)


def _locked(meeting: JointMeeting) -> JointMeeting:
    return (
        JointMeeting.objects.select_for_update(of=("self",))
        .select_related("group_year", "group", "host")
        .get(pk=meeting.pk)
    )


def _refresh(meeting: JointMeeting, locked: JointMeeting) -> JointMeeting:
    meeting.refresh_from_db()
    return locked


def _status_label(status: str) -> str:
    return str(S(status).label)


def refusal(meeting: JointMeeting, step: str) -> str | None:
    """Why ``step`` cannot be taken now, the meeting being where it is; None when it can."""
    status = meeting.status
    values = {"status": _status_label(status)}
    if step == STEP_APPROVED and status != S.PLANNED:
        return (
            _("A plan is approved while the meeting is planned; this one is “%(status)s”.") % values
        )
    if step == STEP_NOTICE and status != S.PLAN_APPROVED:
        if status == S.PLANNED:
            return _("The notice goes out once the plan is approved; approve the plan first.")
        return _("The notice cannot be sent: the meeting is “%(status)s”.") % values
    if step == STEP_HELD and status != S.NOTICE_SENT:
        return (
            _("A meeting is marked held after its notice went out; this one is “%(status)s”.")
            % values
        )
    if step == STEP_CANCELLED and status not in CANCELLABLE:
        return _("This meeting is “%(status)s” and can no longer be cancelled.") % values
    if step == STEP_MOVED and status not in CANCELLABLE:
        return _("This meeting is “%(status)s”: its time and place can no longer change.") % values
    return None


def _check_step(meeting: JointMeeting, step: str) -> None:
    problem = refusal(meeting, step)
    if problem:
        raise _refuse(problem, "out_of_order")


def _save(meeting: JointMeeting, fields: Iterable[str]) -> None:
    meeting.version += 1
    meeting.save(update_fields=[*fields, "version", "updated_at"])


def _audit(
    meeting: JointMeeting,
    by: User,
    step: str,
    request: HttpRequest | None,
    *,
    created: bool = False,
    **detail: Any,
) -> None:
    record(
        events.RECORD_CREATED if created else events.RECORD_UPDATED,
        request=request,
        user=by,
        obj=meeting,
        detail={"step": step, **detail},
    )


def _tell(
    meeting: JointMeeting,
    kind: str,
    key: str,
    recipients: Iterable[User],
    by: User | None,
    *,
    title: str,
    body: str,
) -> None:
    found: list[User] = []
    for person in recipients:
        if (by is None or person.pk != by.pk) and person not in found:
            found.append(person)
    if found:
        notify(
            Committee(pk=meeting.committee_id),
            kind,
            key,
            found,
            title=title,
            body=body,
            url=meeting.get_absolute_url(),
        )


def _values(meeting: JointMeeting, by: User | None = None) -> dict[str, str]:
    return {
        "title": meeting.title,
        "when": when_text(meeting),
        "place": meeting.place,
        "who": _name(by) if by is not None else "",
        "group": meeting.group.name,
    }


def invited(meeting: JointMeeting) -> list[User]:
    """Everyone the notice reached: every member unit's secretary and staff, and the
    group's liaison leader (before the notice, the lead units' people and the leader)."""
    if meeting.notice_sent_at is None:
        found = people.lead_people(meeting.group_year)
    else:
        found = people.units_people(meeting.committee_id, access.member_unit_ids(meeting))
        seated = Attendance.objects.filter(
            meeting=meeting, unit__isnull=True, user__isnull=False, user__is_active=True
        ).select_related("user")
        found += [seat.user for seat in seated if seat.user is not None]
    found += people.liaison_leader(meeting.group_year)
    return found


# --- Checks shared by planning and changing ----------------------------------------------


def time_errors(
    year: int, starts_at: datetime.datetime | None, ends_at: datetime.datetime | None
) -> dict[str, list[str]]:
    """What is wrong with a meeting's times in work year ``year``, by field."""
    errors: dict[str, list[str]] = {}
    if starts_at is None:
        errors["starts_at"] = [_("Enter when the meeting starts.")]
    elif local(starts_at).year != year:
        errors["starts_at"] = [
            _(
                "The meeting belongs to the work year %(year)s: choose a day from %(first)s to %(last)s."
            )
            % {
                "year": year,
                "first": format_date(datetime.date(year, 1, 1)),
                "last": format_date(datetime.date(year, 12, 31)),
            }
        ]
    if ends_at is None:
        errors["ends_at"] = [_("Enter when the meeting ends.")]
    elif starts_at is not None and "starts_at" not in errors:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("The meeting must end after it starts; check the end time.")]
        elif ends_at - starts_at > MAX_LENGTH:
            errors["ends_at"] = [
                _("A meeting lasts two days at most; check the end time (it may be a typing slip).")
            ]
    return errors


def lead_units(group_year: GroupYear) -> list[Unit]:
    return [
        m.unit
        for m in GroupMembership.objects.filter(group_year=group_year, is_lead=True)
        .select_related("unit")
        .order_by("unit__sort_order", "unit_id")
    ]


def host_error(group_year: GroupYear, host: Unit | None) -> str | None:
    """Why ``host`` cannot host the group year's meetings, or None: only that year's lead
    units host."""
    leads = lead_units(group_year)
    if host is not None and any(u.pk == host.pk for u in leads):
        return None
    names = "、".join(u.name for u in leads) or _("none confirmed yet")
    if host is None:
        return _("Choose the host: one of the lead units of %(group)s in %(year)s (%(leads)s).") % {
            "group": group_year.group.name,
            "year": group_year.year,
            "leads": names,
        }
    return _(
        "%(unit)s is not a lead unit of %(group)s in %(year)s: the host must be one of that year's lead units (%(leads)s)."
    ) % {"unit": host.name, "group": group_year.group.name, "year": group_year.year, "leads": names}


def _check_plan(
    group_year: GroupYear,
    *,
    host: Unit | None,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    place: str,
    title: str,
    plan_notes: str,
) -> None:
    errors = time_errors(group_year.year, starts_at, ends_at)
    problem = host_error(group_year, host)
    if problem:
        errors["host"] = [problem]
    if not place:
        errors["place"] = [_("Say where the meeting takes place.")]
    elif len(place) > 200:
        errors["place"] = [_("The place is at most 200 characters.")]
    if len(title) > 200:
        errors["title"] = [_("The title is at most 200 characters.")]
    if len(plan_notes) > TEXT_MAX:
        errors["plan_notes"] = [_("Keep the plan notes to 4,000 characters at most.")]
    if errors:
        raise ValidationError(errors)


def _require_manager(meeting: JointMeeting, by: User) -> None:
    if not access.manages(by, meeting):
        raise _refuse(
            _(
                "Only the joint-meeting office and the secretaries of the group's lead units in %(year)s can do this."
            )
            % {"year": meeting.year},
            "not_allowed",
        )


# --- Planning --------------------------------------------------------------------------------


def _next_sequence(group_year: GroupYear) -> int:
    last = JointMeeting.objects.filter(
        committee_id=group_year.committee_id, group_id=group_year.group_id, year=group_year.year
    ).aggregate(last=Max("sequence_in_year"))["last"]
    return int(last or 0) + 1


def plan(
    group_year: GroupYear,
    *,
    host: Unit,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    by: User,
    title: str = "",
    plan_notes: str = "",
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Plan a meeting of ``group_year`` hosted by one of its lead units; it is given the
    next place in its group's year and, without a title, 第N次联席会 of the group."""
    if by.committee_id != group_year.committee_id or not access.manages_group_year(
        by, group_year.pk
    ):
        raise _refuse(
            _(
                "Only the joint-meeting office and the secretaries of this group's lead units in %(year)s can plan its meetings."
            )
            % {"year": group_year.year},
            "not_allowed",
        )
    title, place, plan_notes = title.strip(), place.strip(), plan_notes.strip()
    _check_plan(
        group_year,
        host=host,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        title=title,
        plan_notes=plan_notes,
    )
    with transaction.atomic():
        locked_gy = (
            GroupYear.objects.select_for_update(of=("self",))
            .select_related("group")
            .get(pk=group_year.pk)
        )
        attempt = 0
        while True:
            sequence = _next_sequence(locked_gy)
            try:
                with transaction.atomic():
                    meeting = JointMeeting.objects.create(
                        committee_id=locked_gy.committee_id,
                        group_year=locked_gy,
                        group=locked_gy.group,
                        year=locked_gy.year,
                        sequence_in_year=sequence,
                        host=host,
                        title=title
                        or default_title(locked_gy.group.name, locked_gy.year, sequence),
                        starts_at=starts_at,
                        ends_at=ends_at,
                        place=place,
                        plan_notes=plan_notes,
                        created_by=by,
                    )
                break
            except IntegrityError:
                attempt += 1
                if attempt >= SEQUENCE_ATTEMPTS:
                    raise
        with translation.override(settings.LANGUAGE_CODE):
            values = _values(meeting, by)
            _tell(
                meeting,
                KIND_PLANNED,
                f"{KIND_PLANNED}:{meeting.pk}",
                [*people.office(meeting.committee_id), *people.lead_people(locked_gy)],
                by,
                title=_("A joint meeting is being planned: %(title)s") % values,
                body=_(
                    "%(who)s planned %(title)s for %(when)s at %(place)s. Its agenda is drawn up next; then the plan goes for approval."
                )
                % values,
            )
        _audit(
            meeting,
            by,
            STEP_PLANNED,
            request,
            created=True,
            status=meeting.status,
            sequence_in_year=meeting.sequence_in_year,
            host=host.pk,
            starts_at=meeting.starts_at.isoformat(),
            ends_at=meeting.ends_at.isoformat(),
            place=meeting.place,
        )
    return meeting


def _diff(meeting: JointMeeting, changes: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for name, new in changes.items():
        old = getattr(meeting, name)
        if isinstance(old, Unit) or isinstance(new, Unit):
            old, new = getattr(old, "pk", old), getattr(new, "pk", new)
        if old != new:
            plain = [v.isoformat() if isinstance(v, datetime.datetime) else v for v in (old, new)]
            found[name] = plain
    return found


def update_plan(
    meeting: JointMeeting,
    version: int,
    *,
    host: Unit,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    plan_notes: str,
    by: User,
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Change the plan before the notice goes out (after it, only time and place change,
    with a reason: :func:`change_time_place`). A stale ``version`` is refused."""
    from heli.lib.versioning import StaleEdit

    _require_manager(meeting, by)
    title, place, plan_notes = title.strip(), place.strip(), plan_notes.strip()
    with transaction.atomic():
        locked = _locked(meeting)
        if locked.status not in PLANNING:
            raise _refuse(
                _(
                    "The notice of this meeting has gone out: only its time and place can change now, with a reason."
                )
                if locked.status == S.NOTICE_SENT
                else _("This meeting is “%(status)s”: its plan can no longer change.")
                % {"status": _status_label(locked.status)},
                "out_of_order",
            )
        if locked.version != version:
            raise StaleEdit()
        _check_plan(
            locked.group_year,
            host=host,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place,
            title=title,
            plan_notes=plan_notes,
        )
        changes: dict[str, Any] = {
            "host": host,
            "title": title
            or default_title(locked.group.name, locked.year, locked.sequence_in_year),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": place,
            "plan_notes": plan_notes,
        }
        changed = _diff(locked, changes)
        if not changed:
            return _refresh(meeting, locked)
        for name, value in changes.items():
            setattr(locked, name, value)
        fields = list(changes)
        if {"starts_at", "ends_at", "place"} & set(changed):
            locked.ics_sequence += 1
            fields.append("ics_sequence")
        _save(locked, fields)
        _audit(locked, by, STEP_EDITED, request, changes=changed)
    return _refresh(meeting, locked)


def change_time_place(
    meeting: JointMeeting,
    by: User,
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    place: str,
    reason: str,
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Move a meeting to another time or place. After the notice a reason is required and
    everyone invited is told; the calendar sees the change (``ics_sequence``)."""
    _require_manager(meeting, by)
    place, reason = place.strip(), reason.strip()
    with transaction.atomic():
        locked = _locked(meeting)
        _check_step(locked, STEP_MOVED)
        noticed = locked.status == S.NOTICE_SENT
        errors = time_errors(locked.year, starts_at, ends_at)
        if not place:
            errors["place"] = [_("Say where the meeting takes place.")]
        elif len(place) > 200:
            errors["place"] = [_("The place is at most 200 characters.")]
        if noticed and not reason:
            errors["reason"] = [
                _("Say why the time or place changes: everyone invited is told the reason.")
            ]
        elif len(reason) > TEXT_MAX:
            errors["reason"] = [_("Keep the reason to 4,000 characters at most.")]
        if errors:
            raise ValidationError(errors)
        changes = {"starts_at": starts_at, "ends_at": ends_at, "place": place}
        changed = _diff(locked, changes)
        if not changed:
            raise _refuse(
                _("The time and place are as they were: nothing changed."), "unchanged", "starts_at"
            )
        before = {"when": when_text(locked), "place": locked.place}
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.ics_sequence += 1
        _save(locked, [*changes, "ics_sequence"])
        if noticed:
            with translation.override(settings.LANGUAGE_CODE):
                values = {
                    **_values(locked, by),
                    "old_when": before["when"],
                    "old_place": before["place"],
                    "reason": reason,
                }
                _tell(
                    locked,
                    KIND_CHANGED,
                    f"{KIND_CHANGED}:{locked.pk}:{locked.ics_sequence}",
                    invited(locked),
                    by,
                    title=_("Changed: %(title)s now %(when)s at %(place)s") % values,
                    body=_(
                        "%(who)s moved %(title)s from %(old_when)s at %(old_place)s to %(when)s at %(place)s. Reason: %(reason)s"
                    )
                    % values,
                )
        _audit(locked, by, STEP_MOVED, request, changes=changed, reason=reason)
    return _refresh(meeting, locked)


# --- The steps -------------------------------------------------------------------------------


def approve_plan(
    meeting: JointMeeting, by: User, *, request: HttpRequest | None = None
) -> JointMeeting:
    """Approve the meeting's plan (会议方案): the office or a committee leader, once its
    agenda has at least one topic. The lead units and the liaison leader are told."""
    if by.committee_id != meeting.committee_id or not access.approves(by):
        raise _refuse(
            _("Only the joint-meeting office and the committee's leaders approve meeting plans."),
            "not_allowed",
        )
    with transaction.atomic():
        locked = _locked(meeting)
        _check_step(locked, STEP_APPROVED)
        if not AgendaItem.objects.filter(meeting=locked).exists():
            raise _refuse(
                _("Put at least one topic on the agenda before the plan is approved."),
                "no_agenda",
            )
        locked.status = S.PLAN_APPROVED
        locked.plan_approved_at, locked.plan_approved_by = timezone.now(), by
        _save(locked, ["status", "plan_approved_at", "plan_approved_by"])
        with translation.override(settings.LANGUAGE_CODE):
            values = _values(locked, by)
            _tell(
                locked,
                KIND_APPROVED,
                f"{KIND_APPROVED}:{locked.pk}",
                [*people.lead_people(locked.group_year), *people.liaison_leader(locked.group_year)],
                by,
                title=_("Plan approved: %(title)s") % values,
                body=_(
                    "%(who)s approved the plan of %(title)s (%(when)s, %(place)s). The notice to the member units can go out now."
                )
                % values,
            )
        _audit(locked, by, STEP_APPROVED, request, status=[S.PLANNED, S.PLAN_APPROVED])
    return _refresh(meeting, locked)


def _make_seats(meeting: JointMeeting) -> list[Attendance]:
    """A seat for every member unit (its organ party secretary) and the liaison leader."""
    memberships = (
        GroupMembership.objects.filter(group_year_id=meeting.group_year_id)
        .select_related("unit__organ_party_org__secretary")
        .order_by("unit__sort_order", "unit_id")
    )
    have = set(
        Attendance.objects.filter(meeting=meeting, unit__isnull=False).values_list(
            "unit_id", flat=True
        )
    )
    seats: list[Attendance] = []
    for membership in memberships:
        if membership.unit_id in have:
            continue
        org = getattr(membership.unit, "organ_party_org", None)
        secretary = org.secretary if org is not None else None
        seats.append(
            Attendance(
                committee_id=meeting.committee_id,
                meeting=meeting,
                unit=membership.unit,
                user=secretary,
                name=(_name(secretary) if secretary is not None else "")[:50],
                post=SECRETARY_POST,
            )
        )
    leader = meeting.group_year.liaison_leader
    if (
        leader is not None
        and not Attendance.objects.filter(meeting=meeting, unit__isnull=True, user=leader).exists()
    ):
        seats.append(
            Attendance(
                committee_id=meeting.committee_id,
                meeting=meeting,
                user=leader,
                name=_name(leader)[:50],
                post=LEADER_POST,
            )
        )
    return Attendance.objects.bulk_create(seats)


def reply_by_error(meeting: JointMeeting, reply_by: datetime.date | None) -> str | None:
    if reply_by is None:
        return _("Enter the date by which the units answer, for example 2026-11-20.")
    today, day = timezone.localdate(), local(meeting.starts_at).date()
    if reply_by < today or reply_by > day:
        return _(
            "The units answer between today and the day of the meeting: choose a day from %(first)s to %(last)s."
        ) % {"first": format_date(today), "last": format_date(day)}
    return None


def send_notice(
    meeting: JointMeeting,
    by: User,
    *,
    notice_text: str,
    reply_by: datetime.date,
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Send the notice (会议通知) once the plan is approved: every member unit gets a seat
    (its organ party secretary) and so does the liaison leader; the sign-in code is
    drawn; every member unit's secretary and staff and the leader are told. It cannot be
    undone (the meeting can still be moved or cancelled, and everyone is told)."""
    _require_manager(meeting, by)
    notice_text = notice_text.strip()
    with transaction.atomic():
        locked = _locked(meeting)
        _check_step(locked, STEP_NOTICE)
        errors: dict[str, list[str]] = {}
        if not notice_text:
            errors["notice_text"] = [_("Write the text of the notice: what the units prepare.")]
        elif len(notice_text) > TEXT_MAX:
            errors["notice_text"] = [_("Keep the notice to 4,000 characters at most.")]
        problem = reply_by_error(locked, reply_by)
        if problem:
            errors["reply_by"] = [problem]
        if errors:
            raise ValidationError(errors)
        locked.status = S.NOTICE_SENT
        locked.notice_text, locked.reply_by = notice_text, reply_by
        locked.notice_sent_at, locked.notice_sent_by = timezone.now(), by
        locked.checkin_token = secrets.token_urlsafe(24)
        _save(
            locked,
            [
                "status",
                "notice_text",
                "reply_by",
                "notice_sent_at",
                "notice_sent_by",
                "checkin_token",
            ],
        )
        seats = _make_seats(locked)
        member_ids = access.member_unit_ids(locked)
        recipients = [
            *people.units_people(locked.committee_id, member_ids),
            *people.liaison_leader(locked.group_year),
        ]
        with translation.override(settings.LANGUAGE_CODE):
            values = {**_values(locked, by), "reply_by": format_date(reply_by)}
            _tell(
                locked,
                KIND_NOTICE,
                f"{KIND_NOTICE}:{locked.pk}",
                recipients,
                by,
                title=_("Notice of a joint meeting: %(title)s, %(when)s") % values,
                body=_(
                    "%(title)s takes place %(when)s at %(place)s. Please answer by %(reply_by)s whether your unit's secretary attends or who comes instead, and prepare for the agenda."
                )
                % values
                + "\n"
                + notice_text,
            )
        _audit(
            locked,
            by,
            STEP_NOTICE,
            request,
            status=[S.PLAN_APPROVED, S.NOTICE_SENT],
            reply_by=reply_by.isoformat(),
            seats=len(seats),
            units=sorted(member_ids),
        )
    return _refresh(meeting, locked)


def mark_held(
    meeting: JointMeeting, by: User, *, request: HttpRequest | None = None
) -> JointMeeting:
    """Record that the meeting took place: after its notice, once its start has passed.
    The minutes can be written then; the lead units and the office are told."""
    _require_manager(meeting, by)
    with transaction.atomic():
        locked = _locked(meeting)
        _check_step(locked, STEP_HELD)
        now = timezone.now()
        if now < locked.starts_at:
            raise _refuse(
                _(
                    "The meeting has not started yet (%(when)s): mark it held once it has taken place."
                )
                % {"when": when_text(locked)},
                "not_yet",
            )
        locked.status, locked.held_at = S.HELD, now
        _save(locked, ["status", "held_at"])
        with translation.override(settings.LANGUAGE_CODE):
            values = _values(locked, by)
            _tell(
                locked,
                KIND_HELD,
                f"{KIND_HELD}:{locked.pk}",
                [*people.lead_people(locked.group_year), *people.office(locked.committee_id)],
                by,
                title=_("Held: %(title)s") % values,
                body=_(
                    "%(who)s recorded that %(title)s took place. Write its minutes: an outcome for every topic on the agenda."
                )
                % values,
            )
        _audit(locked, by, STEP_HELD, request, status=[S.NOTICE_SENT, S.HELD])
    return _refresh(meeting, locked)


def cancel(
    meeting: JointMeeting, by: User, *, reason: str, request: HttpRequest | None = None
) -> JointMeeting:
    """Cancel a meeting before it is held, with a reason; everyone invited is told and the
    calendar sees it. Its topics go back to the office's accepted topics, to be scheduled
    into another meeting. It cannot be undone."""
    _require_manager(meeting, by)
    reason = reason.strip()
    with transaction.atomic():
        locked = _locked(meeting)
        _check_step(locked, STEP_CANCELLED)
        if not reason:
            raise _refuse(
                _("Say why the meeting is cancelled: everyone invited is told the reason."),
                "no_reason",
                "reason",
            )
        if len(reason) > TEXT_MAX:
            raise _refuse(_("Keep the reason to 4,000 characters at most."), "too_long", "reason")
        before = locked.status
        told = invited(locked)
        locked.status, locked.cancel_reason = S.CANCELLED, reason
        locked.ics_sequence += 1
        _save(locked, ["status", "cancel_reason", "ics_sequence"])
        topic_ids = list(
            AgendaItem.objects.filter(meeting=locked).values_list("topic_id", flat=True)
        )
        elsewhere = AgendaItem.objects.filter(topic_id__in=topic_ids).exclude(
            Q(meeting=locked) | Q(meeting__status=S.CANCELLED)
        )
        freed = list(
            Topic.objects.filter(pk__in=topic_ids, status=Topic.Status.SCHEDULED)
            .exclude(pk__in=elsewhere.values("topic_id"))
            .values_list("pk", flat=True)
        )
        Topic.objects.filter(pk__in=freed).update(status=Topic.Status.ACCEPTED)
        with translation.override(settings.LANGUAGE_CODE):
            values = {**_values(locked, by), "reason": reason}
            _tell(
                locked,
                KIND_CANCELLED,
                f"{KIND_CANCELLED}:{locked.pk}",
                told,
                by,
                title=_("Cancelled: %(title)s (%(when)s)") % values,
                body=_(
                    "%(who)s cancelled %(title)s, planned for %(when)s at %(place)s. Reason: %(reason)s"
                )
                % values,
            )
        _audit(
            locked,
            by,
            STEP_CANCELLED,
            request,
            status=[before, S.CANCELLED],
            reason=reason,
            topics_freed=freed,
        )
    return _refresh(meeting, locked)


# --- The agenda ------------------------------------------------------------------------------


def _require_agenda_open(meeting: JointMeeting, by: User) -> None:
    _require_manager(meeting, by)
    if meeting.status not in PLANNING:
        raise _refuse(
            _("The agenda can change only while the meeting is being planned (before the notice)."),
            "out_of_order",
        )


def schedulable_topics(meeting: JointMeeting) -> QuerySet[Topic]:
    """The accepted topics of the meeting's year meant for its group (or any group) that
    are not on its agenda yet: what its managers may put on it (whoever draws up the
    agenda sees them, whoever proposed them)."""
    return (
        Topic.objects.filter(
            committee_id=meeting.committee_id,
            year=meeting.year,
            status=Topic.Status.ACCEPTED,
        )
        .filter(Q(group__isnull=True) | Q(group_id=meeting.group_id))
        .exclude(agenda_items__meeting=meeting)
        .order_by("kind", "created_at", "id")
    )


def add_topic(
    meeting: JointMeeting, topic: Topic, by: User, *, request: HttpRequest | None = None
) -> AgendaItem:
    """Put an accepted topic on the agenda (through the topic queue's ``schedule``, which
    moves the topic on and tells its proposers)."""
    from heli.meetings import topics

    _require_agenda_open(meeting, by)
    if not schedulable_topics(meeting).filter(pk=topic.pk).exists():
        raise _refuse(
            _(
                "“%(topic)s” cannot go on this agenda: choose an accepted topic of %(year)s meant for %(group)s or for any group."
            )
            % {"topic": topic.title, "year": meeting.year, "group": meeting.group.name},
            "bad_topic",
            "topic",
        )
    item: AgendaItem = topics.schedule(topic, meeting, by)
    return item


def update_item(
    item: AgendaItem,
    by: User,
    *,
    order: int,
    reporter_unit: Unit | None,
    reporter_note: str,
    materials_note: str,
    request: HttpRequest | None = None,
) -> AgendaItem:
    """Set an agenda topic's place, who reports on it and what the units prepare."""
    meeting = item.meeting
    _require_agenda_open(meeting, by)
    reporter_note, materials_note = reporter_note.strip(), materials_note.strip()
    errors: dict[str, list[str]] = {}
    if reporter_unit is not None and reporter_unit.pk not in access.member_unit_ids(meeting):
        errors["reporter_unit"] = [
            _("%(unit)s is not a member unit of %(group)s in %(year)s: choose one from the list.")
            % {"unit": reporter_unit.name, "group": meeting.group.name, "year": meeting.year}
        ]
    if not 0 <= order <= 999:
        errors["order"] = [_("Enter a whole number from 0 to 999.")]
    for name, value in (("reporter_note", reporter_note), ("materials_note", materials_note)):
        if len(value) > 300:
            errors[name] = [_("Keep it to 300 characters at most.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = AgendaItem.objects.select_for_update().get(pk=item.pk)
        changes: dict[str, Any] = {
            "order": order,
            "reporter_unit_id": reporter_unit.pk if reporter_unit is not None else None,
            "reporter_note": reporter_note,
            "materials_note": materials_note,
        }
        changed = {
            k: [getattr(locked, k), v] for k, v in changes.items() if getattr(locked, k) != v
        }
        if changed:
            for name, value in changes.items():
                setattr(locked, name, value)
            locked.save(update_fields=list(changes))
            record(
                events.RECORD_UPDATED,
                request=request,
                user=by,
                obj=locked,
                detail={"meeting": meeting.pk, "changes": changed},
            )
    item.refresh_from_db()
    return item


def remove_item(item: AgendaItem, by: User, *, request: HttpRequest | None = None) -> None:
    """Take a topic off the agenda (through the topic queue's ``unschedule``)."""
    from heli.meetings import topics

    _require_agenda_open(item.meeting, by)
    topics.unschedule(item, by)


# --- Looking meetings up ---------------------------------------------------------------------


def next_meeting_of(group_year: GroupYear, after: datetime.datetime) -> JointMeeting | None:
    """The group's next meeting not cancelled that starts after ``after`` (any later work
    year too), to carry topics over to; None when none is planned yet."""
    return (
        JointMeeting.objects.filter(
            committee_id=group_year.committee_id,
            group_id=group_year.group_id,
            starts_at__gt=after,
        )
        .exclude(status=S.CANCELLED)
        .order_by("starts_at", "id")
        .first()
    )


def history(meeting: JointMeeting) -> list[AuditEvent]:
    """The meeting's steps and changes from the audit log, oldest first."""
    return list(
        AuditEvent.objects.filter(
            committee_id=meeting.committee_id,
            object_type=JointMeeting._meta.label_lower,
            object_id=str(meeting.pk),
            event__in=(events.RECORD_CREATED, events.RECORD_UPDATED),
        )
        .select_related("user")
        .order_by("created_at", "id")
    )


def step_labels() -> dict[str, str]:
    return {
        STEP_PLANNED: _("Meeting planned"),
        STEP_EDITED: _("Plan changed"),
        STEP_APPROVED: _("Plan approved"),
        STEP_NOTICE: _("Notice sent"),
        STEP_HELD: _("Marked held"),
        STEP_CANCELLED: _("Cancelled"),
        STEP_MOVED: _("Time or place changed"),
    }


def stepper(meeting: JointMeeting) -> list[dict[str, Any]]:
    """The steps of the meeting's way for the page: done, current, to come."""
    stamps: dict[str, Any] = {
        S.PLANNED: meeting.created_at,
        S.PLAN_APPROVED: meeting.plan_approved_at,
        S.NOTICE_SENT: meeting.notice_sent_at,
        S.HELD: meeting.held_at,
        S.MINUTES_APPROVED: meeting.minutes_approved_at,
    }
    if meeting.status in ORDER:
        reached, current = ORDER.index(S(meeting.status)), True
    else:  # cancelled: the steps it had taken, none current
        reached = max(i for i, status in enumerate(ORDER) if stamps[status] is not None)
        current = False
    rows = []
    for i, status in enumerate(ORDER):
        if i < reached or (i == reached and not current):
            state = "done"
        else:
            state = "current" if i == reached else "todo"
        rows.append(
            {
                "code": str(status),
                "label": _status_label(status),
                "state": state,
                "at": stamps[status] if i <= reached else None,
            }
        )
    return rows


def seats_of(meeting: JointMeeting) -> Sequence[Attendance]:
    return list(Attendance.objects.filter(meeting=meeting).select_related("unit", "user"))


def add_files(
    meeting: JointMeeting,
    by: User,
    uploads: Sequence[CheckedUpload],
    *,
    request: HttpRequest | None = None,
) -> list[Attachment]:
    """Keep checked uploads (``heli.files.actions.check_upload``) as files of the meeting:
    its plan, materials and reports, seen by whoever sees the meeting."""
    _require_manager(meeting, by)
    if meeting.status == S.CANCELLED:
        raise _refuse(
            _("This meeting was cancelled: no files can be added to it."),
            "cancelled",
            "attachments",
        )
    kept: list[Attachment] = []
    with transaction.atomic():
        for upload in uploads:
            upload.belongs_to = meeting
            kept.append(keep_upload(upload, request=request))
    return kept


def files_of(meeting: JointMeeting, user: Any) -> list[Attachment]:
    return list(
        policy.visible(user, Attachment)
        .filter(record_type=JointMeeting._meta.label_lower, record_id=meeting.pk)
        .select_related("uploaded_by")
        .order_by("created_at", "id")
    )
