"""Replies to a meeting's notice and the sign-in at the meeting (参会回执, 签到).

Every member unit of the meeting's group has a seat (:class:`Attendance`), and so does the
group's liaison leader; the seats are made when the notice is sent. Before the meeting
starts a unit's secretary or staff answers its seat's notice — attending, sending a
substitute, or asking for leave — and may change the answer until then; the leader
answers their own. At the meeting the host (whoever manages the meeting) marks each seat
on the sign-in sheet, or each invited person signs in by scanning the meeting's QR code
with their phone, signed in to Heli.

Each action is one transaction that ends with its audit row; a refusal is a
``ValidationError`` with a message in the reader's language and changes nothing. A seat
of a unit outside the meeting's group cannot be added or answered.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import scope_of, visible
from heli.audit import events
from heli.audit.actions import record
from heli.lib.dates import current_year, format_date
from heli.meetings import people
from heli.meetings.access import answers_for, manages, member_unit_ids
from heli.meetings.models import Attendance, JointMeeting
from heli.notifications.actions import notify
from heli.org.models import Committee, GroupMembership, Unit

KIND_REPLY = "meetings.reply"
# The post printed for a unit's seat, as the notice prints it (heli.meetings.meetings).
SECRETARY_POST = "机关党委书记"

S = JointMeeting.Status
Reply = Attendance.Reply
Presence = Attendance.Presence

# The statuses in which a meeting is signed in: noticed, or held (until the minutes are
# approved, which lock the sheet).
SIGN_IN_STATUSES = (S.NOTICE_SENT, S.HELD)
# The QR code signs in from this long before the meeting starts to the end of its day.
CHECKIN_EARLY = datetime.timedelta(hours=2)
# The answers a seat can give (not "pending"), and the marks of the sign-in sheet.
ANSWERS = (Reply.ATTENDING, Reply.SUBSTITUTE, Reply.LEAVE)
MARKS = (Presence.PRESENT, Presence.SUBSTITUTE, Presence.LEAVE, Presence.ABSENT)


# --- Reading --------------------------------------------------------------------------------


def moment(value: datetime.datetime | None) -> str:
    """A moment as 2026年6月15日 09:30, in the committee's time zone."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{format_date(local.date())} {local:%H:%M}"


def seats_of(meeting: JointMeeting) -> QuerySet[Attendance]:
    """The meeting's seats in the order of the sheet: the liaison leader first, then the
    units in their order."""
    return (
        Attendance.objects.filter(meeting=meeting)
        .select_related("unit", "user", "replied_by", "signed_by")
        .order_by(F("unit__sort_order").asc(nulls_first=True), "unit_id", "id")
    )


def count_seats(seats: Iterable[Attendance]) -> dict[str, int]:
    """The counts of :func:`summary` from seats already read."""
    counts = dict.fromkeys(_COUNT_KEYS, 0)
    for seat in seats:
        counts["expected"] += 1
        counts[_PRESENCE_KEY[seat.presence]] += 1
        counts[f"reply_{seat.reply}"] += 1
    return counts


def summary(meeting: JointMeeting) -> dict[str, int]:
    """How the meeting's seats stand, in one query.

    ``expected`` (every seat), the sign-in — ``present``, ``substitute``, ``leave``,
    ``absent``, ``unsigned`` (not yet signed in) — and the replies to the notice —
    ``reply_pending``, ``reply_attending``, ``reply_substitute``, ``reply_leave``.
    """
    found = Attendance.objects.filter(meeting=meeting).aggregate(
        expected=Count("pk"),
        **{key: Count("pk", filter=Q(presence=value)) for value, key in _PRESENCE_KEY.items()},
        **{f"reply_{value}": Count("pk", filter=Q(reply=value)) for value in Reply.values},
    )
    return {key: int(found.get(key) or 0) for key in _COUNT_KEYS}


