"""No link on the registry's pages leads its viewer to a 404.

A unit's people see their group's page but not the other member units' pages: those
read as plain text. Whatever a page names that its viewer may not open is not a link.
"""

from __future__ import annotations

import datetime
import html
import re
from collections import deque

import pytest
from django.test import Client
from django.urls import reverse

from heli.org.models import Unit
from heli.testing import WORLD_USERS, World, verify_otp

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="([^"]*)"')


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    verify_otp(client, world.user(name))
    return client


def links(body: str) -> set[str]:
    return {html.unescape(h) for h in HREF.findall(body) if h.startswith("/")}


def unit_link(unit: Unit) -> str:
    return reverse("org:unit_detail", args=[unit.pk])


def test_a_group_page_names_the_units_its_viewer_may_not_open_as_plain_text(
    world: World,
) -> None:
    # units[2]'s secretary (not a lead unit) sees group 2 and its own unit, not units[3].
    own, other = world.units[2], world.units[3]
    client = client_for(world, "unit2_secretary")
    for url in (
        reverse("org:group_detail", args=[world.groups[1].pk]),
        reverse("org:group_list"),
    ):
        body = client.get(url).content.decode()
        assert unit_link(own) in links(body), url
        assert unit_link(other) not in links(body), url
        assert other.short_name in body, url  # named, as text
    assert client.get(unit_link(other)).status_code == 404
    # The committee's staff open every member unit.
    body = client_for(world, "staff").get(reverse("org:group_list")).content.decode()
    assert {unit_link(own), unit_link(other)} <= links(body)


def test_a_lead_units_secretary_opens_every_unit_of_its_group(world: World) -> None:
    client = client_for(world, "unit0_secretary")
    body = client.get(reverse("org:group_detail", args=[world.groups[0].pk])).content.decode()
    assert {unit_link(world.units[0]), unit_link(world.units[1])} <= links(body)


def test_a_unit_page_names_a_successor_its_viewer_may_not_open_as_plain_text(
    world: World,
) -> None:
    merged, successor = world.units[2], world.units[0]
    Unit.objects.filter(pk=merged.pk).update(
        status=Unit.Status.MERGED, status_date=datetime.date(2025, 12, 31), successor=successor
    )
    body = client_for(world, "unit2_staff").get(unit_link(merged)).content.decode()
    assert successor.name in body and unit_link(successor) not in links(body)
    body = client_for(world, "leader").get(unit_link(merged)).content.decode()
    assert unit_link(successor) in links(body)
    # And the other way round: the successor's people read the unit it was formed from.
    body = client_for(world, "unit0_staff").get(unit_link(successor)).content.decode()
    assert merged.name in body and unit_link(merged) not in links(body)


# The pages a crawl follows: the home page and the registry's. Links elsewhere are opened
# once, not followed.
FOLLOWED = re.compile(r"^/(\?.*)?$|^/org/")
NOT_OPENED = ("/static/", "/i18n/", "/accounts/logout/")


@pytest.mark.parametrize("name", [n for n in WORLD_USERS if n != "outsider"])
def test_no_link_on_the_registry_pages_leads_its_viewer_to_a_404(world: World, name: str) -> None:
    merged = world.units[3]  # formed the first unit: its people read a unit they cannot open
    Unit.objects.filter(pk=merged.pk).update(
        status=Unit.Status.MERGED, status_date=datetime.date(2025, 12, 31), successor=world.units[0]
    )
    client = client_for(world, name)
    seen = {"/"}
    queue = deque(["/"])
    while queue and len(seen) < 200:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code != 404, (name, url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for link in links(response.content.decode()):
            if link in seen or link.startswith(NOT_OPENED):
                continue
            seen.add(link)
            if FOLLOWED.match(link):
                queue.append(link)
            else:
                assert client.get(link).status_code != 404, (name, url, link)
    assert len(seen) > 1, name
