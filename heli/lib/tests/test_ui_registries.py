"""The shared registries of the pages: menu, home cards and actions on records."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.lib.registry import Registry
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    MENU_SECTIONS,
    RECORD_ACTIONS,
    HomeCard,
    MenuEntry,
    MenuSection,
    RecordAction,
    home_cards,
    menu_for,
    record_actions,
)
from heli.testing import World


def test_registering_a_code_again_replaces_it_and_order_decides() -> None:
    reg: Registry[MenuSection] = Registry("test")
    reg.register(MenuSection("b", "B", order=2))
    reg.register(MenuSection("a", "A", order=3))
    reg.register(MenuSection("b", "B again", order=1))
    assert [(s.code, str(s.label)) for s in reg] == [("b", "B again"), ("a", "A")]
    with reg.only(MenuSection("z", "Z")):
        assert [s.code for s in reg] == ["z"]
    with reg.adding(MenuSection("c", "C", order=0)):
        assert [s.code for s in reg] == ["c", "b", "a"]
    assert [s.code for s in reg] == ["b", "a"]
    reg.unregister("a")
    assert "a" not in reg and len(reg) == 1


def test_the_menu_shows_what_each_person_may_open_with_the_longest_match_active() -> None:
    sections = (MenuSection("one", "One", 1), MenuSection("empty", "Nobody's", 2))
    entries = (
        MenuEntry("home", "Home", "home", exact=True),
        MenuEntry("list", "Tasks", "tracking:task_list", "one", order=1),
        MenuEntry("waiting", "Waiting", "tracking:waiting", "one", order=2),
        MenuEntry("hidden", "Hidden", "org:unit_list", "empty", shown_to=lambda user: False),
    )
    with MENU_SECTIONS.only(*sections), MENU_ENTRIES.only(*entries):
        waiting = reverse("tracking:waiting")
        blocks = menu_for(object(), waiting)
        assert [b.label for b in blocks] == ["", "One"]
        active = [link.label for b in blocks for link in b.links if link.active]
        assert active == ["Waiting"]
        # A task's page sits under the list; the home page is active on itself only.
        task_page = reverse("tracking:task_detail", args=[7])
        assert [
            link.label for b in menu_for(object(), task_page) for link in b.links if link.active
        ] == ["Tasks"]
        assert not any(link.active for b in menu_for(object(), "/nowhere/") for link in b.links)
        assert [link.label for b in menu_for(object(), "/") for link in b.links if link.active] == [
            "Home"
        ]


@pytest.mark.django_db
def test_home_cards_show_only_when_they_have_something(world: World) -> None:
    def mine(request: Any) -> dict[str, Any] | None:
        return {"n": 3} if request.user.username == "leader" else None

    card = HomeCard("test.card", "partials/messages.html", mine)
    with HOME_CARDS.only(card):
        client = Client()
        client.force_login(world.user("leader"))
        shown = client.get(reverse("home")).context["cards"]
        assert [(c.template, c.context) for c in shown] == [("partials/messages.html", {"n": 3})]
        client.force_login(world.user("unit0_staff"))
        response = client.get(reverse("home"))
        assert "test.card" not in [c.template for c in response.context["cards"]]

        class Request:
            user = world.user("staff")

        assert all(c.context != {"n": 3} for c in home_cards(Request()))


@pytest.mark.django_db
def test_actions_offered_on_a_record_page_follow_the_offering_area(world: World) -> None:
    offered = RecordAction(
        "test.stamp",
        "org.unit",
        "Stamp this unit",
        lambda user, unit: f"/stamp/{unit.pk}/" if user.username == "office" else "",
    )
    elsewhere = RecordAction("test.other", "org.group", "Not for units", lambda u, r: "/x/")
    unit = world.units[0]
    with RECORD_ACTIONS.adding(offered, elsewhere):
        assert [(a.label, a.url) for a in record_actions(world.user("office"), unit)][-1] == (
            "Stamp this unit",
            f"/stamp/{unit.pk}/",
        )
        assert "Stamp this unit" not in [
            a.label for a in record_actions(world.user("leader"), unit)
        ]
        client = Client()
        client.force_login(world.user("office"))
        page = client.get(reverse("org:unit_detail", args=[unit.pk])).content.decode()
        assert f"/stamp/{unit.pk}/" in page and "Not for units" not in page


@pytest.mark.django_db
def test_the_battle_map_offers_assigning_a_task_on_a_unit_page(world: World) -> None:
    unit = world.units[0]
    expected = f"{reverse('tracking:task_create')}?lead_unit={unit.pk}"
    assert expected in [a.url for a in record_actions(world.user("staff"), unit)]
    assert expected not in [a.url for a in record_actions(world.user("unit0_staff"), unit)]
    assert expected not in [a.url for a in record_actions(world.user("sysadmin"), unit)]