_PRESENCE_KEY: dict[str, str] = {
    Presence.UNKNOWN: "unsigned",
    Presence.PRESENT: "present",
    Presence.SUBSTITUTE: "substitute",
    Presence.LEAVE: "leave",
    Presence.ABSENT: "absent",
}
_COUNT_KEYS = (
    "expected",
    "present",
    "substitute",
    "leave",
    "absent",
    "unsigned",
    *(f"reply_{value}" for value in Reply.values),
)


def unanswered_seats(committee: Committee, older_than: datetime.date) -> QuerySet[Attendance]:
    """Seats still without a reply whose notice was sent on or before ``older_than`` (a
    day in the committee's time zone) and whose meeting has not started yet."""
    zone = timezone.get_default_timezone()
    bound = datetime.datetime.combine(
        older_than + datetime.timedelta(days=1), datetime.time(), zone
    )
    return Attendance.objects.filter(
        committee=committee,
        reply=Reply.PENDING,
        meeting__status=S.NOTICE_SENT,
        meeting__notice_sent_at__lt=bound,
        meeting__starts_at__gt=timezone.now(),
    )


def answerable_seats(user: Any, meeting: JointMeeting) -> list[Attendance]:
    """The meeting's seats this person answers for: their units' and, for the liaison
    leader, their own. One query."""
    s = scope_of(user)
    if s.committee_id != meeting.committee_id:
        return []
    mine = Q(unit_id__in=s.editor_unit_ids) | Q(unit__isnull=True, user_id=user.pk)
    return [seat for seat in seats_of(meeting).filter(mine) if answers_for(user, seat)]


def pending_notices(user: Any) -> QuerySet[Attendance]:
    """The seats waiting for this person's answer: notices sent, meetings not begun."""
    s = scope_of(user)
    mine = Q(unit_id__in=s.editor_unit_ids) | Q(unit__isnull=True, user_id=user.pk)
    return (
        visible(user, Attendance)
        .filter(mine, reply=Reply.PENDING, meeting__status=S.NOTICE_SENT)
        .filter(meeting__starts_at__gt=timezone.now())
    )


# --- When things are open -------------------------------------------------------------------


def reply_refusal(meeting: JointMeeting, now: datetime.datetime | None = None) -> str:
    """Why the notice of ``meeting`` cannot be answered now, or "" when it can."""
    now = now or timezone.now()
    if meeting.status == S.CANCELLED:
        return _("This meeting was cancelled: there is no notice to answer.")
    if meeting.status in (S.PLANNED, S.PLAN_APPROVED):
        return _("The notice of this meeting has not been sent yet: it can be answered once it is.")
    if meeting.status != S.NOTICE_SENT or now >= meeting.starts_at:
        return _(
            "The meeting began at %(time)s: answers to its notice closed then. If plans changed, tell the host unit directly."
        ) % {"time": moment(meeting.starts_at)}
    return ""


def sheet_refusal(meeting: JointMeeting, now: datetime.datetime | None = None) -> str:
    """Why the host cannot mark the sign-in sheet now, or "" when they can."""
    now = now or timezone.now()
    if meeting.status == S.MINUTES_APPROVED:
        return _("The minutes of this meeting are approved: its sign-in sheet is locked.")
    if meeting.status == S.CANCELLED:
        return _("This meeting was cancelled: there is nobody to sign in.")
    if meeting.status not in SIGN_IN_STATUSES:
        return _(
            "The notice of this meeting has not been sent yet: the sign-in sheet opens on the day of the meeting."
        )
    day = timezone.localdate(meeting.starts_at)
    if timezone.localdate(now) < day:
        return _("The sign-in sheet opens on the day of the meeting, %(date)s.") % {
            "date": format_date(day)
        }
    return ""


def checkin_window(meeting: JointMeeting) -> tuple[datetime.datetime, datetime.datetime]:
    """When the QR code signs in: from two hours before the start to the end of the
    meeting's day (Asia/Shanghai)."""
    zone = timezone.get_default_timezone()
    last_day = timezone.localdate(max(meeting.starts_at, meeting.ends_at))
    end = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), zone)
    return meeting.starts_at - CHECKIN_EARLY, end


