"""The year's calendar: who sees which groups and meetings, each meeting a chip in its
group's row and its month with its status colour and a link to its page, filters."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.meetings.calendar_views import CHIP_STATES, UNRECORDED
from heli.meetings.models import JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.testing import WORLD_USERS, World

S = JointMeeting.Status
PAGE = reverse("meetings:calendar")
JUNE = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock(JUNE)]


def _meetings(world: World) -> dict[str, JointMeeting]:
    one, two = world.group_years
    return {
        "approved": make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18)),
        "late": make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 5, 6)),
        "cancelled": make_meeting(world, status=S.CANCELLED, starts_at=when(2026, 7, 1)),
        "coming": make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 9, 10)),
        "other": make_meeting(world, group_year=two, status=S.HELD, starts_at=when(2026, 4, 2)),
    }


def _chips(response: Any) -> dict[int, tuple[str, int, str]]:
    """Each chip shown: its group's name, its month and its state, by meeting id."""
    assert response.status_code == 200
    return {
        c.pk: (row.name, month, c.state)
        for row in response.context["rows"]
        for month, chips in row.cells
        for c in chips
    }


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_sees_which_meetings(client: Client, world: World, name: str) -> None:
    m = _meetings(world)
    client.force_login(world.user(name))
    response = client.get(PAGE, {"year": "2026"})
    group_one = {m[k].pk for k in ("approved", "late", "cancelled", "coming")}
    if name in {"leader", "staff", "office"}:
        assert set(_chips(response)) == group_one | {m["other"].pk}
        assert [r.name for r in response.context["rows"]] == ["第一组", "第二组"]
    elif name.startswith("unit0_"):
        assert set(_chips(response)) == group_one
        assert [r.name for r in response.context["rows"]] == ["第一组"]
    elif name.startswith("unit2_"):
        assert set(_chips(response)) == {m["other"].pk}
        assert [r.name for r in response.context["rows"]] == ["第二组"]
    elif name == "outsider":
        assert _chips(response) == {}
    else:
        assert response.status_code == 403, name


def test_each_meeting_sits_in_its_group_and_month_with_its_state(
    client: Client, world: World
) -> None:
    m = _meetings(world)
    client.force_login(world.user("office"))
    response = client.get(PAGE, {"year": "2026"})
    assert _chips(response) == {
        m["approved"].pk: ("第一组", 3, S.MINUTES_APPROVED),
        m["late"].pk: ("第一组", 5, UNRECORDED),  # its day passed, not marked held
        m["cancelled"].pk: ("第一组", 7, S.CANCELLED),
        m["coming"].pk: ("第一组", 9, S.PLAN_APPROVED),
        m["other"].pk: ("第二组", 4, S.HELD),
    }
    grid = response.content.decode().split('id="calendar-grid"')[1].split('id="calendar-list"')[0]
    for meeting in m.values():
        url = reverse("meetings:meeting_detail", args=[meeting.pk])
        assert grid.count(f'href="{url}" data-meeting="{meeting.pk}"') == 1
    assert 'data-state="unrecorded"' in grid and "mc-chip-minutes_approved" in grid
    # The phone's list has every meeting too, by month.
    assert [month for month, _c in response.context["by_month"]] == [3, 4, 5, 7, 9]


def test_the_month_of_a_meeting_is_its_local_day(client: Client, world: World) -> None:
    # 31 March, 23:30 in Beijing is still March there (UTC says 15:30).
    start = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=timezone.get_default_timezone())
    meeting = make_meeting(world, status=S.MINUTES_APPROVED, starts_at=start)
    client.force_login(world.user("staff"))
    chips = _chips(client.get(PAGE, {"year": "2026"}))
    assert chips[meeting.pk][1] == 3


def test_a_shared_meeting_shows_to_other_groups(client: Client, world: World) -> None:
    m = _meetings(world)
    JointMeeting.objects.filter(pk=m["approved"].pk).update(
        shared_at=timezone.now(), shared_by=world.user("office")
    )
    client.force_login(world.user("unit2_staff"))
    response = client.get(PAGE, {"year": "2026"})
    assert set(_chips(response)) == {m["other"].pk, m["approved"].pk}
    assert [r.name for r in response.context["rows"]] == ["第一组", "第二组"]


def test_filters_year_and_group(client: Client, world: World) -> None:
    m = _meetings(world)
    client.force_login(world.user("leader"))
    two = world.groups[1].pk
    response = client.get(PAGE, {"year": "2026", "group": str(two)})
    assert set(_chips(response)) == {m["other"].pk}
    assert response.context["count"] == 1
    for group in (str(world.groups[0].pk + 1000), "x"):
        assert _chips(client.get(PAGE, {"year": "2026", "group": group})) == {}, group
    # Another year has no meetings; a year out of range falls back to the current one.
    assert _chips(client.get(PAGE, {"year": "2025"})) == {}
    assert client.get(PAGE, {"year": "1900"}).context["year"] == 2026
    # A unit's people cannot open another group's row by its id.
    client.force_login(world.user("unit2_secretary"))
    assert _chips(client.get(PAGE, {"year": "2026", "group": str(world.groups[0].pk)})) == {}


def test_the_current_month_is_marked_and_the_legend_explains_every_chip(
    client: Client, world: World
) -> None:
    _meetings(world)
    client.force_login(world.user("staff"))
    response = client.get(PAGE)
    assert response.context["current_month"] == 6
    html = response.content.decode()
    assert 'class="mc-now" aria-current="date"' in html
    legend = html.split('id="calendar-legend"')[1].split("</ul>")[0]
    for state in CHIP_STATES:
        assert f"mc-chip-{state}" in legend
    # A past year marks no month.
    assert client.get(PAGE, {"year": "2025"}).context["current_month"] is None


def test_a_group_without_meetings_still_has_its_row(client: Client, world: World) -> None:
    client.force_login(world.user("unit0_staff"))
    response = client.get(PAGE, {"year": "2026"})
    assert [r.name for r in response.context["rows"]] == ["第一组"]
    assert _chips(response) == {}
    assert 'id="calendar-empty"' not in response.content.decode()
    # The link to the compliance view keeps the year and group chosen.
    group = world.groups[0].pk
    response = client.get(PAGE, {"year": "2026", "group": str(group)})
    expected = f"{reverse('meetings:compliance')}?year=2026&group={group}"
    assert response.context["compliance_url"] == expected


def test_the_phone_list_says_how_many_meetings_each_group_held(
    client: Client, world: World
) -> None:
    _meetings(world)
    client.force_login(world.user("office"))
    response = client.get(PAGE, {"year": "2026"})
    page = response.content.decode().split('id="calendar-list-groups"')[1].split("</section>")[0]
    held = {r.group_id: r.held for r in response.context["rows"]}
    # Group one's minutes were approved (held); group two's meeting was held.
    assert held == {world.groups[0].pk: 1, world.groups[1].pk: 1}
    for group in world.groups[:2]:
        row = page.split(f'data-group="{group.pk}"')[1].split("</li>")[0]
        assert group.name in row
        assert "已召开1次" in row, row
