"""Who reads the audit log: the audit administrator alone (三员分立); no one changes it."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from heli.accounts import policy
from heli.accounts.models import Role
from heli.accounts.policy import Action, Rules, Scope
from heli.audit.models import AuditEvent


class AuditEventRules(Rules):
    """The auditor reads its committee's rows and the platform's rows that belong to no
    committee (sign-in attempts under unknown names, retention pruning)."""

    cross_committee = True

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not s.has(Role.AUDITOR):
            return qs.none()
        return qs.filter(Q(committee_id=s.committee_id) | Q(committee_id__isnull=True))

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        return action is Action.VIEW and s.has(Role.AUDITOR)


def register() -> None:
    policy.register(AuditEvent, AuditEventRules())
