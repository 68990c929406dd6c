"""Optimistic locking: a save names the version it started from, and loses if it is stale."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STALE_MESSAGE = _(
    "Someone else changed this record while you were editing it. Your changes were not "
    "saved: open the record again to see the current version, then make your changes again."
)


class StaleEdit(ValidationError):
    """The record changed since the form was opened; the first save is kept."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE, code="stale")


def update_versioned(instance: Model, version: int, changes: dict[str, Any]) -> None:
    """Write ``changes`` only if the row is still at ``version``; bump the version.

    One UPDATE with the version in its WHERE clause, so two concurrent saves cannot
    both win. On success ``instance`` is refreshed with the new values.
    """
    model = type(instance)
    extra: dict[str, Any] = {"version": F("version") + 1}
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        extra["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=instance.pk, version=version).update(
        **changes, **extra
    )
    if updated != 1:
        raise StaleEdit()
    instance.refresh_from_db()


def diff(instance: Model, changes: dict[str, Any]) -> dict[str, list[Any]]:
    """Field → [old, new] for the fields that change, for the audit log."""
    result = {}
    for name, new in changes.items():
        old = getattr(instance, name)
        if hasattr(old, "pk"):
            old = old.pk
        if hasattr(new, "pk"):
            new = new.pk
        if old != new:
            result[name] = [_plain(old), _plain(new)]
    return result


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
