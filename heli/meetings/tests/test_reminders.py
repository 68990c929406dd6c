"""The joint meetings' reminders, run as ``manage.py send_reminders`` runs them: groups
behind (to the lead units and the office, once per group and state), notices not
answered (to the unit, once per seat), minutes not approved (to those who manage the
meeting, once per meeting)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from heli.meetings import reminders
from heli.meetings.models import Attendance, JointMeeting, MeetingSettings
from heli.meetings.tests.factories import make_meeting, when
from heli.notifications import registry
from heli.notifications.models import Notification
from heli.notifications.tests.fakeserver import use_test_delivery
from heli.org.models import GroupMembership, GroupYear
from heli.testing import World

pytestmark = [pytest.mark.django_db]

D = datetime.date
S = JointMeeting.Status
JUNE = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)
NOVEMBER = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    use_test_delivery(settings)


def _run(kind_code: str, day: datetime.date) -> None:
    kind = registry.get(kind_code)
    assert kind is not None
    with registry.only(kind):
        call_command("send_reminders", "--date", day.isoformat(), verbosity=0)


def _told(kind: str) -> dict[str, list[str]]:
    """Each person's notifications of ``kind``, by their keys in order."""
    found: dict[str, list[str]] = {}
    for n in Notification.objects.filter(kind=kind).order_by("id").select_related("recipient"):
        found.setdefault(n.recipient.username, []).append(n.key)
    return found


def test_the_kinds_register_when_the_app_starts() -> None:
    for code in reminders.KINDS:
        assert registry.get(code) is not None, code


# --- Groups behind --------------------------------------------------------------------

BEHIND = reminders.KIND_BEHIND


@pytest.mark.frozen_clock(NOVEMBER)
def test_a_group_turning_amber_is_told_to_its_lead_units_and_the_office(world: World) -> None:
    # Group 2 held one meeting; group 1 (led by unit 0) none: it misses two.
    make_meeting(world, group_year=world.group_years[1], status=S.HELD, starts_at=when(2026, 4))
    _run(BEHIND, D(2026, 11, 24))  # the notice for 1 December can still go out today
    assert _told(BEHIND) == {}
    _run(BEHIND, D(2026, 11, 25))
    group = world.groups[0].pk
    key = f"{BEHIND}:2026:{group}:amber:2026-12-01"
    assert _told(BEHIND) == {"unit0_secretary": [key], "unit0_staff": [key], "office": [key]}
    lead = Notification.objects.get(kind=BEHIND, recipient=world.user("unit0_secretary"))
    office = Notification.objects.get(kind=BEHIND, recipient=world.user("office"))
    # Each in words for their part, both with the dates and the link to the group's row.
    assert lead.body != office.body and lead.title != office.title
    for note in (lead, office):
        assert "2026年12月1日" in note.body and "2026年11月24日" in note.body
        assert note.url == f"{reverse('meetings:compliance')}?year=2026&group={group}"
    assert "测试单位0" in office.body  # the office is told who leads the group


@pytest.mark.frozen_clock(NOVEMBER)
def test_once_per_group_and_state(world: World) -> None:
    make_meeting(world, group_year=world.group_years[1], status=S.HELD, starts_at=when(2026, 4))
    for day in (25, 26, 30):
        _run(BEHIND, D(2026, 11, day))
    group = world.groups[0].pk
    amber = f"{BEHIND}:2026:{group}:amber:2026-12-01"
    assert _told(BEHIND)["office"] == [amber]
    # Red from 2 December: a new state, told once more.
    for day in (2, 3, 10):
        _run(BEHIND, D(2026, 12, day))
    red = f"{BEHIND}:2026:{group}:red:2026-12-01"
    assert _told(BEHIND)["unit0_secretary"] == [amber, red]
    assert _told(BEHIND)["office"] == [amber, red]
    # Group 2 (no lead unit in this world) turns amber on 25 December: the office alone.
    _run(BEHIND, D(2026, 12, 25))
    other = f"{BEHIND}:2026:{world.groups[1].pk}:amber:2026-12-31"
    assert _told(BEHIND)["office"] == [amber, red, other]
    assert _told(BEHIND)["unit0_secretary"] == [amber, red]
    # Past the year's end the current year is the next one: nothing more of 2026.
    count = Notification.objects.filter(kind=BEHIND).count()
    _run(BEHIND, D(2027, 1, 3))
    assert Notification.objects.filter(kind=BEHIND).count() == count


@pytest.mark.frozen_clock(NOVEMBER)
def test_a_group_that_plans_in_time_drops_out(world: World) -> None:
    make_meeting(world, group_year=world.group_years[1], status=S.HELD, starts_at=when(2026, 4))
    # Group 1 plans one meeting: it then misses one, which fits until 24 December.
    make_meeting(world, status=S.PLANNED, starts_at=when(2026, 12, 10))
    _run(BEHIND, D(2026, 11, 25))
    _run(BEHIND, D(2026, 12, 1))
    assert _told(BEHIND) == {}
    # The settings decide the lead time: 30 days of notice puts group 1 behind now.
    found = MeetingSettings.of(world.committee)
    found.notice_lead_days = 30
    found.save(update_fields=["notice_lead_days"])
    _run(BEHIND, D(2026, 12, 2))
    assert set(_told(BEHIND)) == {"unit0_secretary", "unit0_staff", "office"}


