"""The pages of replies and the sign-in sheet, as every role: who answers which seat
(another unit's seat is a 403, a forged one a 404), what a refused answer keeps, the
host's one-tap sheet (with htmx) and its fixed query count, the QR page, and what the
meeting page and the home page show through the registries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.lib.ui import RECORD_ACTIONS, record_panels
from heli.meetings import attendance_ui
from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.org.models import GroupMembership
from heli.testing import WORLD_USERS, World, make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status
R = Attendance.Reply
P = Attendance.Presence


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _noticed(world: World, **fields: Any) -> JointMeeting:
    fields.setdefault("starts_at", when(world.group_years[0].year, 6, 20))
    return make_meeting(world, status=S.NOTICE_SENT, **fields)


def _today(world: World, **fields: Any) -> JointMeeting:
    """A noticed meeting of group 1 that began at 9:00 on the frozen day (now 10:00)."""
    fields.setdefault("starts_at", when(world.group_years[0].year, 6, 15, 9))
    return make_meeting(world, status=S.NOTICE_SENT, **fields)


def _seat(meeting: JointMeeting, world: World, index: int = 0) -> Attendance:
    return Attendance.objects.get(meeting=meeting, unit=world.units[index])


def _reply_url(meeting: JointMeeting) -> str:
    return reverse("meetings:reply", args=[meeting.pk])


def _sheet_url(meeting: JointMeeting) -> str:
    return reverse("meetings:attendance", args=[meeting.pk])


# --- Replies ---------------------------------------------------------------------------------

# What each role gets on a group-1 meeting's reply page: its seats, or the status.
REPLY_PAGE = {
    "leader": "leader",
    "staff": 403,
    "office": 403,
    "sysadmin": 404,
    "secadmin": 404,
    "auditor": 404,
    "unit0_leadership": 403,
    "unit0_secretary": "unit0",
    "unit0_staff": "unit0",
    "unit2_secretary": 404,
    "unit2_staff": 404,
    "outsider": 404,
    "nobody": 404,
}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_every_role_on_the_reply_page(world: World, name: str) -> None:
    meeting = _noticed(world)
    response = _client(world, name).get(_reply_url(meeting))
    expected = REPLY_PAGE[name]
    if isinstance(expected, int):
        assert response.status_code == expected
        if expected == 403:
            assert 'id="reply-refused"' in response.content.decode()
        return
    assert response.status_code == 200
    seats = [item["seat"] for item in response.context["items"]]
    if expected == "leader":
        assert [(s.unit_id, s.user_id) for s in seats] == [(None, world.user("leader").pk)]
    else:
        assert [s.unit_id for s in seats] == [world.units[0].pk]
    assert f'id="reply-form-{seats[0].pk}"' in response.content.decode()


def test_a_unit_answers_with_a_substitute_and_sees_the_answer(world: World) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    client = _client(world, "unit0_staff")
    response = client.post(
        _reply_url(meeting),
        {
            "seat": seat.pk,
            "reply": R.SUBSTITUTE,
            "substitute_name": "张副书记",
            "substitute_post": "机关党委副书记",
        },
    )
    assert response.status_code == 302 and response["Location"] == _reply_url(meeting)
    seat.refresh_from_db()
    assert (seat.reply, seat.substitute_name) == (R.SUBSTITUTE, "张副书记")
    page = client.get(_reply_url(meeting)).content.decode()
    assert f'id="reply-current-{seat.pk}"' in page and "张副书记" in page


def test_a_refused_answer_keeps_what_was_typed_with_the_message_by_the_field(
    world: World,
) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    response = _client(world, "unit0_secretary").post(
        _reply_url(meeting),
        {"seat": seat.pk, "reply": R.SUBSTITUTE, "substitute_name": "张副书记"},
    )
    assert response.status_code == 400
    form = response.context["items"][0]["form"]
    assert list(form.errors) == ["substitute_post"]
    assert 'value="张副书记"' in response.content.decode()
    assert Attendance.objects.get(pk=seat.pk).reply == R.PENDING
    response = _client(world, "unit0_secretary").post(
        _reply_url(meeting), {"seat": seat.pk, "reply": R.LEAVE, "reply_note": ""}
    )
    assert response.status_code == 400
    assert "reply_note" in response.context["items"][0]["form"].errors


def test_another_units_seat_is_403_and_a_forged_one_404(world: World) -> None:
    meeting = _noticed(world)
    other = _seat(meeting, world, 1)
    leader_seat = Attendance.objects.get(meeting=meeting, unit__isnull=True)
    elsewhere = _noticed(world, group_year=world.group_years[1])
    client = _client(world, "unit0_secretary")
    for seat in (other, leader_seat):
        response = client.post(_reply_url(meeting), {"seat": seat.pk, "reply": R.ATTENDING})
        assert response.status_code == 403
    for forged in ("999999", "x", str(_seat(elsewhere, world, 2).pk)):
        response = client.post(_reply_url(meeting), {"seat": forged, "reply": R.ATTENDING})
        assert response.status_code == 404
    assert client.get(reverse("meetings:reply", args=[999999])).status_code == 404
    assert not Attendance.objects.exclude(reply=R.PENDING).exists()


def test_a_unit_outside_the_group_is_told_plainly_and_changes_nothing(world: World) -> None:
    # Shared with all groups, the meeting is visible to group 2's units, who have no seat.
    meeting = _noticed(world, shared_at=timezone.now(), shared_by=world.user("office"))
    client = _client(world, "unit2_secretary")
    response = client.get(_reply_url(meeting))
    assert response.status_code == 403
    assert 'data-reason="outside_group"' in response.content.decode()
    # A seat for it cannot exist; one made behind the actions' back is still refused.
    stray = Attendance.objects.create(
        committee=world.committee, meeting=meeting, unit=world.units[2], name="x"
    )
    response = client.post(_reply_url(meeting), {"seat": stray.pk, "reply": R.ATTENDING})
    assert response.status_code == 400
    errors = response.context["items"][0]["form"].non_field_errors()
    assert world.units[2].name in errors[0]
    assert Attendance.objects.get(pk=stray.pk).reply == R.PENDING


def test_answers_close_when_the_meeting_starts(world: World) -> None:
    meeting = _today(world)
    seat = _seat(meeting, world)
    client = _client(world, "unit0_secretary")
    page = client.get(_reply_url(meeting))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="reply-closed"' in text and f'id="reply-form-{seat.pk}"' not in text
    response = client.post(_reply_url(meeting), {"seat": seat.pk, "reply": R.ATTENDING})
    assert response.status_code == 400
    assert Attendance.objects.get(pk=seat.pk).reply == R.PENDING


# --- The sign-in sheet -----------------------------------------------------------------------

SHEET = {
    "leader": 403,
    "staff": 403,
    "office": 200,
    "sysadmin": 404,
    "secadmin": 404,
    "auditor": 404,
    "unit0_leadership": 403,
    "unit0_secretary": 200,
    "unit0_staff": 403,
    "unit2_secretary": 404,
    "unit2_staff": 404,
    "outsider": 404,
    "nobody": 404,
}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_every_role_on_the_sheet_and_the_qr_page(world: World, name: str) -> None:
    meeting = _today(world)
    seat = _seat(meeting, world)
    client = _client(world, name)
    expected = SHEET[name]
    assert client.get(_sheet_url(meeting)).status_code == expected
    assert client.get(reverse("meetings:checkin_qr", args=[meeting.pk])).status_code == expected
    response = client.post(_sheet_url(meeting), {"seat": seat.pk, "presence": P.PRESENT})
    assert response.status_code == (302 if expected == 200 else expected)
    assert Attendance.objects.get(pk=seat.pk).presence == (P.PRESENT if expected == 200 else "")


def test_one_tap_with_htmx_returns_the_row_and_the_counts(world: World) -> None:
    meeting = _today(world)
    seat = _seat(meeting, world)
    client = _client(world, "office")
    response = client.post(
        _sheet_url(meeting), {"seat": seat.pk, "presence": P.PRESENT}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="seat-{seat.pk}"' in text and f'data-presence="{P.PRESENT}"' in text
    assert 'id="attendance-counts" class' not in text  # the counts swap out of band:
    assert 'hx-swap-oob="true"' in text
    assert response.context["counts"]["present"] == 1
    assert "<html" not in text


def test_leave_without_a_reason_comes_back_on_the_row(world: World) -> None:
    meeting = _today(world)
    seat = _seat(meeting, world)
    client = _client(world, "office")
    response = client.post(
        _sheet_url(meeting),
        {"seat": seat.pk, "presence": P.LEAVE, "note": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="seat-error-{seat.pk}"' in response.content.decode()
    response = client.post(_sheet_url(meeting), {"seat": seat.pk, "presence": P.LEAVE})
    assert response.status_code == 400
    assert f'id="seat-error-{seat.pk}"' in response.content.decode()
    assert Attendance.objects.get(pk=seat.pk).presence == ""
    client.post(_sheet_url(meeting), {"seat": seat.pk, "presence": P.LEAVE, "note": "住院"})
    assert Attendance.objects.get(pk=seat.pk).presence_note == "住院"


def test_the_sheet_before_the_meeting_day_reads_but_does_not_mark(world: World) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    client = _client(world, "office")
    page = client.get(_sheet_url(meeting)).content.decode()
    assert 'id="sheet-closed"' in page and 'data-tap="present"' not in page
    response = client.post(_sheet_url(meeting), {"seat": seat.pk, "presence": P.PRESENT})
    assert response.status_code == 400
    assert Attendance.objects.get(pk=seat.pk).presence == ""


def test_the_counts_part_alone(world: World) -> None:
    meeting = _today(world)
    response = _client(world, "office").get(_sheet_url(meeting) + "?part=counts")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.lstrip().startswith('<div class="row') and 'data-count="unsigned"' in text


def _grow_group(world: World, n: int) -> None:
    for i in range(n):
        unit = make_unit(world.committee, f"加入单位{i}", 10 + i)
        GroupMembership.objects.create(
            committee=world.committee,
            group_year=world.group_years[0],
            unit=unit,
            year=world.group_years[0].year,
        )


def _sheet_queries(world: World) -> tuple[int, int]:
    meeting = _today(world)
    client = _client(world, "office")
    client.get(_sheet_url(meeting))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(_sheet_url(meeting))
    assert response.status_code == 200
    return len(ctx.captured_queries), len(response.context["rows"])


def test_the_sheets_queries_do_not_grow_with_its_seats(world: World) -> None:
    small, seats = _sheet_queries(world)
    assert seats == 3  # two units and the liaison leader
    JointMeeting.objects.all().delete()
    _grow_group(world, 18)
    large, seats = _sheet_queries(world)
    assert seats == 21
    assert large == small
    assert small <= 12


def test_the_qr_page_draws_an_svg_of_the_checkin_address(world: World) -> None:
    meeting = _today(world)
    response = _client(world, "office").get(reverse("meetings:checkin_qr", args=[meeting.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    url = "http://testserver" + reverse(
        "meetings:checkin", args=[meeting.pk, meeting.checkin_token]
    )
    assert response.context["url"] == url
    assert f'href="{url}"' in text
    figure = text[text.index('id="checkin-qr"') :]
    assert figure.index("<svg") < figure.index("</figure>")
    assert 'class="checkin-qr-code"' in text and "<path" in text
    assert "<img" not in figure[: figure.index("</figure>")]


def test_no_qr_code_before_the_notice_or_after_the_minutes(world: World) -> None:
    for status in (S.PLAN_APPROVED, S.MINUTES_APPROVED):
        meeting = make_meeting(
            world, status=status, starts_at=when(world.group_years[0].year, 6, 10)
        )
        response = _client(world, "office").get(reverse("meetings:checkin_qr", args=[meeting.pk]))
        assert response.status_code == 200
        text = response.content.decode()
        assert 'id="checkin-qr-closed"' in text and "<svg" not in text


# --- The meeting page's panel and buttons, the home card --------------------------------------


def _request(world: World, name: str) -> Any:
    request = RequestFactory().get("/")
    request.user = world.user(name)
    return request


def test_the_panel_lists_every_seat_to_whoever_sees_the_meeting(world: World) -> None:
    meeting = _today(world)
    Attendance.objects.filter(pk=_seat(meeting, world).pk).update(
        reply=R.LEAVE, reply_note="外出", presence=P.LEAVE
    )
    for name in ("office", "leader", "staff", "unit0_leadership", "unit0_staff"):
        panels = [
            p
            for p in record_panels(_request(world, name), meeting)
            if p.code == "meetings.attendance"
        ]
        assert len(panels) == 1, name
        assert len(panels[0].context["seats"]) == 3
        assert panels[0].context["counts"]["leave"] == 1
    office = attendance_ui.seats_panel(_request(world, "office"), meeting)
    assert office is not None and office["more_url"] == _sheet_url(meeting)
    planned = make_meeting(world, status=S.PLANNED)
    assert attendance_ui.seats_panel(_request(world, "office"), planned) is None


def test_the_panel_query_count_is_fixed(world: World) -> None:
    small = _today(world)
    _grow_group(world, 18)
    large = _today(world, starts_at=when(world.group_years[0].year, 6, 15, 14))
    request = _request(world, "leader")
    counts = []
    for meeting in (small, large):
        attendance_ui.seats_panel(request, meeting)
        with CaptureQueriesContext(connection) as ctx:
            found = attendance_ui.seats_panel(request, meeting)
        assert found is not None
        counts.append((len(ctx.captured_queries), len(found["seats"])))
    assert counts == [(1, 3), (1, 21)]


MY_ACTIONS = ("meetings.reply", "meetings.attendance", "meetings.checkin_qr")


def _actions(world: World, name: str, meeting: JointMeeting) -> dict[str, str]:
    """This part's buttons (others add theirs to the same page) that the person is offered."""
    found = {}
    for action in RECORD_ACTIONS.all():
        if action.code in MY_ACTIONS and action.target == "meetings.jointmeeting":
            url = action.url(world.user(name), meeting)
            if url:
                found[action.code] = url
    return found


