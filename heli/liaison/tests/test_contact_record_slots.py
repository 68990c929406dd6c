"""A contact's page offers the buttons and panels other areas register for contacts
(``RECORD_ACTIONS`` and ``RECORD_PANELS`` with target "liaison.contact"), to the people
they are meant for."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from heli.liaison.tests.contact_helpers import make_contact
from heli.lib.ui import RECORD_ACTIONS, RECORD_PANELS, RecordAction, RecordPanel
from heli.testing import World

pytestmark = pytest.mark.django_db


def _for_office(user: Any, contact: Any) -> str:
    return f"/elsewhere/from-contact/{contact.pk}/" if user.username == "office" else ""


def _panel(request: Any, contact: Any) -> dict[str, Any] | None:
    return {"note": f"about {contact.title}"} if request.user.username == "office" else None


ACTION = RecordAction("sample.contact", "liaison.contact", "Take it further", _for_office)
PANEL = RecordPanel(
    "sample.contact", "liaison.contact", "From elsewhere", "sample_area/unit_panel.html", _panel
)


def test_the_contact_page_shows_what_other_areas_add(client: Client, world: World) -> None:
    contact = make_contact(world)
    with RECORD_ACTIONS.adding(ACTION), RECORD_PANELS.adding(PANEL):
        client.force_login(world.user("office"))
        page = client.get(contact.get_absolute_url()).content.decode()
        assert f'href="/elsewhere/from-contact/{contact.pk}/"' in page
        assert "Take it further" in page
        assert "From elsewhere" in page and f"about {contact.title} · office" in page
        client.force_login(world.user("staff"))
        page = client.get(contact.get_absolute_url()).content.decode()
        assert "/elsewhere/from-contact/" not in page and "From elsewhere" not in page
