"""What the contacts bring to the shared pages: the menu section "liaison" (沟通联系) with
the contact list and "record a contact", the button on a unit's page, and a home card for
a unit's people with their unit's recent contacts and open matters."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can, scope_of, visible
from heli.liaison.models import Contact
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    MENU_SECTIONS,
    RECORD_ACTIONS,
    HomeCard,
    MenuEntry,
    MenuSection,
    RecordAction,
)

# How many recent contacts and open matters the home card names.
HOME_CONTACTS = 5
HOME_MATTERS = 5


def sees_contacts(user: Any) -> bool:
    return can(user, Action.VIEW, Contact)


def records_contacts(user: Any) -> bool:
    return can(user, Action.CHANGE, Contact)


def _record_with_unit(user: Any, unit: Any) -> str:
    if not records_contacts(user) or not unit.is_active:
        return ""
    return f"{reverse('liaison:contact_create')}?unit={unit.pk}"


def unit_card(request: Any) -> dict[str, Any] | None:
    """A unit's people: their unit's latest contacts and the matters still open (fixed
    number of queries). Committee people have the list and the board instead."""
    from django.utils import timezone

    from heli.accounts.models import ADMIN_ROLES
    from heli.liaison.access import READERS
    from heli.tracking.models import Task
    from heli.tracking.workflow import FINAL

    s = scope_of(request.user)
    if not s.unit_ids or s.roles & (READERS | ADMIN_ROLES):
        return None
    contacts = list(visible(request.user, Contact).order_by("-date", "-id")[:HOME_CONTACTS])
    reached = visible(request.user, Contact).values("pk")
    matters = list(
        visible(request.user, Task)
        .filter(source_type="liaison.contact", source_id__in=reached, lead_unit_id__in=s.unit_ids)
        .exclude(status__in=FINAL)
        .select_related("lead_unit")
        .order_by("deadline", "id")[:HOME_MATTERS]
    )
    if not contacts and not matters:
        return None
    return {
        "contacts": contacts,
        "matters": matters,
        "today": timezone.localdate(),
        "list_url": reverse("liaison:contact_list"),
    }


def register() -> None:
    # Just before the battle map's section (order 40).
    MENU_SECTIONS.register(MenuSection("liaison", _("Liaison"), order=30))
    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.contacts",
            _("Contact records"),
            "liaison:contact_list",
            "liaison",
            "bi-chat-left-text",
            10,
            sees_contacts,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.contact_create",
            _("Record a contact"),
            "liaison:contact_create",
            "liaison",
            "bi-journal-plus",
            20,
            records_contacts,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "liaison.record_contact",
            "org.unit",
            _("Record a liaison contact with this unit"),
            _record_with_unit,
            icon="bi-chat-left-text",
            order=20,
        )
    )
    HOME_CARDS.register(
        HomeCard("liaison.unit_contacts", "liaison/contact_home_card.html", unit_card, 30)
    )