def test_the_buttons_on_the_meeting_page(world: World) -> None:
    ahead = _noticed(world)
    today = _today(world)
    assert set(_actions(world, "unit0_staff", ahead).values()) == {_reply_url(ahead)}
    assert set(_actions(world, "leader", ahead).values()) == {_reply_url(ahead)}
    office = set(_actions(world, "office", today).values())
    assert office == {_sheet_url(today), reverse("meetings:checkin_qr", args=[today.pk])}
    lead = set(_actions(world, "unit0_secretary", ahead).values())
    assert lead == {
        _reply_url(ahead),
        _sheet_url(ahead),
        reverse("meetings:checkin_qr", args=[ahead.pk]),
    }
    for name in ("staff", "unit0_leadership", "unit2_secretary", "auditor"):
        assert not _actions(world, name, ahead), name
    # Once started, nobody answers; after the minutes, nobody marks.
    assert not _actions(world, "unit0_staff", today)
    done = make_meeting(world, status=S.MINUTES_APPROVED)
    assert not _actions(world, "office", done)


def test_the_home_card_of_notices_waiting_for_an_answer(
    world: World, django_assert_max_num_queries: Any
) -> None:
    ahead = _noticed(world)
    _today(world)  # begun: no longer waiting
    request = _request(world, "unit0_staff")
    with django_assert_max_num_queries(4):
        card = attendance_ui.notices_card(request)
    assert card is not None and card["total"] == 1
    assert card["items"][0]["url"] == _reply_url(ahead)
    assert attendance_ui.notices_card(_request(world, "leader")) is not None
    for name in ("office", "staff", "unit2_staff", "unit0_leadership", "sysadmin", "nobody"):
        assert attendance_ui.notices_card(_request(world, name)) is None, name
    Attendance.objects.filter(meeting=ahead, unit=world.units[0]).update(reply=R.ATTENDING)
    assert attendance_ui.notices_card(_request(world, "unit0_staff")) is None


def test_the_home_page_shows_the_card(world: World) -> None:
    ahead = _noticed(world)
    text = _client(world, "unit0_secretary").get(reverse("home")).content.decode()
    assert 'id="home-meeting-notices"' in text and _reply_url(ahead) in text
