"""Who sees notifications and group robots."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from heli.accounts import policy
from heli.accounts.models import Role
from heli.accounts.policy import Action, Rules, Scope
from heli.notifications.models import Notification, WebhookRobot


class NotificationRules(Rules):
    """A person's notifications are theirs alone, whatever their roles."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.filter(recipient_id=user.pk)


class RobotRules(Rules):
    """Group robots are system configuration: the system administrator's (三员分立)."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if s.has(Role.SYSADMIN) else qs.none()

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and s.has(Role.SYSADMIN)

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        return action in (Action.VIEW, Action.CHANGE) and s.has(Role.SYSADMIN)


def register() -> None:
    policy.register(Notification, NotificationRules())
    policy.register(WebhookRobot, RobotRules())
