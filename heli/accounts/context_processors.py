"""Template context shared by every page: the left menu and the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from heli.accounts.models import Role, User
from heli.accounts.policy import Action, can, scope_of
from heli.notifications.models import WebhookRobot
from heli.org.models import Committee, Unit


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    scope = scope_of(user)
    labels = dict(Role.choices)
    context = {
        "committee": getattr(request, "committee", None),
        "my_roles": [labels[r] for r in Role.values if r in scope.roles],
        "gated": False,
        "nav": {
            "units": can(user, Action.VIEW, Unit),
            "groups": can(user, Action.VIEW, Unit),
            "leads": can(user, Action.MANAGE_LEADS, Unit),
            "import": can(user, Action.IMPORT, Unit),
            "people": can(user, Action.MANAGE_ACCOUNTS, User)
            or can(user, Action.MANAGE_ROLES, User),
            "security": can(user, Action.MANAGE_SECURITY, Committee),
            "robots": can(user, Action.CHANGE, WebhookRobot),
        },
    }
    # The bell's unread count: one query, run only when a page renders it.
    context["unread_notifications"] = SimpleLazyObject(lambda: _unread_count(user))
    if getattr(request, "heli_gated", False):
        # Signed in but a step remains (code, enrolment, new password): no menu until done.
        context["gated"] = True
        context["nav"] = {}
    return context


def _unread_count(user: Any) -> int:
    from heli.notifications.models import Notification

    count: int = Notification.objects.filter(
        recipient_id=user.pk, committee_id=user.committee_id, read_at__isnull=True
    ).count()
    return count
