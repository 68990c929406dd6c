"""Writing audit rows. Every area calls ``record``; nothing else writes the table.

Call ``record`` inside the transaction of the change it describes, as its last step:
the row then exists exactly when the change does. Appends are serialised (each row
names the one before it), so the chain's lock is held until that transaction ends.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
from typing import Any, NoReturn

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.utils.timezone import now

from heli.audit import events, guards
from heli.audit.chain import anchor_values, audit_key, canonical, compute_mac
from heli.audit.models import AuditAnchor, AuditEvent
from heli.lib.http import client_ip
from heli.lib.middleware import current_request

__all__ = [
    "audit_key",
    "canonical",
    "compute_mac",
    "prune",
    "record",
    "record_denial",
    "record_hidden_lookup",
]

# Any constant: the advisory lock that serialises appends to the chain on PostgreSQL.
CHAIN_LOCK_ID = 0x48454C49


def _plain_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """The detail as it will read back from the database (dates as text, keys as strings).

    The MAC is computed before the row is saved and checked after it is read back, so
    both must see the same JSON.
    """
    if not detail:
        return {}
    plain = json.loads(
        json.dumps(detail, cls=DjangoJSONEncoder, ensure_ascii=False),
        parse_float=_number,
        parse_constant=str,  # NaN and Infinity are not JSON: kept as words
    )
    if not isinstance(plain, dict):
        raise TypeError("audit detail must be a dict")
    return _without_nul(plain)


def _without_nul(value: Any) -> Any:
    """PostgreSQL stores no NUL character; an attacker's input may hold one."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _number(text: str) -> int | float:
    """A whole float as an int: PostgreSQL's jsonb gives 1e20 back as 100000000000000000000."""
    value = float(text)
    return int(value) if value.is_integer() else value


def _address(request: HttpRequest | None) -> tuple[str | None, str]:
    """The client address in the form the database returns it, and the raw value if odd."""
    raw = client_ip(request) if request is not None else None
    if not raw:
        return None, ""
    try:
        return str(ipaddress.ip_address(raw)), ""
    except ValueError:
        return None, raw[:100]


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

    ``request`` defaults to the request being served (so the source address is filled
    in even by code far from the view); ``user`` to the request's user; ``committee``
    to the user's or the object's. ``obj`` fills the object columns; the explicit ones
    override it. Never pass a password or a secret in ``detail``.
    """
    if request is None:
        request = current_request.get()
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk or "")
        object_repr = object_repr or str(obj)
    committee_id = getattr(committee, "pk", committee)
    if committee_id is None:
        committee_id = getattr(user, "committee_id", None) or getattr(obj, "committee_id", None)
    detail = _plain_detail(detail)
    source_ip, odd_address = _address(request)
    if odd_address:
        detail["source_address_unparsed"] = odd_address
    username = str(getattr(user, "username", "") or detail.get("username", ""))
    row = AuditEvent(
        committee_id=committee_id,
        user=user,
        username=_without_nul(username)[:150],
        source_ip=source_ip,
        event=event,
        object_type=object_type[:100],
        object_id=_without_nul(str(object_id))[:64],
        object_repr=_without_nul(object_repr)[:200],
        result=str(result),
        detail=detail,
    )
    with transaction.atomic():
        _append(row)
    return row


def _append(row: AuditEvent) -> None:
    """Give the row its place in the chain (after the anchor) and save it with its MAC."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    anchor = AuditAnchor.objects.select_for_update().filter(pk=1).first()
    last = AuditEvent.objects.order_by("-pk").values_list("pk", "mac").first()
    if anchor is None and last is not None:
        # Rows but no head: someone removed it. Say so in the chain, where it stays.
        anchor = AuditAnchor(pk=1, **anchor_values(last[0], last[1]))
        anchor.save(force_insert=True)
        reset = AuditEvent(
            event=events.AUDIT_ANCHOR_RESET,
            result=AuditEvent.Result.FAILURE,
            detail={"last_id": last[0]},
        )
        _link(reset, last[0], last[1], anchor)
    if anchor is None:
        _link(row, 0, "", None)
        return
    # Carry on from the anchor, not from the last row: if rows were removed from the end,
    # the gap stays in the chain. If the anchor lags behind (put back by hand), carry on
    # from the last row so that no event is refused; the verifier reports the anchor.
    last_id, last_mac = anchor.last_id, anchor.last_mac
    if last is not None and last[0] > last_id:
        last_id, last_mac = last
    _link(row, last_id, last_mac, anchor)


