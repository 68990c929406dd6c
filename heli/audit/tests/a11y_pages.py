"""The audit log's pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

from heli.audit.models import AuditEvent
from heli.testing import AuditedPage


def an_event() -> list[int]:
    event = AuditEvent.objects.order_by("-pk").first()
    assert event is not None, "the demonstration has written no audit event"
    return [event.pk]


PAGES = [
    AuditedPage("audit:event_list"),
    AuditedPage("audit:event_list", query="event=login.success", note="filtered"),
    AuditedPage("audit:event_detail", an_event),
]

NOT_PAGES = {"audit:event_export": "a download of the log (Excel or CSV)"}
