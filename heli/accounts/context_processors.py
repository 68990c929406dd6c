"""Template context shared by every page: the left menu and the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from heli.accounts.models import Role
from heli.accounts.policy import scope_of
from heli.lib.ui import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    labels = dict(Role.choices)
    gated = bool(getattr(request, "heli_gated", False))
    return {
        "committee": getattr(request, "committee", None),
        "my_roles": [labels[r] for r in Role.values if r in scope.roles],
        # Signed in but a step remains (code, enrolment, new password): no menu until done.
        "gated": gated,
        # Built only when a page renders the menu (htmx fragments do not).
        "menu": [] if gated else SimpleLazyObject(lambda: menu_for(user, request.path)),
    }
