"""The organisation registry's menu entries."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from heli.accounts.models import RoleAssignment
from heli.accounts.policy import Action, can
from heli.lib.ui import MENU_ENTRIES, MENU_SECTIONS, MenuEntry, MenuSection
from heli.org.models import Unit


def _reads_registry(user: Any) -> bool:
    return can(user, Action.VIEW, Unit)


def register() -> None:
    MENU_SECTIONS.register(MenuSection("org", _("Organisation"), order=10))
    for entry in (
        MenuEntry(
            "org.units", _("Units"), "org:unit_list", "org", "bi-buildings", 10, _reads_registry
        ),
        MenuEntry(
            "org.groups", _("Groups"), "org:group_list", "org", "bi-diagram-3", 20, _reads_registry
        ),
        MenuEntry(
            "org.leads",
            _("Lead-unit rotation"),
            "org:leads",
            "org",
            "bi-arrow-repeat",
            30,
            lambda user: can(user, Action.MANAGE_LEADS, Unit),
        ),
        MenuEntry(
            "org.import",
            _("Import from Excel"),
            "org:import",
            "admin",
            "bi-file-earmark-spreadsheet",
            90,
            # The security administrator imports role grants on the same page.
            lambda user: can(user, Action.IMPORT, Unit) or can(user, Action.IMPORT, RoleAssignment),
        ),
    ):
        MENU_ENTRIES.register(entry)
