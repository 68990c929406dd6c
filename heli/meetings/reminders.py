"""The joint meetings' daily reminders, sent by ``manage.py send_reminders``.

* ``meetings.behind``: a group of the current year that turned amber or red on the
  compliance view (:mod:`heli.meetings.compliance`) → the secretaries and staff of its
  lead units, and the joint-meeting office, each in words for their part. Once per
  group and state: the key is the year, the group, the colour and the day its next
  meeting must be held by, so the same situation is told once however many days it
  lasts, and a new one (red after amber, or amber again with another date after a
  meeting was planned or cancelled) is told again.
* ``meetings.unanswered``: a seat whose notice was sent ``confirm_reminder_days`` ago or
  more and is still not answered, the meeting not yet begun → the unit's secretary and
  staff (the liaison leader for the leader's own seat). Once per seat.
* ``meetings.minutes_late``: a meeting held ``minutes_reminder_days`` ago or more whose
  minutes are not approved → those who manage it: the lead units' secretaries and staff
  (while the meeting's year lasts: a lead unit manages only in the year it leads) and
  the joint-meeting office. Once per meeting.

The registry delivers each key to a person at most once, so yielding the same reminder
every day is safe. Each kind reads its rows and its people in a fixed number of queries.
The kinds register when this module is imported (``MeetingsConfig.ready``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from heli.accounts.models import User
from heli.lib.dates import format_date
from heli.meetings import compliance, people
from heli.meetings.calendar_views import page_url
from heli.meetings.models import Attendance, JointMeeting, MeetingSettings
from heli.notifications.registry import Reminder, reminder
from heli.org.models import Committee, GroupMembership

KIND_BEHIND = "meetings.behind"
KIND_UNANSWERED = "meetings.unanswered"
KIND_MINUTES_LATE = "meetings.minutes_late"
KINDS = (KIND_BEHIND, KIND_UNANSWERED, KIND_MINUTES_LATE)

S = JointMeeting.Status


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


def _end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_default_timezone())


def _leads(group_year_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Each group year's lead units, (id, name), in the registry's order: one query."""
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        GroupMembership.objects.filter(group_year_id__in=list(group_year_ids), is_lead=True)
        .order_by("unit__sort_order", "unit_id")
        .values_list("group_year_id", "unit_id", "unit__name")
    )
    for gy, unit_id, name in rows:
        found[gy].append((unit_id, name))
    return found


def _people_of(by_unit: dict[int, list[User]], unit_ids: Iterable[int]) -> list[User]:
    found: list[User] = []
    for unit_id in unit_ids:
        found.extend(u for u in by_unit.get(unit_id, []) if u not in found)
    return found


# --- Groups behind ----------------------------------------------------------------------