def token_matches(meeting: JointMeeting, token: str) -> bool:
    """Whether ``token`` is the meeting's current sign-in code (compared in constant time)."""
    current = meeting.checkin_token or ""
    return bool(current) and secrets.compare_digest(current.encode(), str(token).encode())


def check_member(meeting: JointMeeting, unit: Unit) -> None:
    """Refuse a seat of a unit that is not a member of the meeting's group in its year."""
    if unit.pk in member_unit_ids(meeting):
        return
    raise ValidationError(
        _(
            "%(unit)s is not a member unit of %(group)s in %(year)s: a notice to a unit outside the group cannot be sent, answered or signed in. Check the group's members for the year."
        )
        % {"unit": unit.name, "group": meeting.group.name, "year": meeting.year},
        code="outside_group",
    )


# --- People told ----------------------------------------------------------------------------


def managers_of(meeting: JointMeeting) -> list[User]:
    """Who runs the meeting: the joint-meeting office and, while the year lasts, the
    secretaries of the group's lead units."""
    found = list(people.office(meeting.committee_id))
    if meeting.year == current_year():
        rows = (
            RoleAssignment.objects.filter(
                committee_id=meeting.committee_id,
                role=Role.UNIT_SECRETARY,
                unit_id__in=people.lead_unit_ids(meeting.group_year),
                user__is_active=True,
            )
            .select_related("user")
            .order_by("user_id")
        )
        found.extend(row.user for row in rows if row.user not in found)
    return found


def seat_label(seat: Attendance) -> str:
    if seat.unit_id is not None:
        return seat.unit.name if seat.unit else ""
    return _("%(name)s (liaison leader)") % {"name": seat.name or people.name_of(seat.user)}


def _tell_managers(seat: Attendance, by: User) -> None:
    meeting = seat.meeting
    recipients = [p for p in managers_of(meeting) if p.pk != by.pk]
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "seat": seat_label(seat),
            "meeting": meeting.title,
            "who": people.name_of(by),
            "name": seat.substitute_name,
            "post": seat.substitute_post,
            "reason": seat.reply_note,
            "time": moment(meeting.starts_at),
        }
        if seat.reply == Reply.LEAVE:
            title = _("%(seat)s asks for leave from %(meeting)s") % values
            body = (
                _("%(who)s asked for leave from the meeting of %(time)s. Reason: %(reason)s")
                % values
            )
        elif seat.reply == Reply.SUBSTITUTE:
            title = _("%(seat)s sends a substitute to %(meeting)s") % values
            body = (
                _(
                    "%(who)s answered that %(name)s (%(post)s) attends the meeting of %(time)s instead."
                )
                % values
            )
        else:
            title = _("%(seat)s now attends %(meeting)s") % values
            body = (
                _(
                    "%(who)s changed the answer to the notice: the invited person attends the meeting of %(time)s after all."
                )
                % values
            )
        if seat.reply_note and seat.reply != Reply.LEAVE:
            body += "\n" + _("Note: %(reason)s") % values
    notify(
        Committee(pk=meeting.committee_id),
        KIND_REPLY,
        f"{KIND_REPLY}:{seat.pk}:{seat.replied_at.isoformat() if seat.replied_at else ''}",
        recipients,
        title=title,
        body=body,
        url=reverse("meetings:attendance", args=[meeting.pk]),
    )


# --- Replies to the notice ------------------------------------------------------------------


def _locked(seat: Attendance) -> Attendance:
    return (
        Attendance.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__group", "unit", "user")
        .get(pk=seat.pk)
    )


