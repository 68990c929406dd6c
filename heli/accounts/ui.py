"""The home page's menu entry and the administration section of the menu."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from heli.accounts.models import User
from heli.accounts.policy import Action, can
from heli.lib.ui import MENU_ENTRIES, MENU_SECTIONS, MenuEntry, MenuSection
from heli.org.models import Committee


def _keeps_accounts(user: Any) -> bool:
    return can(user, Action.MANAGE_ACCOUNTS, User) or can(user, Action.MANAGE_ROLES, User)


def _keeps_security(user: Any) -> bool:
    return can(user, Action.MANAGE_SECURITY, Committee)


def register() -> None:
    MENU_SECTIONS.register(MenuSection("admin", _("Administration"), order=90))
    for entry in (
        MenuEntry("home", _("Home"), "home", "", "bi-house", 0, exact=True),
        MenuEntry(
            "accounts.people",
            _("Accounts"),
            "accounts:people",
            "admin",
            "bi-people",
            10,
            _keeps_accounts,
        ),
        MenuEntry(
            "accounts.lockouts",
            _("Sign-in lockouts"),
            "accounts:lockouts",
            "admin",
            "bi-lock",
            20,
            _keeps_security,
        ),
        MenuEntry(
            "accounts.sign_in_checks",
            _("Sign-ins to confirm"),
            "accounts:sign_in_checks",
            "admin",
            "bi-person-check",
            25,
            _keeps_security,
        ),
        MenuEntry(
            "accounts.security_policy",
            _("Security policy"),
            "accounts:security_policy",
            "admin",
            "bi-shield-lock",
            30,
            _keeps_security,
        ),
    ):
        MENU_ENTRIES.register(entry)
