"""What the calendar and compliance view add to the shared pages: the menu entries and
the home card of the groups behind, shown to whom they concern, in few queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.accounts.policy import scope_of
from heli.lib.ui import MENU_ENTRIES, menu_for
from heli.meetings.compliance_ui import behind_card
from heli.meetings.models import JointMeeting, MeetingSettings
from heli.meetings.tests.factories import make_meeting, when
from heli.testing import WORLD_USERS, World

S = JointMeeting.Status
CALENDAR = reverse("meetings:calendar")
COMPLIANCE = reverse("meetings:compliance")
JUNE = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)
# 26 November 2026, 10:00 in Beijing: a group without a meeting is amber (1 December is
# the last day for the first of its two, noticed by 24 November).
LATE_NOVEMBER = datetime.datetime(2026, 11, 26, 2, 0, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db]


class _Request:
    def __init__(self, world: World, name: str) -> None:
        self.user = world.user(name)
        # As the middleware sets it: the signed-in person's own committee.
        self.committee = self.user.committee


def _card(world: World, name: str) -> dict[str, Any] | None:
    return behind_card(_Request(world, name))


def _group_two_held_once(world: World) -> None:
    make_meeting(world, group_year=world.group_years[1], status=S.HELD, starts_at=when(2026, 4))


CONCERNED = {"leader", "staff", "office", "unit0_secretary", "unit0_staff"}


@pytest.mark.frozen_clock(LATE_NOVEMBER)
@pytest.mark.parametrize("name", WORLD_USERS)
def test_the_card_goes_to_readers_and_the_lead_units(world: World, name: str) -> None:
    _group_two_held_once(world)  # group 1 (led by unit 0) has none: amber
    card = _card(world, name)
    if name in CONCERNED:
        assert card is not None, name
        assert [(i["key"], i["count"]) for i in card["items"]] == [("amber", 1), ("red", 0)]
        assert card["mine"] is (name.startswith("unit0_"))
    else:
        # Group 2's people are not its lead unit; the rest are not concerned.
        assert card is None, name


@pytest.mark.frozen_clock(JUNE)
def test_no_card_when_no_group_is_behind(world: World) -> None:
    for name in CONCERNED:
        assert _card(world, name) is None, name


@pytest.mark.frozen_clock(LATE_NOVEMBER)
def test_each_count_opens_exactly_its_groups(client: Client, world: World) -> None:
    _group_two_held_once(world)
    for name in ("office", "unit0_secretary"):
        client.force_login(world.user(name))
        html = client.get(reverse("home")).content.decode()
        assert 'id="home-meetings-behind"' in html
        card = _card(world, name)
        assert card is not None
        for item in card["items"]:
            assert item["url"] == f"{COMPLIANCE}?year=2026&status={item['key']}"
            assert f'href="{item["url"].replace("&", "&amp;")}"' in html
            rows = client.get(item["url"]).context["rows"]
            assert len(rows) == item["count"], (name, item)


@pytest.mark.frozen_clock(LATE_NOVEMBER)
@pytest.mark.parametrize("name", ["office", "unit0_secretary"])
def test_the_card_is_light(world: World, name: str, django_assert_max_num_queries: Any) -> None:
    _group_two_held_once(world)
    MeetingSettings.of(world.committee)  # made once, on first use
    request = _Request(world, name)
    scope_of(request.user)  # the home page has the scope already
    with django_assert_max_num_queries(4):
        assert behind_card(request) is not None


@pytest.mark.frozen_clock(JUNE)
@pytest.mark.parametrize("name", WORLD_USERS)
def test_menu_entries_shown_to_whom_may_open_them(client: Client, world: World, name: str) -> None:
    user = world.user(name)
    client.force_login(user)
    may_open = client.get(CALENDAR).status_code == 200
    assert (client.get(COMPLIANCE).status_code == 200) is may_open
    for code in ("meetings.calendar", "meetings.compliance"):
        entry = MENU_ENTRIES.get(code)
        assert entry is not None and entry.section == "meetings"
        assert entry.shown_to(user) is may_open, (name, code)
    links = [link.url for block in menu_for(user, CALENDAR) for link in block.links]
    assert (CALENDAR in links and COMPLIANCE in links) is may_open
    active = [link.url for block in menu_for(user, CALENDAR) for link in block.links if link.active]
    assert active == ([CALENDAR] if may_open else active)
