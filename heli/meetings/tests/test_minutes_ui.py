"""What the minutes add to the meeting page and the home page: the "Minutes" and
"Decisions" panels, the "write" and "approve" buttons, the approvers' home card and its
list — for the right people, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import User
from heli.lib.ui import RECORD_PANELS, record_actions, record_panels
from heli.meetings import minutes, minutes_ui
from heli.meetings.models import JointMeeting
from heli.meetings.tests.test_minutes_fixtures import (
    O,
    S,
    decide,
    held_meeting,
    items_of,
    write,
)
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

SEES = {"leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff"}
MINE = ("meetings.minutes", "meetings.decisions")


def _request(user: User) -> Any:
    request = RequestFactory().get("/")
    # A fresh copy of the user: no scope cached from an earlier request.
    request.user = User.objects.get(pk=user.pk)
    return request


def _my_panels(request: Any, meeting: JointMeeting) -> list[Any]:
    """This part's panels alone (the other parts' panels are theirs to count)."""
    mine = [RECORD_PANELS.get(code) for code in MINE]
    with RECORD_PANELS.only(*[p for p in mine if p is not None]):
        return record_panels(request, meeting)


def _big(world: World, n: int) -> JointMeeting:
    meeting = held_meeting(world, topics=n)
    write(world, meeting, [O.DECIDED] * n)
    for item in items_of(meeting):
        decide(world, meeting, agenda_item=item, title=f"事项{item.pk}")
    return meeting


@pytest.mark.parametrize("who", WORLD_USERS)
def test_the_panels_show_to_those_who_see_the_meeting_once_held(world: World, who: str) -> None:
    planned = held_meeting(world, status=S.NOTICE_SENT)
    held = held_meeting(world)
    request = _request(world.user(who))
    assert _my_panels(request, planned) == []
    shown = [p.code for p in _my_panels(request, held)]
    assert shown == (list(MINE) if who in SEES else [])


def test_the_panels_read_the_outcomes_and_the_decisions_with_their_states(world: World) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.DECIDED, O.NOT_REACHED])
    decision = decide(world, meeting, agenda_item=items_of(meeting)[0])
    request = _request(world.user("office"))
    html = render_to_string(
        "lib/record_panels.html", {"panels": _my_panels(request, meeting)}, request=request
    )
    assert 'id="panel-meetingsminutes"' in html and 'id="panel-meetingsdecisions"' in html
    assert f'data-outcome="{O.NOT_REACHED}"' in html and 'id="minutes-draft-note"' in html
    assert decision.number in html and 'data-task-status="assigned"' in html
    assert reverse("meetings:decision_detail", args=[decision.pk]) in html
    assert 'id="panel-decision-new"' in html  # the office records decisions
    minutes.approve_minutes(meeting, world.user("leader"))
    meeting.refresh_from_db()
    html = render_to_string(
        "lib/record_panels.html", {"panels": _my_panels(request, meeting)}, request=request
    )
    assert 'id="minutes-approved-note"' in html and 'id="panel-decision-new"' not in html


@pytest.mark.parametrize("n", [1, 5])
def test_the_panels_take_a_fixed_number_of_queries(world: World, n: int) -> None:
    meeting = _big(world, n)
    request = _request(world.user("unit0_staff"))
    with CaptureQueriesContext(connection) as ctx:
        html = render_to_string(
            "lib/record_panels.html", {"panels": _my_panels(request, meeting)}, request=request
        )
    assert html.count("data-decision=") == n
    # The scope (2), then per panel: the visibility check, the agenda; the decisions,
    # their tasks and which tasks the reader may open.
    assert len(ctx.captured_queries) <= 8, [q["sql"] for q in ctx.captured_queries]
    small = _big(world, 1)
    request = _request(world.user("unit0_staff"))
    with CaptureQueriesContext(connection) as other:
        render_to_string(
            "lib/record_panels.html", {"panels": _my_panels(request, small)}, request=request
        )
    assert len(other.captured_queries) == len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("who", "held_codes"),
    [
        ("office", ["meetings.write_minutes", "meetings.approve_minutes"]),
        ("unit0_secretary", ["meetings.write_minutes"]),
        ("leader", ["meetings.approve_minutes"]),
        ("staff", []),
        ("unit0_staff", []),
        ("unit2_secretary", []),
        ("sysadmin", []),
        ("outsider", []),
        ("nobody", []),
    ],
)
def test_the_buttons_on_the_meeting_page(world: World, who: str, held_codes: list[str]) -> None:
    codes = {"meetings.write_minutes": "Write", "meetings.approve_minutes": "Approve"}
    user = User.objects.get(pk=world.user(who).pk)
    held = held_meeting(world)
    offered = [a.url for a in record_actions(user, held)]
    expected = []
    for code in held_codes:
        url = reverse("meetings:minutes", args=[held.pk])
        expected.append(url + ("#approve" if codes[code] == "Approve" else ""))
    assert [u for u in offered if "/minutes/" in u] == expected
    for status in (S.NOTICE_SENT, S.MINUTES_APPROVED):
        other = held_meeting(world, status=status)
        assert [a for a in record_actions(user, other) if "/minutes/" in a.url] == []


def test_the_approvers_home_card_counts_minutes_ready_and_opens_exactly_them(
    world: World,
) -> None:
    ready = held_meeting(world)
    write(world, ready, [O.AGREED, O.DISCUSSED])
    unfinished = held_meeting(world)
    write(world, unfinished, [O.AGREED, ""])
    approved = held_meeting(world)
    write(world, approved, [O.AGREED, O.AGREED])
    minutes.approve_minutes(approved, world.user("office"))
    other_group = held_meeting(world, group_year=world.group_years[1], topics=1)
    write(world, other_group, [O.AGREED])
    for who in ("office", "leader"):
        request = _request(world.user(who))
        with CaptureQueriesContext(connection) as ctx:
            card = minutes_ui.waiting_card(request)
        assert len(ctx.captured_queries) <= 4
        assert card == {"count": 2, "url": reverse("meetings:minutes_waiting")}
        page = Client()
        page.force_login(world.user(who))
        listed = page.get(card["url"]).content.decode()
        shown = {
            m.pk
            for m in (ready, unfinished, approved, other_group)
            if f'data-meeting="{m.pk}"' in listed
        }
        assert shown == {ready.pk, other_group.pk}
    for who in ("staff", "unit0_secretary", "unit0_staff", "auditor", "nobody"):
        assert minutes_ui.waiting_card(_request(world.user(who))) is None
        page = Client()
        page.force_login(world.user(who))
        assert page.get(reverse("meetings:minutes_waiting")).status_code == 403


def test_no_card_when_nothing_waits(world: World) -> None:
    held_meeting(world)
    assert minutes_ui.waiting_card(_request(world.user("office"))) is None


def _page_queries(world: World, who: str, url: str) -> int:
    client = Client()
    client.force_login(world.user(who))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["office", "leader", "unit0_staff"])
def test_the_minutes_page_takes_a_fixed_number_of_queries(world: World, who: str) -> None:
    small, big = _big(world, 1), _big(world, 6)
    counts = [
        _page_queries(world, who, reverse("meetings:minutes", args=[m.pk])) for m in (small, big)
    ]
    assert counts[0] == counts[1] and counts[0] <= 14, counts


def test_the_decision_pages_take_a_fixed_number_of_queries(world: World) -> None:
    small, big = _big(world, 1), _big(world, 6)
    pages = [
        [
            reverse("meetings:decision_detail", args=[m.decisions.first().pk]),  # type: ignore[union-attr]
            reverse("meetings:decision_new", args=[m.pk]),
        ]
        for m in (small, big)
    ]
    for a, b in zip(*pages, strict=True):
        assert _page_queries(world, "office", a) == _page_queries(world, "office", b) <= 16
    listed = _page_queries(world, "office", reverse("meetings:minutes_waiting"))
    _big(world, 3)
    assert _page_queries(world, "office", reverse("meetings:minutes_waiting")) == listed


def test_the_meeting_page_shows_the_panels_and_buttons(world: World) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.DECIDED, O.AGREED])
    decision = decide(world, meeting, agenda_item=items_of(meeting)[0])
    client = Client()
    client.force_login(world.user("office"))
    page = client.get(reverse("meetings:meeting_detail", args=[meeting.pk])).content.decode()
    assert 'id="panel-meetingsminutes"' in page and 'id="panel-meetingsdecisions"' in page
    assert page.index('id="panel-meetingsminutes"') < page.index('id="panel-meetingsdecisions"')
    assert reverse("meetings:minutes", args=[meeting.pk]) + "#approve" in page
    assert decision.number in page
