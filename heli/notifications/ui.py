"""The group robots' menu entry (system configuration, the system administrator's)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.lib.ui import MENU_ENTRIES, MenuEntry
from heli.notifications.models import WebhookRobot


def register() -> None:
    MENU_ENTRIES.register(
        MenuEntry(
            "notifications.robots",
            _("Group robots"),
            "notifications:robots",
            "admin",
            "bi-robot",
            40,
            lambda user: can(user, Action.CHANGE, WebhookRobot),
        )
    )