def _clean_reply(
    reply: str, substitute_name: str, substitute_post: str, note: str
) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    if reply not in ANSWERS:
        errors["reply"] = [
            _("Choose an answer: attending, sending a substitute, or asking for leave.")
        ]
    if reply == Reply.SUBSTITUTE:
        if not substitute_name:
            errors["substitute_name"] = [_("Give the name of the person who attends instead.")]
        if not substitute_post:
            errors["substitute_post"] = [
                _("Give the substitute's post, for example 机关党委副书记.")
            ]
    if reply == Reply.LEAVE and not note:
        errors["reply_note"] = [_("Give the reason for asking for leave.")]
    for field, value, limit in (
        ("substitute_name", substitute_name, 50),
        ("substitute_post", substitute_post, 100),
        ("reply_note", note, 300),
    ):
        if len(value) > limit:
            errors.setdefault(field, []).append(
                _("Keep this to %(limit)s characters at most.") % {"limit": limit}
            )
    if errors:
        raise ValidationError(errors)
    if reply != Reply.SUBSTITUTE:
        substitute_name = substitute_post = ""
    return substitute_name, substitute_post, note


def answer_notice(
    seat: Attendance,
    user: User,
    *,
    reply: str,
    substitute_name: str = "",
    substitute_post: str = "",
    note: str = "",
    request: HttpRequest | None = None,
) -> Attendance:
    """Answer the notice for ``seat``: attending, a substitute (name and post), or leave
    (with its reason). Changed as often as needed until the meeting starts; every change is
    audited, and the managers and the office are told of leave and substitutes (and of an
    answer that takes one back). An answer equal to the one on record changes nothing."""
    if not answers_for(user, seat):
        raise ValidationError(
            _(
                "Only the secretary and party-affairs staff of the unit (or, for the liaison leader's seat, the leader) can answer this notice."
            ),
            code="not_allowed",
        )
    substitute_name, substitute_post, note = _clean_reply(
        reply, substitute_name.strip(), substitute_post.strip(), note.strip()
    )
    with transaction.atomic():
        locked = _locked(seat)
        meeting = locked.meeting
        refusal = reply_refusal(meeting)
        if refusal:
            raise ValidationError(refusal, code="closed")
        if locked.unit is not None:
            check_member(meeting, locked.unit)
        before = {
            "reply": locked.reply,
            "substitute_name": locked.substitute_name,
            "substitute_post": locked.substitute_post,
            "reply_note": locked.reply_note,
        }
        after = {
            "reply": reply,
            "substitute_name": substitute_name,
            "substitute_post": substitute_post,
            "reply_note": note,
        }
        if before == after:
            return locked
        locked.reply = reply
        locked.substitute_name, locked.substitute_post = substitute_name, substitute_post
        locked.reply_note = note
        locked.replied_by, locked.replied_at = user, timezone.now()
        locked.save(
            update_fields=[
                "reply",
                "substitute_name",
                "substitute_post",
                "reply_note",
                "replied_by",
                "replied_at",
            ]
        )
        told = reply != Reply.ATTENDING or before["reply"] in (Reply.SUBSTITUTE, Reply.LEAVE)
        if told:
            _tell_managers(locked, user)
        record(
            events.RECORD_UPDATED,
            request=request,
            user=user,
            obj=locked,
            detail={
                "meeting": meeting.pk,
                "unit": locked.unit_id,
                **{k: [before[k], v] for k, v in after.items() if before[k] != v},
            },
        )
    return locked


def add_seat(
    meeting: JointMeeting, unit: Unit, by: User, *, request: HttpRequest | None = None
) -> Attendance:
    """Give a member unit that has no seat yet (it joined the group after the notice) its
    seat, its secretary invited. A unit outside the group is refused."""
    if not manages(by, meeting):
        raise ValidationError(
            _("Only the joint-meeting office and the group's lead units can add a seat."),
            code="not_allowed",
        )
    if meeting.status not in SIGN_IN_STATUSES:
        raise ValidationError(
            _("Seats are added once the notice is sent and until the minutes are approved."),
            code="closed",
        )
    if unit.committee_id != meeting.committee_id:
        raise ValidationError(_("This unit is not one of the committee's."), code="outside_group")
    check_member(meeting, unit)
    with transaction.atomic():
        if Attendance.objects.filter(meeting=meeting, unit=unit).exists():
            raise ValidationError(
                _("%(unit)s already has a seat at this meeting.") % {"unit": unit.name},
                code="seated",
            )
        secretary = people.secretaries(meeting.committee_id, [unit.pk]).get(unit.pk)
        seat = Attendance.objects.create(
            committee_id=meeting.committee_id,
            meeting=meeting,
            unit=unit,
            user=secretary,
            name=people.name_of(secretary) if secretary else "",
            post=SECRETARY_POST,
        )
        record(
            events.RECORD_CREATED,
            request=request,
            user=by,
            obj=seat,
            detail={"meeting": meeting.pk, "unit": unit.pk},
        )
    return seat


