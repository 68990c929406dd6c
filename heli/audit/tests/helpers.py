"""Helpers of the audit tests: write events, and tamper with the table as an attacker would."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction

from heli.audit import actions, events, guards
from heli.audit.models import AuditEvent


def write(n: int, **kwargs: Any) -> list[AuditEvent]:
    return [
        actions.record(events.RECORD_UPDATED, object_repr=f"记录{i}", **kwargs) for i in range(n)
    ]


@contextmanager
def tampering() -> Iterator[Any]:
    """A cursor with the append-only triggers off, as a database owner could have it."""
    with transaction.atomic(), guards.lifted(connection), connection.cursor() as cursor:
        yield cursor


@contextmanager
def clock(moment: datetime.datetime, monkeypatch: Any) -> Iterator[None]:
    """Events recorded inside are stamped ``moment`` (the chain stamps them itself)."""
    with monkeypatch.context() as patch:
        patch.setattr(actions, "now", lambda: moment)
        yield


def ids() -> list[int]:
    return list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True))
