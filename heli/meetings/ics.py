"""Each person's meetings as an iCalendar feed, at a secret address of their own.

:func:`feed_for` gives the calendar of one person: every meeting they may see
(``policy.visible``) that is theirs — the meetings of the groups their units belong to,
the groups they are liaison leader of, the seats they hold, and, for the joint-meeting
office, every group's meetings. A meeting carries its ``ics_uid`` and its ``ics_sequence``
(raised on every change of time or place, and on cancelling), so a calendar program
updates its copy instead of adding another; a cancelled meeting stays in the feed as
``STATUS:CANCELLED`` for :data:`CANCELLED_KEPT` so that every subscriber sees it go. Times
are in Asia/Shanghai, with the zone's VTIMEZONE.

The address (:class:`CalendarFeed`) holds a token drawn by :func:`secrets.token_urlsafe`;
only its SHA-256 is kept, so the address is shown once, when made. Making a new one ends
the old one; each person has one live address, which expires after :data:`LIFETIME`.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from icalendar import Calendar, Event, vDuration, vText

from heli.accounts.models import User
from heli.accounts.policy import scope_of, visible
from heli.audit import events
from heli.audit.actions import record
from heli.meetings.access import is_office
from heli.meetings.models import AgendaItem, Attendance, CalendarFeed, JointMeeting
from heli.org.models import GroupMembership

S = JointMeeting.Status
ZONE = "Asia/Shanghai"
PRODID = "-//Heli//Joint meetings//ZH"
LIFETIME = datetime.timedelta(days=365)
# A cancelled meeting stays in the feed this long after it was cancelled (its last change).
CANCELLED_KEPT = datetime.timedelta(days=90)
# Meetings that ended longer ago than this leave the feed.
PAST_KEPT = datetime.timedelta(days=400)
# How often the last use of an address is written down.
USE_RECORDED_EVERY = datetime.timedelta(hours=1)
# Calendar programs are asked to poll no more often than this.
REFRESH = datetime.timedelta(hours=1)
TENTATIVE = frozenset({S.PLANNED, S.PLAN_APPROVED})
TOKEN_BYTES = 32
FIRST_DATE, LAST_DATE = datetime.date(2000, 1, 1), datetime.date(2101, 1, 1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- Which meetings are a person's ---------------------------------------------------------


def meetings_of(user: Any) -> QuerySet[JointMeeting]:
    """The meetings in ``user``'s calendar: visible to them, and theirs (see the module)."""
    s = scope_of(user)
    qs: QuerySet[JointMeeting] = visible(user, JointMeeting)
    if s.committee_id is None:
        return qs.none()
    if not is_office(user):
        seats = Attendance.objects.filter(user_id=user.pk).values("meeting_id")
        mine = Q(pk__in=seats) | Q(group_year__liaison_leader_id=user.pk)
        if s.unit_ids:
            groups = GroupMembership.objects.filter(unit_id__in=s.unit_ids).values("group_year_id")
            mine |= Q(group_year_id__in=groups)
        qs = qs.filter(mine)
    now = timezone.now()
    return qs.filter(ends_at__gte=now - PAST_KEPT).exclude(
        status=S.CANCELLED, updated_at__lt=now - CANCELLED_KEPT
    )


# --- The calendar ------------------------------------------------------------------------


def _status(meeting: JointMeeting) -> str:
    if meeting.status == S.CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if meeting.status in TENTATIVE else "CONFIRMED"


def description(meeting: JointMeeting) -> str:
    """The agenda and the host, as the event's text."""
    lines = [f"承办单位：{meeting.host.name}"]
    agenda: list[AgendaItem] = list(meeting.agenda.all())
    if agenda:
        lines.append("会议议题：")
        for number, item in enumerate(agenda, start=1):
            line = f"{number}. {item.topic.title}"
            if item.reporter_unit is not None:
                line += f"（{item.reporter_unit.name}汇报）"
            lines.append(line)
    if meeting.status == S.CANCELLED:
        lines.append(f"会议已取消。{meeting.cancel_reason}".strip())
    elif meeting.status in TENTATIVE:
        lines.append("会议通知尚未发出，时间地点以正式通知为准。")
    return "\n".join(lines)