def _behind_texts(values: dict[str, Any], colour: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(title, body) for the lead units and for the office."""
    if colour == compliance.AMBER:
        lead = (
            _("Your group is behind on joint meetings: %(group)s") % values,
            _(
                "%(group)s has held %(held)s of the %(rule)s joint meetings the rule asks for in "
                "%(year)s, with %(planned)s more planned. Its next meeting must be held by "
                "%(hold_by)s, and the day to send its notice at the usual lead time "
                "(%(plan_by)s) has passed. As its lead unit, plan the meeting now and send "
                "the notice at once."
            )
            % values,
        )
        office = (
            _("Group behind on joint meetings: %(group)s") % values,
            _(
                "%(group)s has held %(held)s of the %(rule)s joint meetings the rule asks for in "
                "%(year)s, with %(planned)s more planned. Its next meeting must be held by "
                "%(hold_by)s; its notice was due by %(plan_by)s. Help its lead units "
                "(%(leads)s) plan it."
            )
            % values,
        )
        return lead, office
    lead = (
        _("Your group can no longer meet the joint meeting rule in time: %(group)s") % values,
        _(
            "%(group)s has held %(held)s of the %(rule)s joint meetings the rule asks for in "
            "%(year)s, with %(planned)s more planned: the %(missing)s still missing no longer "
            "fit before 31 December at the usual interval. As its lead unit, plan the next "
            "meeting as soon as possible and agree with the joint-meeting office how to make "
            "up the rest."
        )
        % values,
    )
    office = (
        _("Group can no longer meet the joint meeting rule in time: %(group)s") % values,
        _(
            "%(group)s has held %(held)s of the %(rule)s joint meetings the rule asks for in "
            "%(year)s, with %(planned)s more planned: the %(missing)s still missing no longer "
            "fit before 31 December at the usual interval. Agree with its lead units "
            "(%(leads)s) how to make up the rest."
        )
        % values,
    )
    return lead, office


@reminder(KIND_BEHIND, gettext_lazy("Groups behind on their joint meetings"))
def behind(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    year = today.year
    found = MeetingSettings.of(committee)
    # Meetings later today still count as planned.
    pairs = compliance.outlooks(committee, year, today, _midnight(today), meeting_settings=found)
    late = [(f, o) for f, o in pairs if o.colour in compliance.BEHIND]
    if not late:
        return
    leads = _leads(f.group_year_id for f, _o in late)
    by_unit = people.unit_people(committee.pk, {u for ls in leads.values() for u, _n in ls})
    office = people.office(committee.pk)
    for f, o in late:
        units = leads.get(f.group_year_id, [])
        values = {
            "group": f.name,
            "year": year,
            "held": o.held,
            "planned": o.planned,
            "rule": o.rule,
            "missing": o.missing,
            "hold_by": format_date(o.hold_by),
            "plan_by": format_date(o.plan_by),
            "leads": "、".join(name for _u, name in units) or "—",
        }
        (lead_title, lead_body), (office_title, office_body) = _behind_texts(values, o.colour)
        key = f"{year}:{f.group_id}:{o.colour}:{o.hold_by.isoformat() if o.hold_by else ''}"
        url = page_url("meetings:compliance", year=year, group=f.group_id)
        lead_people = _people_of(by_unit, [u for u, _n in units])
        if lead_people:
            yield Reminder(
                key=key, title=lead_title, body=lead_body, url=url, recipients=lead_people
            )
        others = [p for p in office if p not in lead_people]
        if others:
            yield Reminder(
                key=key, title=office_title, body=office_body, url=url, recipients=others
            )


# --- Notices not answered -------------------------------------------------------------


@reminder(KIND_UNANSWERED, gettext_lazy("Meeting notices not answered"))
def unanswered(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    days = MeetingSettings.of(committee).confirm_reminder_days
    seats = list(
        Attendance.objects.filter(
            committee=committee,
            reply=Attendance.Reply.PENDING,
            meeting__committee=committee,
            meeting__status=S.NOTICE_SENT,
            meeting__notice_sent_at__lte=_end_of(today - datetime.timedelta(days=days)),
            meeting__starts_at__gte=_midnight(today),
        )
        .select_related("meeting", "unit", "user")
        .order_by("meeting__starts_at", "meeting_id", "id")
    )
    if not seats:
        return
    by_unit = people.unit_people(committee.pk, {s.unit_id for s in seats if s.unit_id})
    for seat in seats:
        meeting = seat.meeting
        start = timezone.localtime(meeting.starts_at)
        values = {
            "meeting": meeting.title,
            "unit": seat.unit.name if seat.unit else "",
            "date": format_date(start.date()),
            "time": f"{start:%H:%M}",
            "place": meeting.place,
            "reply_by": format_date(meeting.reply_by),
        }
        url = reverse("meetings:reply", args=[meeting.pk])
        if seat.unit_id is not None:
            recipients: list[Any] = list(by_unit.get(seat.unit_id, []))
            title = _("Your unit has not answered the notice: %(meeting)s") % values
            body = (
                _(
                    "%(unit)s has not yet answered the notice of %(meeting)s, on %(date)s at "
                    "%(time)s, %(place)s. Tell the host whether the secretary attends, sends a "
                    "substitute or asks for leave."
                )
                % values
            )
        else:
            recipients = [seat.user] if seat.user is not None else []
            title = _("You have not answered the notice: %(meeting)s") % values
            body = (
                _(
                    "You are invited to %(meeting)s, on %(date)s at %(time)s, %(place)s, as the "
                    "group's liaison leader. Tell the host whether you attend."
                )
                % values
            )
        if meeting.reply_by:
            body += " " + _("Please answer by %(reply_by)s.") % values
        if recipients:
            yield Reminder(key=str(seat.pk), title=title, body=body, url=url, recipients=recipients)


# --- Minutes not approved -------------------------------------------------------------


@reminder(KIND_MINUTES_LATE, gettext_lazy("Minutes not approved after the meeting"))
def minutes_late(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    days = MeetingSettings.of(committee).minutes_reminder_days
    meetings = list(
        JointMeeting.objects.filter(
            committee=committee,
            status=S.HELD,
            starts_at__lte=_end_of(today - datetime.timedelta(days=days)),
        )
        .select_related("host")
        .order_by("starts_at", "id")
    )
    if not meetings:
        return
    # A lead unit manages its group's meetings only in the year it leads.
    leads = _leads(m.group_year_id for m in meetings if m.year == today.year)
    by_unit = people.unit_people(committee.pk, {u for ls in leads.values() for u, _n in ls})
    office = people.office(committee.pk)
    for meeting in meetings:
        held_on = timezone.localtime(meeting.starts_at).date()
        since = (today - held_on).days
        values = {
            "meeting": meeting.title,
            "date": format_date(held_on),
            "days": since,
            "host": meeting.host.name,
        }
        url = reverse("meetings:minutes", args=[meeting.pk])
        key = str(meeting.pk)
        lead_people = _people_of(by_unit, [u for u, _n in leads.get(meeting.group_year_id, [])])
        if lead_people:
            yield Reminder(
                key=key,
                title=_("Minutes to complete: %(meeting)s") % values,
                body=ngettext(
                    "%(meeting)s was held on %(date)s, %(days)s day ago, and its minutes are "
                    "not approved yet. As the lead unit, record an outcome for every topic and "
                    "put the minutes forward for approval.",
                    "%(meeting)s was held on %(date)s, %(days)s days ago, and its minutes are "
                    "not approved yet. As the lead unit, record an outcome for every topic and "
                    "put the minutes forward for approval.",
                    since,
                )
                % values,
                url=url,
                recipients=lead_people,
            )
        others = [p for p in office if p not in lead_people]
        if others:
            yield Reminder(
                key=key,
                title=_("Minutes not approved: %(meeting)s") % values,
                body=ngettext(
                    "%(meeting)s was held on %(date)s, %(days)s day ago, and its minutes are "
                    "not approved yet. Approve them once every topic has an outcome, or ask the "
                    "host unit (%(host)s) to complete them.",
                    "%(meeting)s was held on %(date)s, %(days)s days ago, and its minutes are "
                    "not approved yet. Approve them once every topic has an outcome, or ask the "
                    "host unit (%(host)s) to complete them.",
                    since,
                )
                % values,
                url=url,
                recipients=others,
            )


def register() -> None:
    """Nothing more to do: the kinds registered when this module was imported (the
    ``@reminder`` decorator), which ``MeetingsConfig.ready`` does."""