# --- Notices not answered -------------------------------------------------------------

UNANSWERED = reminders.KIND_UNANSWERED


@pytest.mark.frozen_clock(JUNE)
def test_unanswered_seats_are_chased_once_after_the_days(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 6, 30))
    seats = {s.unit_id: s for s in Attendance.objects.filter(meeting=meeting)}
    leader_seat = seats[None]
    days = MeetingSettings.of(world.committee).confirm_reminder_days
    sent = timezone.localdate(meeting.notice_sent_at)
    _run(UNANSWERED, sent + datetime.timedelta(days=days - 1))
    assert _told(UNANSWERED) == {}
    for extra in (0, 1, 5):
        _run(UNANSWERED, sent + datetime.timedelta(days=days + extra))
    unit_key = f"{UNANSWERED}:{seats[world.units[0].pk].pk}"
    leader_key = f"{UNANSWERED}:{leader_seat.pk}"
    # Unit 1 has nobody to tell in this world; the leader answers for their own seat.
    assert _told(UNANSWERED) == {
        "unit0_secretary": [unit_key],
        "unit0_staff": [unit_key],
        "leader": [leader_key],
    }
    to_unit = Notification.objects.get(kind=UNANSWERED, recipient=world.user("unit0_staff"))
    to_leader = Notification.objects.get(kind=UNANSWERED, recipient=world.user("leader"))
    assert to_unit.body != to_leader.body
    assert "测试单位0" in to_unit.body and "2026年6月30日" in to_unit.body
    assert to_unit.url == reverse("meetings:reply", args=[meeting.pk])


@pytest.mark.frozen_clock(JUNE)
def test_answered_seats_and_begun_meetings_are_not_chased(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 6, 30))
    Attendance.objects.filter(meeting=meeting).exclude(unit=world.units[1]).update(
        reply=Attendance.Reply.ATTENDING
    )
    # Group 2's meeting begins before the reminders run.
    make_meeting(
        world, group_year=world.group_years[1], status=S.NOTICE_SENT, starts_at=when(2026, 6, 16)
    )
    _run(UNANSWERED, D(2026, 6, 20))
    assert _told(UNANSWERED) == {}
    # Still planned (no notice): nothing to answer.
    make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 7, 30), seats=True)
    _run(UNANSWERED, D(2026, 6, 21))
    assert _told(UNANSWERED) == {}
    # Unit 2 has people: its unanswered seat of a meeting to come is chased.
    later = make_meeting(
        world, group_year=world.group_years[1], status=S.NOTICE_SENT, starts_at=when(2026, 7, 8)
    )
    _run(UNANSWERED, D(2026, 6, 21))
    seat = Attendance.objects.get(meeting=later, unit=world.units[2])
    key = f"{UNANSWERED}:{seat.pk}"
    assert _told(UNANSWERED) == {"unit2_secretary": [key], "unit2_staff": [key]}


# --- Minutes not approved -------------------------------------------------------------

LATE = reminders.KIND_MINUTES_LATE


@pytest.mark.frozen_clock(JUNE)
def test_minutes_not_approved_go_to_the_lead_units_and_the_office_once(world: World) -> None:
    held = make_meeting(world, status=S.HELD, starts_at=when(2026, 6, 1))
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 5, 1))
    days = MeetingSettings.of(world.committee).minutes_reminder_days
    _run(LATE, D(2026, 6, 1) + datetime.timedelta(days=days - 1))
    assert _told(LATE) == {}
    for extra in (0, 1, 7):
        _run(LATE, D(2026, 6, 1) + datetime.timedelta(days=days + extra))
    key = f"{LATE}:{held.pk}"
    assert _told(LATE) == {"unit0_secretary": [key], "unit0_staff": [key], "office": [key]}
    lead = Notification.objects.get(kind=LATE, recipient=world.user("unit0_secretary"))
    office = Notification.objects.get(kind=LATE, recipient=world.user("office"))
    assert lead.body != office.body and "2026年6月1日" in lead.body
    assert "测试单位0" in office.body  # the host unit, who completes them
    assert lead.url == reverse("meetings:minutes", args=[held.pk])


@pytest.mark.frozen_clock(JUNE)
def test_last_years_minutes_go_to_the_office_only(world: World) -> None:
    past = GroupYear.objects.create(committee=world.committee, group=world.groups[0], year=2025)
    GroupMembership.objects.create(
        committee=world.committee, group_year=past, unit=world.units[0], year=2025, is_lead=True
    )
    held = make_meeting(world, group_year=past, status=S.HELD, starts_at=when(2025, 12, 10))
    _run(LATE, D(2026, 1, 5))
    assert _told(LATE) == {"office": [f"{LATE}:{held.pk}"]}