def event_of(meeting: JointMeeting, zone: datetime.tzinfo, base_url: str) -> Event:
    event = Event()
    event.add("uid", meeting.ics_uid)
    event.add("sequence", meeting.ics_sequence)
    event.add("dtstamp", meeting.updated_at.astimezone(datetime.UTC))
    event.add("last-modified", meeting.updated_at.astimezone(datetime.UTC))
    event.add("created", meeting.created_at.astimezone(datetime.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", meeting.title)
    event.add("location", vText(meeting.place))
    event.add("description", description(meeting))
    event.add("status", _status(meeting))
    event.add("transp", "TRANSPARENT" if meeting.status == S.CANCELLED else "OPAQUE")
    if base_url:
        event.add("url", f"{base_url}{meeting.get_absolute_url()}")
    return event


def calendar_name(user: Any) -> str:
    committee = getattr(user, "committee", None)
    return f"联席会议 · {committee.short_name or committee.name}" if committee else "联席会议"


def feed_for(user: Any, *, base_url: str = "") -> bytes:
    """The iCalendar text of ``user``'s meetings. ``base_url`` (``https://heli.example``)
    makes each meeting's address absolute; ``SITE_URL`` when not given."""
    base = (base_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")
    zone = zoneinfo.ZoneInfo(ZONE)
    meetings = (
        meetings_of(user)
        .select_related("host")
        .prefetch_related(
            Prefetch(
                "agenda",
                queryset=AgendaItem.objects.select_related("topic", "reporter_unit").order_by(
                    "order", "id"
                ),
            )
        )
        .order_by("starts_at", "id")
    )
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", calendar_name(user))
    calendar.add("x-wr-timezone", ZONE)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    with translation.override(settings.LANGUAGE_CODE):
        for meeting in meetings:
            calendar.add_component(event_of(meeting, zone, base))
    # The zone's rules from 2000 on (the work years' range): China has kept one offset
    # since 1991, so the VTIMEZONE is a single STANDARD part.
    calendar.add_missing_timezones(first_date=FIRST_DATE, last_date=LAST_DATE)
    return bytes(calendar.to_ical())


# --- The secret address ------------------------------------------------------------------


def live_feed(user: Any) -> CalendarFeed | None:
    """The person's address not revoked (it may have expired)."""
    return CalendarFeed.objects.filter(user_id=user.pk, revoked_at__isnull=True).first()


def _revoke_live(user: User, now: datetime.datetime, request: HttpRequest | None) -> int:
    revoked = 0
    for feed in CalendarFeed.objects.select_for_update().filter(
        user_id=user.pk, revoked_at__isnull=True
    ):
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        record(
            events.RECORD_UPDATED,
            request=request,
            user=user,
            obj=feed,
            detail={"what": "calendar address revoked", "expires_at": feed.expires_at},
        )
        revoked += 1
    return revoked


def new_feed(user: User, *, request: HttpRequest | None = None) -> tuple[CalendarFeed, str]:
    """A new secret address for ``user``, ending the one they had; the token is returned
    (to be shown once) and only its hash is kept. Audited."""
    if user.committee_id is None:
        raise ValueError("a calendar address belongs to a person of a committee")
    now = timezone.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        # One at a time per person: the old address is revoked before the new one exists.
        User.objects.select_for_update().filter(pk=user.pk).exists()
        replaced = _revoke_live(user, now, request)
        feed = CalendarFeed.objects.create(
            committee_id=user.committee_id,
            user=user,
            token_hash=hash_token(token),
            expires_at=now + LIFETIME,
        )
        record(
            events.RECORD_CREATED,
            request=request,
            user=user,
            obj=feed,
            detail={
                "what": "calendar address created",
                "expires_at": feed.expires_at,
                "replaced": replaced,
            },
        )
    return feed, token


def revoke_feed(user: User, *, request: HttpRequest | None = None) -> bool:
    """End the person's address; whether there was one. Audited."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).exists()
        return _revoke_live(user, timezone.now(), request) > 0


def find_feed(token: str) -> CalendarFeed | None:
    """The address of this token, whatever its state (None for an unknown token)."""
    if not token or len(token) > 200:
        return None
    return (
        CalendarFeed.objects.select_related("user", "user__committee")
        .filter(token_hash=hash_token(token))
        .first()
    )


def note_use(feed: CalendarFeed, now: datetime.datetime) -> None:
    """Write down when the address was last used, at most once every hour."""
    if feed.last_used_at is None or feed.last_used_at < now - USE_RECORDED_EVERY:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now