# --- The host's sign-in sheet ---------------------------------------------------------------


def mark_presence(
    seat: Attendance,
    user: User,
    *,
    presence: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> Attendance:
    """The host marks a seat on the sign-in sheet: present, present by substitute (the
    note names them; the reply's substitute by default), on leave (with the reason; the
    reply's by default) or absent — or clears a mark made by mistake. From the meeting's
    day until its minutes are approved; a mark equal to the one on record changes nothing."""
    meeting = seat.meeting
    if not manages(user, meeting):
        raise ValidationError(
            _("Only the joint-meeting office and the group's lead units keep the sign-in sheet."),
            code="not_allowed",
        )
    note = note.strip()
    if presence not in (*MARKS, Presence.UNKNOWN):
        raise ValidationError({"presence": [_("Choose how the person attends.")]})
    if len(note) > 300:
        raise ValidationError(
            {"note": [_("Keep this to %(limit)s characters at most.") % {"limit": 300}]}
        )
    with transaction.atomic():
        locked = _locked(seat)
        refusal = sheet_refusal(locked.meeting)
        if refusal:
            raise ValidationError(refusal, code="closed")
        if locked.unit is not None:
            check_member(locked.meeting, locked.unit)
        if presence == Presence.LEAVE and not note:
            note = locked.reply_note if locked.reply == Reply.LEAVE else ""
            if not note:
                raise ValidationError(
                    {"note": [_("Give the reason for the leave, then tap “On leave” again.")]},
                    code="no_reason",
                )
        if presence == Presence.SUBSTITUTE and not note:
            note = locked.substitute_name
        if presence in (Presence.PRESENT, Presence.ABSENT, Presence.UNKNOWN):
            note = ""
        if (locked.presence, locked.presence_note) == (presence, note):
            return locked
        _sign(locked, user, presence, note, Attendance.Via.HOST, request)
    return locked


# --- Signing in with the QR code ------------------------------------------------------------


@dataclass
class CheckinState:
    """Where a person stands with a meeting's QR sign-in: ``code`` is ``"open"`` (may
    sign in, as ``presence``, on ``seat``), or why not — ``"closed"`` (the meeting is
    not noticed or held), ``"not_today"`` (outside the window), ``"not_invited"``,
    ``"signed"`` (``seat`` already signed in) — with ``message`` to show."""

    code: str
    message: str = ""
    seat: Attendance | None = None
    presence: str = ""


def _seat_of(meeting: JointMeeting, user: User) -> tuple[Attendance | None, str]:
    """The seat this person signs in to, and as what; the first already-signed seat when
    every seat of theirs is signed; (None, "") when they have no seat."""
    s = scope_of(user)
    if s.committee_id != meeting.committee_id:
        return None, ""
    members = GroupMembership.objects.filter(group_year_id=meeting.group_year_id).values("unit_id")
    seats = list(
        seats_of(meeting).filter(
            Q(unit__isnull=True, user_id=user.pk)
            | (Q(unit_id__in=s.editor_unit_ids) & Q(unit_id__in=members))
        )
    )
    if not seats:
        return None, ""
    own = [seat for seat in seats if seat.user_id == user.pk]
    ordered = own + [seat for seat in seats if seat not in own]
    for seat in ordered:
        if seat.presence in (Presence.PRESENT, Presence.SUBSTITUTE):
            continue
        return seat, _presence_of(seat, user)
    return ordered[0], ""


def _presence_of(seat: Attendance, user: User) -> str:
    """The liaison leader and a unit's invited secretary are present; anyone else of the
    unit (its staff, another secretary) attends as the substitute."""
    if seat.unit_id is None or seat.user_id == user.pk:
        return Presence.PRESENT
    if (
        seat.user_id is None
        and RoleAssignment.objects.filter(
            user=user, role=Role.UNIT_SECRETARY, unit_id=seat.unit_id
        ).exists()
    ):
        return Presence.PRESENT
    return Presence.SUBSTITUTE


def checkin_state(
    meeting: JointMeeting, user: User, now: datetime.datetime | None = None
) -> CheckinState:
    """Whether ``user`` may sign in to ``meeting`` by its QR code now, and if not why."""
    now = now or timezone.now()
    if meeting.status not in SIGN_IN_STATUSES:
        return CheckinState(
            "closed",
            _("This meeting is not open for signing in (it is %(status)s).")
            % {"status": meeting.get_status_display()},
        )
    start, end = checkin_window(meeting)
    if not start <= now < end:
        return CheckinState(
            "not_today",
            _(
                "Signing in with the QR code is open from %(start)s to the end of the meeting's day. Sign in during that time, or ask the host to mark you on the sheet."
            )
            % {"start": moment(start)},
        )
    seat, presence = _seat_of(meeting, user)
    if seat is None:
        return CheckinState(
            "not_invited",
            _(
                "You are not invited to this meeting: only the secretaries of the group's member units (or their unit's staff attending in their place) and the group's liaison leader sign in here. If you attend for a unit, ask the host to mark you on the sign-in sheet."
            ),
        )
    if not presence:
        return CheckinState(
            "signed",
            _("Already signed in, at %(time)s. Nothing was changed.")
            % {"time": moment(seat.signed_at)},
            seat,
        )
    return CheckinState("open", "", seat, presence)


def _sign(
    locked: Attendance,
    user: User,
    presence: str,
    note: str,
    via: str,
    request: HttpRequest | None,
) -> None:
    """Keep the seat's mark and who made it, how and when (a cleared mark, nobody's),
    audited. Inside the caller's transaction, the seat locked."""
    before = locked.presence
    locked.presence, locked.presence_note = presence, note
    if presence:
        locked.signed_via, locked.signed_by, locked.signed_at = via, user, timezone.now()
    else:
        locked.signed_via, locked.signed_by, locked.signed_at = Attendance.Via.NONE, None, None
    locked.save(update_fields=["presence", "presence_note", "signed_via", "signed_by", "signed_at"])
    detail: dict[str, Any] = {
        "meeting": locked.meeting_id,
        "unit": locked.unit_id,
        "presence": [before, presence],
    }
    if via == Attendance.Via.HOST:
        detail["presence_note"] = note
    detail["signed_via"] = via
    record(events.RECORD_UPDATED, request=request, user=user, obj=locked, detail=detail)


def check_in(
    meeting: JointMeeting, user: User, token: str, *, request: HttpRequest | None = None
) -> Attendance:
    """Sign ``user`` in to ``meeting`` by its QR code: their seat is marked present (or
    present by substitute), once; a second sign-in is refused with the time of the first."""
    if not token_matches(meeting, token):
        raise ValidationError(_("This sign-in code is not the meeting's."), code="bad_token")
    with transaction.atomic():
        current = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
        if not token_matches(current, token):
            raise ValidationError(_("This sign-in code is not the meeting's."), code="bad_token")
        state = checkin_state(current, user)
        if state.code != "open" or state.seat is None:
            raise ValidationError(state.message, code=state.code)
        locked = _locked(state.seat)
        if locked.presence in (Presence.PRESENT, Presence.SUBSTITUTE):
            raise ValidationError(
                _("Already signed in, at %(time)s. Nothing was changed.")
                % {"time": moment(locked.signed_at)},
                code="signed",
            )
        note = (
            _("Signed in by %(name)s") % {"name": people.name_of(user)}
            if state.presence == Presence.SUBSTITUTE
            else ""
        )
        _sign(locked, user, state.presence, note, Attendance.Via.QR, request)
    return locked
