"""The audit log's menu entry: the audit administrator's alone."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.audit.models import AuditEvent
from heli.lib.exports import EXPORTS, ExportKind
from heli.lib.ui import MENU_ENTRIES, MENU_SECTIONS, MenuEntry, MenuSection


def _reads_audit_log(user: object) -> bool:
    return can(user, Action.VIEW, AuditEvent)


def register() -> None:
    MENU_SECTIONS.register(MenuSection("audit", _("Security audit"), order=95))
    MENU_ENTRIES.register(
        MenuEntry(
            "audit.events",
            _("Audit log"),
            "audit:event_list",
            "audit",
            "bi-journal-check",
            10,
            _reads_audit_log,
        )
    )
    EXPORTS.register(
        ExportKind(
            "audit.events",
            _("Audit log"),
            "audit:event_export",
            formats=("xlsx", "csv"),
            order=95,
            shown_to=_reads_audit_log,
            format_in_url=True,
        )
    )
