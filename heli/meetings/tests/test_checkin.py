"""Signing in by the meeting's QR code: the secret code (a wrong or old one is a 404), the
day it works, who it signs in and as what, a second sign-in refused with the time of the
first, and a clear page for anyone not invited."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.audit.models import AuditEvent
from heli.meetings import attendance
from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status
P = Attendance.Presence


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _meeting(
    world: World, *, status: str = S.NOTICE_SENT, hour: int = 9, day: int = 15
) -> JointMeeting:
    """A meeting of group 1 on the frozen day (now 10:00) unless told otherwise."""
    return make_meeting(
        world,
        status=status,
        starts_at=when(world.group_years[0].year, 6, day, hour),
        seats=True,
        checkin_token="k" * 32,
    )


def _url(meeting: JointMeeting, token: str | None = None) -> str:
    return reverse("meetings:checkin", args=[meeting.pk, token or meeting.checkin_token])


def _seat(meeting: JointMeeting, world: World, index: int = 0) -> Attendance:
    return Attendance.objects.get(meeting=meeting, unit=world.units[index])


def test_anonymous_visitors_sign_in_first_and_come_back(world: World) -> None:
    meeting = _meeting(world)
    response = Client().get(_url(meeting))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(settings.LOGIN_URL)}?next={_url(meeting)}"


def test_the_secretary_confirms_and_is_present(world: World) -> None:
    meeting = _meeting(world)
    client = _client(world, "unit0_secretary")
    page = client.get(_url(meeting))
    assert page.status_code == 200
    assert (
        'data-state="open"' in page.content.decode()
        and 'id="checkin-button"' in page.content.decode()
    )
    assert _seat(meeting, world).presence == ""  # looking signs nobody in
    response = client.post(_url(meeting))
    assert response.status_code == 302 and response["Location"] == _url(meeting)
    seat = _seat(meeting, world)
    assert (seat.presence, seat.signed_via, seat.signed_by) == (
        P.PRESENT,
        "qr",
        world.user("unit0_secretary"),
    )
    done = client.get(_url(meeting)).content.decode()
    assert 'id="checkin-signed"' in done
    rows = AuditEvent.objects.filter(object_type="meetings.attendance", object_id=str(seat.pk))
    assert [r.detail["presence"] for r in rows] == [["", "present"]]


def test_a_second_sign_in_says_so_with_the_time_and_changes_nothing(world: World) -> None:
    meeting = _meeting(world)
    client = _client(world, "unit0_secretary")
    client.post(_url(meeting))
    first = _seat(meeting, world)
    response = client.post(_url(meeting))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="checkin-repeated"' in text
    assert attendance.moment(first.signed_at) in text
    again = _seat(meeting, world)
    assert (again.signed_at, again.presence, again.signed_by_id) == (
        first.signed_at,
        first.presence,
        first.signed_by_id,
    )
    with pytest.raises(Exception) as refused:
        attendance.check_in(meeting, world.user("unit0_staff"), meeting.checkin_token)
    assert getattr(refused.value, "code", "") == "signed"
    assert _seat(meeting, world).signed_by_id == first.signed_by_id


def test_the_already_signed_state_says_so_with_the_time(world: World) -> None:
    meeting = _meeting(world)
    client = _client(world, "unit0_secretary")
    client.post(_url(meeting))
    state = attendance.checkin_state(meeting, world.user("unit0_secretary"))
    assert state.code == "signed"
    from django.utils import translation

    with translation.override("en"):
        state = attendance.checkin_state(meeting, world.user("unit0_secretary"))
        assert state.message.startswith("Already signed in, at ")


def test_the_units_staff_signs_in_as_the_substitute(world: World) -> None:
    meeting = _meeting(world)
    Attendance.objects.filter(pk=_seat(meeting, world).pk).update(
        reply=Attendance.Reply.SUBSTITUTE, substitute_name="unit0_staff"
    )
    response = _client(world, "unit0_staff").post(_url(meeting))
    assert response.status_code == 302
    seat = _seat(meeting, world)
    assert (seat.presence, seat.signed_by) == (P.SUBSTITUTE, world.user("unit0_staff"))


def test_the_liaison_leader_signs_in_to_their_own_seat(world: World) -> None:
    meeting = _meeting(world)
    _client(world, "leader").post(_url(meeting))
    seat = Attendance.objects.get(meeting=meeting, unit__isnull=True)
    assert (seat.presence, seat.signed_by) == (P.PRESENT, world.user("leader"))
    assert not Attendance.objects.filter(meeting=meeting, unit__isnull=False).exclude(presence="")


def test_a_seat_marked_absent_by_the_host_can_still_sign_in_late(world: World) -> None:
    meeting = _meeting(world)
    attendance.mark_presence(_seat(meeting, world), world.user("office"), presence=P.ABSENT)
    _client(world, "unit0_secretary").post(_url(meeting))
    assert _seat(meeting, world).presence == P.PRESENT


@pytest.mark.parametrize(
    "name",
    [
        "staff",
        "office",
        "unit0_leadership",
        "unit2_secretary",
        "unit2_staff",
        "nobody",
        "sysadmin",
        "auditor",
    ],
)
def test_people_not_invited_get_a_clear_page_and_change_nothing(world: World, name: str) -> None:
    meeting = _meeting(world)
    client = _client(world, name)
    for response in (client.get(_url(meeting)), client.post(_url(meeting))):
        assert response.status_code == 403, name
        text = response.content.decode()
        assert 'data-state="not_invited"' in text and 'id="checkin-refused"' in text
    assert not Attendance.objects.filter(meeting=meeting).exclude(presence="").exists()
    # Someone who cannot see the meeting is not shown what it is.
    if name in ("unit2_secretary", "unit2_staff", "nobody", "sysadmin", "auditor"):
        assert meeting.title not in client.get(_url(meeting)).content.decode()


def test_a_wrong_or_an_old_code_is_404(world: World) -> None:
    meeting = _meeting(world)
    client = _client(world, "unit0_secretary")
    assert client.get(_url(meeting, "w" * 32)).status_code == 404
    assert client.post(_url(meeting, "k" * 31)).status_code == 404
    old = meeting.checkin_token
    JointMeeting.objects.filter(pk=meeting.pk).update(checkin_token="n" * 32)
    assert client.get(_url(meeting, old)).status_code == 404
    assert client.post(_url(meeting, old)).status_code == 404
    assert client.get(reverse("meetings:checkin", args=[999999, old])).status_code == 404
    assert _seat(meeting, world).presence == ""
    # Another committee's person, with the right code, finds nothing either.
    assert _client(world, "outsider").get(_url(meeting, "n" * 32)).status_code == 404


def test_a_meeting_without_a_code_signs_nobody_in(world: World) -> None:
    meeting = _meeting(world)
    JointMeeting.objects.filter(pk=meeting.pk).update(checkin_token="")
    assert not attendance.token_matches(JointMeeting.objects.get(pk=meeting.pk), "")
    client = _client(world, "unit0_secretary")
    assert client.post(reverse("meetings:checkin", args=[meeting.pk, "x"])).status_code == 404


@pytest.mark.parametrize(
    ("day", "hour", "state"),
    [
        (15, 11, "open"),  # starts within two hours
        (15, 13, "not_today"),  # more than two hours ahead
        (16, 9, "not_today"),  # tomorrow
        (14, 9, "not_today"),  # yesterday
        (15, 8, "open"),  # began two hours ago, same day
    ],
)
def test_the_code_works_on_the_meeting_day_only(
    world: World, day: int, hour: int, state: str
) -> None:
    meeting = _meeting(world, day=day, hour=hour)
    client = _client(world, "unit0_secretary")
    page = client.get(_url(meeting))
    assert f'data-state="{state}"' in page.content.decode()
    response = client.post(_url(meeting))
    assert _seat(meeting, world).presence == (P.PRESENT if state == "open" else "")
    if state != "open":
        assert response.status_code == 403


@pytest.mark.frozen_clock(datetime.datetime(2026, 6, 15, 15, 55, tzinfo=datetime.UTC))
def test_the_window_ends_at_midnight_in_shanghai(world: World) -> None:
    # 23:55 in Shanghai: still the meeting's day there (not yet in UTC terms the next).
    meeting = _meeting(world)
    start, end = attendance.checkin_window(meeting)
    assert timezone.localtime(end).hour == 0 and timezone.localdate(end) == datetime.date(
        2026, 6, 16
    )
    assert attendance.checkin_state(meeting, world.user("unit0_secretary")).code == "open"
    assert (
        attendance.checkin_state(meeting, world.user("unit0_secretary"), now=end).code
        == "not_today"
    )


@pytest.mark.parametrize(
    ("status", "state"),
    [(S.HELD, "open"), (S.MINUTES_APPROVED, "closed"), (S.CANCELLED, "closed")],
)
def test_the_code_works_while_noticed_or_held(world: World, status: str, state: str) -> None:
    meeting = _meeting(world, status=status)
    response = _client(world, "unit0_secretary").post(_url(meeting))
    if state == "open":
        assert _seat(meeting, world).presence == P.PRESENT
    else:
        assert response.status_code == 403
        assert 'data-state="closed"' in response.content.decode()
        assert _seat(meeting, world).presence == ""
