"""Template helpers of the audit log."""

from __future__ import annotations

from typing import Any

from django import template

from heli.accounts.policy import Action, can
from heli.audit.models import AuditEvent

register = template.Library()


@register.filter
def reads_audit_log(user: Any) -> bool:
    """Whether the menu shows the audit log: the audit administrator's alone."""
    return can(user, Action.VIEW, AuditEvent)
