"""Panels one area adds to another area's record page (``RECORD_PANELS``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.lib.ui import RECORD_PANELS, RecordPanel, record_panels
from heli.testing import World

pytestmark = pytest.mark.django_db

TEMPLATE = "sample_area/unit_panel.html"


def _for_office(request: Any, unit: Any) -> dict[str, Any] | None:
    if request.user.username != "office":
        return None
    return {
        "note": f"sample note on {unit.name}",
        "more_url": f"/sample/{unit.pk}/",
        "more_label": "All the samples",
    }


def _titled(request: Any, unit: Any) -> dict[str, Any] | None:
    return {"title": f"Samples of {unit.short_name}", "note": "titled"}


PANELS = (
    RecordPanel("sample.second", "org.unit", "Second panel", TEMPLATE, _for_office, order=20),
    RecordPanel("sample.first", "org.unit", "First panel", TEMPLATE, _for_office, order=1),
    RecordPanel("sample.group", "org.group", "Not for units", TEMPLATE, _for_office),
    RecordPanel("sample.titled", "org.unit", "Untitled", TEMPLATE, _titled, order=30),
)


def test_a_record_page_shows_the_panels_registered_for_its_kind_in_order(
    client: Client, world: World
) -> None:
    unit = world.units[0]
    with RECORD_PANELS.only(*PANELS):
        client.force_login(world.user("office"))
        page = client.get(reverse("org:unit_detail", args=[unit.pk])).content.decode()
    assert page.count(f"sample note on {unit.name} · office") == 2
    assert page.index("First panel") < page.index("Second panel")
    assert "Not for units" not in page
    # Each under its own heading, with the link its context names.
    assert '<h2 class="h6 mb-0 flex-grow-1" id="panel-samplefirst-title">First panel</h2>' in page
    assert f'href="/sample/{unit.pk}/">All the samples</a>' in page
    # A panel's context may name its heading for this record.
    assert f"Samples of {unit.short_name}" in page and "Untitled" not in page


def test_a_panel_with_nothing_for_this_person_is_left_out(client: Client, world: World) -> None:
    unit = world.units[0]
    with RECORD_PANELS.only(*PANELS):
        client.force_login(world.user("leader"))
        page = client.get(reverse("org:unit_detail", args=[unit.pk])).content.decode()
        assert "First panel" not in page and "sample note" not in page
        assert "titled · leader" in page

        class Request:
            user = world.user("office")

        shown = record_panels(Request(), unit)
        assert [(p.code, p.title) for p in shown] == [
            ("sample.first", "First panel"),
            ("sample.second", "Second panel"),
            ("sample.titled", f"Samples of {unit.short_name}"),
        ]
        assert record_panels(Request(), world.groups[0])[0].code == "sample.group"


def test_adding_a_panel_keeps_the_areas_own(world: World) -> None:
    class Request:
        user = world.user("office")

    before = [p.code for p in record_panels(Request(), world.units[0])]
    assert "tracking.unit_tasks" in before
    with RECORD_PANELS.adding(PANELS[1]):
        assert [p.code for p in record_panels(Request(), world.units[0])] == [
            "sample.first",
            *before,
        ]
    assert [p.code for p in record_panels(Request(), world.units[0])] == before


def test_a_group_page_shows_the_panels_registered_for_groups(client: Client, world: World) -> None:
    group = world.groups[0]
    with RECORD_PANELS.only(*PANELS):
        client.force_login(world.user("office"))
        page = client.get(reverse("org:group_detail", args=[group.pk])).content.decode()
        assert f"sample note on {group.name} · office" in page and "Not for units" in page
        assert "First panel" not in page
        client.force_login(world.user("leader"))
        page = client.get(reverse("org:group_detail", args=[group.pk])).content.decode()
        assert "Not for units" not in page
