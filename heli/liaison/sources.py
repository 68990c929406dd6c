"""The liaison area's task source: the matters raised in a contact (需要研究解决的具体问题)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.tracking import sources as task_sources
from heli.tracking.sources import TaskSource

CODE = "liaison"


def describe(contact: Any) -> str:
    return f"{contact.date:%Y-%m-%d} {contact.title}"[:200]


def url(contact: Any) -> str:
    return str(contact.get_absolute_url())


def matters_of(contact: Any) -> Any:
    """The tasks raised in a contact (its matters), withdrawn ones included."""
    from heli.tracking.models import Task

    return Task.objects.filter(
        committee_id=contact.committee_id, source_type="liaison.contact", source_id=contact.pk
    )


def on_closed(task: Any) -> None:
    """When the last open matter of a contact is closed, the contact says so."""
    from heli.liaison.models import Contact
    from heli.tracking.workflow import FINAL

    if task.source_type != "liaison.contact" or task.source_id is None:
        return
    contact = Contact.objects.filter(pk=task.source_id, committee_id=task.committee_id).first()
    if contact is None:
        return
    still_open = matters_of(contact).exclude(status__in=FINAL).exists()
    if not still_open and contact.matters_handled_at is None:
        Contact.objects.filter(pk=contact.pk).update(matters_handled_at=timezone.now())


def register() -> None:
    task_sources.register(
        TaskSource(
            code=CODE,
            label=_("Liaison contact"),
            model="liaison.contact",
            order=10,
            describe=describe,
            url=url,
            on_closed=on_closed,
        )
    )