def _link(row: AuditEvent, last_id: int, last_mac: str, anchor: AuditAnchor | None) -> None:
    row.pk = last_id + 1
    row.prev_mac = last_mac
    # Stamped under the lock, so times never go backwards along the chain.
    row.created_at = now()
    row.mac = compute_mac(row)
    row.save(force_insert=True)
    values = anchor_values(row.pk, row.mac)
    if anchor is None:
        AuditAnchor.objects.create(pk=1, updated_at=row.created_at, **values)
    else:
        for name, value in values.items():
            setattr(anchor, name, value)
        anchor.updated_at = row.created_at
        anchor.save(update_fields=[*values, "updated_at"])


def record_denial(
    action: str,
    *,
    request: HttpRequest | None = None,
    user: Any = None,
    obj: Model | None = None,
    model: type[Model] | None = None,
) -> AuditEvent:
    """Record that the policy refused ``action`` on ``obj`` (or on a kind of object).

    Call it just before raising the 404 that the user sees.
    """
    if request is None:
        request = current_request.get()
    detail: dict[str, Any] = {"action": str(action)}
    if request is not None:
        detail["path"] = request.path[:200]
        detail["method"] = request.method or ""
    return record(
        events.PERMISSION_DENIED,
        request=request,
        user=user,
        obj=obj,
        object_type=model._meta.label_lower if model is not None else "",
        result=AuditEvent.Result.DENIED,
        detail=detail,
    )


def record_hidden_lookup(
    user: Any, model: type[Model], pk: Any, action: str = "view"
) -> AuditEvent | None:
    """After a lookup found nothing the user may see: if the object exists in the user's
    own committee, the policy refused it — record that. Other ids (missing, or another
    committee's) are not the user's business and are not recorded.
    """
    committee_id = getattr(user, "committee_id", None)
    if committee_id is None or not any(f.name == "committee" for f in model._meta.fields):
        return None
    try:
        hidden = model._default_manager.filter(pk=pk, committee_id=committee_id).first()
    except (TypeError, ValueError):
        return None
    if hidden is None:
        return None
    return record_denial(action, user=user, obj=hidden)


# --- Retention -----------------------------------------------------------------------


def retention_message(days: int) -> str:
    return (
        f"审计记录至少要保存 {guards.MINIMUM_RETENTION_DAYS} 天（六个月，等级保护的要求），"
        f"不能只保留 {days} 天。请给出不少于 {guards.MINIMUM_RETENTION_DAYS} 的天数。"
        f" / Audit records are kept at least {guards.MINIMUM_RETENTION_DAYS} days."
    )


def check_retention_days(days: int) -> None:
    if days < guards.MINIMUM_RETENTION_DAYS:
        raise ValueError(retention_message(days))


def _database_now() -> datetime.datetime:
    """The database's clock: the triggers judge a row's age by it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            value: datetime.datetime = cursor.fetchone()[0]
            return value
    return now()


@transaction.atomic
def prune(days: int, *, dry_run: bool = False) -> dict[str, Any]:
    """Remove the events older than ``days`` days from the start of the chain.

    Only a prefix of the chain goes (everything before the first row young enough to
    keep), and an ``audit.pruned`` event, appended in the same transaction, names the
    last removed row and its MAC so the verifier accepts the shorter chain.
    """
    check_retention_days(days)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    cutoff = _database_now() - datetime.timedelta(days=days)
    first = AuditEvent.objects.order_by("pk").values_list("pk", flat=True).first()
    keep_from = (
        AuditEvent.objects.filter(created_at__gte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if keep_from is None:
        last = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        upto = last
    else:
        upto = keep_from - 1
    summary: dict[str, Any] = {"days": days, "cutoff": cutoff.isoformat(), "removed": 0}
    if first is None or upto is None or upto < first:
        return summary
    last_removed_mac = AuditEvent.objects.values_list("mac", flat=True).get(pk=upto)
    summary.update(first_removed_id=first, last_removed_id=upto, last_removed_mac=last_removed_mac)
    if dry_run:
        summary["removed"] = upto - first + 1
        return summary
    with guards.prune_permitted(connection):
        removed, _by_model = AuditEvent.objects.filter(pk__lte=upto).delete()
    summary["removed"] = removed
    record(events.AUDIT_PRUNED, committee=None, user=None, detail=summary)
    return summary


def deny(
    action: str,
    *,
    request: HttpRequest | None = None,
    obj: Model | None = None,
    model: type[Model] | None = None,
) -> NoReturn:
    """Record that the policy refused ``action``, then answer 404 (never 403)."""
    record_denial(action, request=request, obj=obj, model=model)
    raise Http404
