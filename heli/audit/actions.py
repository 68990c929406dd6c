"""Writing audit rows. Every area calls ``record``; nothing else writes the table."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpRequest

from heli.audit.models import AuditEvent
from heli.lib.http import client_ip
from heli.lib.sm import hmac_sm3

# Any constant: the advisory lock that serialises appends to the chain on PostgreSQL.
CHAIN_LOCK_ID = 0x48454C49


def audit_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode("utf-8")


def canonical(row: AuditEvent) -> bytes:
    """The bytes the MAC covers: every field but the MAC itself, in a fixed form."""
    fields = {
        "id": row.pk,
        "committee": row.committee_id,
        "created_at": row.created_at.astimezone(tz=None).isoformat(timespec="microseconds")
        if row.created_at
        else None,
        "user": row.user_id,
        "username": row.username,
        "source_ip": row.source_ip,
        "event": row.event,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_repr": row.object_repr,
        "result": row.result,
        "detail": row.detail,
        "prev_mac": row.prev_mac,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def compute_mac(row: AuditEvent) -> str:
    return hmac_sm3(audit_key(), canonical(row)).hex()


def record(
    event: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Model | None = None,
    result: str = AuditEvent.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
    committee: Any = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the audit chain.

    ``user`` defaults to the request's user; ``committee`` to the user's or the
    object's. ``obj`` fills the object columns; the explicit ones override it.
    """
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or str(obj)[:200]
    committee_id = getattr(committee, "pk", committee)
    if committee_id is None:
        committee_id = getattr(user, "committee_id", None) or getattr(obj, "committee_id", None)
    row = AuditEvent(
        committee_id=committee_id,
        user=user,
        username=(getattr(user, "username", "") or (detail or {}).get("username", ""))[:150],
        source_ip=client_ip(request) if request is not None else None,
        event=event,
        object_type=object_type[:100],
        object_id=object_id[:64],
        object_repr=object_repr[:200],
        result=result,
        detail=detail or {},
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").values_list("id", "mac").first()
        row.prev_mac = last[1] if last else ""
        # The id is part of what the MAC covers, so a row cannot be moved in the chain.
        row.pk = (last[0] + 1) if last else 1
        row.mac = compute_mac(row)
        row.save(force_insert=True)
    return row
