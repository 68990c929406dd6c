"""Each person's meetings as an iCalendar feed, parsed back with the icalendar package."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any, cast

import pytest
from django.utils import timezone
from icalendar import Calendar

from heli.accounts.models import RoleAssignment
from heli.accounts.policy import forget_scope
from heli.meetings import ics, meetings
from heli.meetings.models import JointMeeting
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.testing import World

pytestmark = pytest.mark.django_db
S = JointMeeting.Status
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
BASE = "https://heli.example.cn"


def _calendar(world: World, name: str) -> Calendar:
    return Calendar.from_ical(ics.feed_for(world.user(name), base_url=BASE))


def _events(world: World, name: str) -> dict[str, Any]:
    return {str(e["UID"]): e for e in _calendar(world, name).walk("VEVENT")}


def test_the_feed_is_a_calendar_in_asia_shanghai(world: World) -> None:
    topic = make_topic(world, title="推动机关党建与业务深度融合")
    meeting = make_meeting(world, status=S.NOTICE_SENT, topics=[topic])
    calendar = _calendar(world, "unit0_secretary")
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]) == ics.PRODID
    assert "联席会议" in str(calendar["X-WR-CALNAME"])
    zones = calendar.walk("VTIMEZONE")
    assert [str(z["TZID"]) for z in zones] == ["Asia/Shanghai"]
    (event,) = calendar.walk("VEVENT")
    event = cast(Any, event)
    assert str(event["UID"]) == meeting.ics_uid
    assert int(event["SEQUENCE"]) == meeting.ics_sequence == 0
    start = event["DTSTART"].dt
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (start.hour, start.minute) == (9, 0) and start.utcoffset() == datetime.timedelta(hours=8)
    assert start == when(meeting.year)
    assert event["DTEND"].dt - start == datetime.timedelta(hours=2)
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["LOCATION"]) == "工委三楼会议室"
    assert "推动机关党建与业务深度融合" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == f"{BASE}/meetings/{meeting.pk}/"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTAMP"].dt.tzinfo is not None


def test_a_meeting_not_yet_noticed_is_tentative(world: World) -> None:
    meeting = make_meeting(world, status=S.PLAN_APPROVED)
    event = _events(world, "unit0_staff")[meeting.ics_uid]
    assert str(event["STATUS"]) == "TENTATIVE"


def test_a_move_and_a_cancellation_are_carried_by_uid_and_sequence(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT)
    office = world.user("office")
    later = when(meeting.year, 6, 16, 14)
    meeting = meetings.change_time_place(
        meeting,
        office,
        starts_at=later,
        ends_at=later + datetime.timedelta(hours=2),
        place="工委五楼会议室",
        reason="会议室调整",
    )
    moved = _events(world, "unit0_secretary")[meeting.ics_uid]
    assert int(moved["SEQUENCE"]) == 1
    assert moved["DTSTART"].dt == later.astimezone(SHANGHAI)
    assert str(moved["LOCATION"]) == "工委五楼会议室"
    meetings.cancel(meeting, office, reason="与市委会议冲突")
    cancelled = _events(world, "unit0_secretary")[meeting.ics_uid]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2
    assert "与市委会议冲突" in str(cancelled["DESCRIPTION"])


def test_a_cancelled_meeting_leaves_the_feed_after_90_days(world: World) -> None:
    meeting = make_meeting(world, status=S.CANCELLED, cancel_reason="取消", ics_sequence=1)
    assert meeting.ics_uid in _events(world, "unit0_staff")
    old = timezone.now() - ics.CANCELLED_KEPT - datetime.timedelta(days=1)
    JointMeeting.objects.filter(pk=meeting.pk).update(updated_at=old)
    assert meeting.ics_uid not in _events(world, "unit0_staff")


def test_each_person_gets_their_own_meetings(world: World) -> None:
    group1 = make_meeting(world, status=S.NOTICE_SENT)
    group2 = make_meeting(world, group_year=world.group_years[1], status=S.NOTICE_SENT)
    both = {group1.ics_uid, group2.ics_uid}
    assert set(_events(world, "office")) == both  # the office runs every group's meetings
    # The liaison leader of group 1 (with a seat there), not of group 2.
    assert set(_events(world, "leader")) == {group1.ics_uid}
    for name in ("unit0_leadership", "unit0_secretary", "unit0_staff"):
        assert set(_events(world, name)) == {group1.ics_uid}, name
    for name in ("unit2_secretary", "unit2_staff"):
        assert set(_events(world, name)) == {group2.ics_uid}, name
    # A department's staff are invited to no meeting; the administrators read none.
    for name in ("staff", "sysadmin", "secadmin", "auditor", "outsider", "nobody"):
        assert _events(world, name) == {}, name


def test_a_shared_meeting_of_another_group_is_not_in_the_calendar(world: World) -> None:
    """Sharing lets other groups read the minutes; it does not invite them."""
    meeting = make_meeting(world, status=S.MINUTES_APPROVED)
    JointMeeting.objects.filter(pk=meeting.pk).update(
        shared_at=timezone.now(), shared_by=world.user("office")
    )
    assert meeting.ics_uid not in _events(world, "unit2_secretary")


def test_a_person_who_loses_their_roles_gets_an_empty_calendar(world: World) -> None:
    make_meeting(world, status=S.NOTICE_SENT)
    user = world.user("unit0_staff")
    RoleAssignment.objects.filter(user=user).delete()
    forget_scope(user)
    assert _calendar(world, "unit0_staff").walk("VEVENT") == []


def _queries(user: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    forget_scope(user)
    with CaptureQueriesContext(connection) as captured:
        ics.feed_for(user, base_url=BASE)
    return len(captured)


def test_the_feed_reads_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    year = world.group_years[0].year
    user = world.user("unit0_secretary")
    topics = [make_topic(world, title=f"议题{i}") for i in range(3)]
    make_meeting(world, status=S.NOTICE_SENT, topics=topics)
    few = _queries(user)
    for month in range(1, 6):
        more = [make_topic(world, title=f"议题{month}-{i}") for i in range(2)]
        make_meeting(world, status=S.HELD, starts_at=when(year, month, 10), topics=more)
    assert len(_events(world, "unit0_secretary")) == 6
    assert _queries(user) == few
    forget_scope(user)
    with django_assert_max_num_queries(6):
        ics.feed_for(user, base_url=BASE)
