"""The audit chain: what each MAC covers, and proving that no row was changed or removed.

Every event's MAC is HMAC-SM3, keyed with ``AUDIT_HMAC_KEY``, over all of the row's
fields — its id and the MAC of the row before it (``prev_mac``) included. So:

* a changed row no longer matches its MAC (forging one needs the key);
* a row removed from the middle leaves a gap in the ids, and the next row's
  ``prev_mac`` names a row that is not there;
* rows swapped around no longer match, because the id is under the MAC;
* rows removed from the end leave a chain that is whole but short. The head anchor
  (``AuditAnchor``, one row with the last id and MAC under its own MAC) says where the
  chain ends; ``record()`` moves it in the same transaction as each event and the
  database triggers refuse to delete it or move it back. A removed tail shows as the
  anchor pointing past the last row — and since ``record()`` carries on from the anchor,
  not from whatever row is last, the next event leaves the gap in the chain for good.
  Replacing the anchor by an older copy of itself, together with the tail, is the one
  rewrite that only an outside copy of the head can show: ``audit_verify`` prints the
  head, and ``audit_verify --head ID:MAC`` checks a head noted earlier;
* rows removed from the start are allowed only to retention pruning, which appends an
  ``audit.pruned`` event naming the last removed row and its MAC. The verifier accepts
  a chain that starts after row 1 only when such an event vouches for its first row.
"""

from __future__ import annotations

import datetime
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from heli.audit import events, guards
from heli.audit.models import AuditAnchor, AuditEvent
from heli.lib.sm import hmac_sm3

ANCHOR_LABEL = "heli-audit-anchor"


def audit_key() -> bytes:
    return settings.AUDIT_HMAC_KEY.encode("utf-8")


def canonical(row: AuditEvent) -> bytes:
    """The bytes the MAC covers: every field but the MAC itself, in a fixed form.

    Times are written in UTC, so the MAC does not depend on the time zone setting.
    """
    created_at = row.created_at
    fields = {
        "id": row.pk,
        "committee": row.committee_id,
        "created_at": created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        if created_at
        else None,
        "user": row.user_id,
        "username": row.username,
        "source_ip": row.source_ip,
        "event": row.event,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "object_repr": row.object_repr,
        "result": str(row.result),
        "detail": row.detail,
        "prev_mac": row.prev_mac,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")


def compute_mac(row: AuditEvent, key: bytes | None = None) -> str:
    return hmac_sm3(key or audit_key(), canonical(row)).hex()


def anchor_mac(last_id: int, last_mac: str, key: bytes | None = None) -> str:
    """The anchor's own MAC; the label keeps it apart from any event's MAC."""
    message = f"{ANCHOR_LABEL}|{last_id}|{last_mac}".encode()
    return hmac_sm3(key or audit_key(), message).hex()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass
class Report:
    """What ``verify`` found: a summary, and the first problem if there is one."""

    rows: int = 0
    first_id: int | None = None
    last_id: int | None = None
    last_mac: str = ""
    first_at: datetime.datetime | None = None
    last_at: datetime.datetime | None = None
    pruned_by: int | None = None  # id of the audit.pruned event vouching for the start
    problem_id: int | None = None
    problem: str = ""
    guards: bool | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem


class _Broken(Exception):
    def __init__(self, row_id: int | None, message: str) -> None:
        super().__init__(message)
        self.row_id = row_id
        self.message = message


def _vouches(row: AuditEvent, first: AuditEvent) -> bool:
    if row.event != events.AUDIT_PRUNED or not isinstance(row.detail, dict):
        return False
    return row.detail.get("last_removed_id") == first.pk - 1 and _same(
        str(row.detail.get("last_removed_mac", "")), first.prev_mac
    )


def verify(
    *,
    key: bytes | None = None,
    head: tuple[int, str] | None = None,
    chunk_size: int = 2000,
) -> Report:
    """Recompute every MAC in id order and check the links, the start and the end.

    ``head`` is an (id, MAC) pair noted earlier (``audit_verify`` prints it): the chain
    must still hold that row unchanged, unless retention pruning removed it since.
    """
    key = key or audit_key()
    report = Report(guards=guards.installed(connection))
    try:
        _walk(report, key, chunk_size)
        _check_anchor(report, key)
        if head is not None:
            _check_head(report, head)
    except _Broken as broken:
        report.problem_id = broken.row_id
        report.problem = broken.message
    return report


def _walk(report: Report, key: bytes, chunk_size: int) -> None:
    previous: AuditEvent | None = None
    first: AuditEvent | None = None
    vouched = False
    after = 0
    while True:
        chunk = list(AuditEvent.objects.filter(pk__gt=after).order_by("pk")[:chunk_size])
        if not chunk:
            break
        for row in chunk:
            if not _same(compute_mac(row, key), row.mac):
                raise _Broken(
                    row.pk,
                    f"第 {row.pk} 条审计记录与它的 MAC 不符：这条记录写入后被修改过，"
                    "或者校验用的审计密钥（AUDIT_HMAC_KEY）不是写入时的密钥。",
                )
            if previous is None:
                first = row
                vouched = row.pk == 1 and row.prev_mac == ""
            else:
                if row.pk != previous.pk + 1:
                    missing = (
                        f"第 {previous.pk + 1} 条"
                        if row.pk == previous.pk + 2
                        else f"第 {previous.pk + 1} 至 {row.pk - 1} 条"
                    )
                    raise _Broken(
                        row.pk,
                        f"审计记录{missing}缺失：第 {previous.pk} 条与第 {row.pk} 条之间的记录"
                        "被删除了。",
                    )
                if not _same(row.prev_mac, previous.mac):
                    raise _Broken(
                        row.pk,
                        f"第 {row.pk} 条审计记录与前一条（第 {previous.pk} 条）链接不上："
                        "前一条被替换过，或者记录被调换了位置。",
                    )
            if first is not None and not vouched and _vouches(row, first):
                vouched = True
                report.pruned_by = row.pk
            if row.event == events.AUDIT_ANCHOR_RESET:
                raise _Broken(
                    row.pk,
                    f"第 {row.pk} 条审计记录表明：写入它时审计链头（AuditAnchor）不见了，"
                    "此前末尾的审计记录可能被删除过。",
                )
            report.rows += 1
            previous = row
        after = chunk[-1].pk
    if first is None or previous is None:
        return
    if not vouched:
        raise _Broken(
            first.pk,
            f"最早的一条审计记录是第 {first.pk} 条，它之前的记录被删除了，"
            "而且没有一条审计日志清理记录（audit.pruned）为此作证。",
        )
    report.first_id, report.last_id, report.last_mac = first.pk, previous.pk, previous.mac
    report.first_at, report.last_at = first.created_at, previous.created_at


def _check_anchor(report: Report, key: bytes) -> None:
    anchor = AuditAnchor.objects.filter(pk=1).first()
    if anchor is None:
        if report.rows:
            raise _Broken(
                None,
                "审计链头（AuditAnchor）不见了：无法确认末尾的审计记录没有被删除。",
            )
        return
    if not _same(anchor_mac(anchor.last_id, anchor.last_mac, key), anchor.mac):
        raise _Broken(None, "审计链头（AuditAnchor）与它的 MAC 不符：链头被改动过。")
    last_id = report.last_id or 0
    if anchor.last_id > last_id:
        removed = (
            f"第 {last_id + 1} 条"
            if anchor.last_id == last_id + 1
            else f"第 {last_id + 1} 至 {anchor.last_id} 条"
        )
        raise _Broken(
            anchor.last_id,
            f"审计链头指向第 {anchor.last_id} 条，但日志里最后一条是第 {last_id} 条："
            f"末尾的{removed}审计记录被删除了。",
        )
    if anchor.last_id < last_id or not _same(anchor.last_mac, report.last_mac):
        raise _Broken(
            last_id,
            f"审计链头（指向第 {anchor.last_id} 条）与日志里最后一条（第 {last_id} 条）"
            "对不上：链头被回退过，或者最后的记录被替换过。",
        )


def _check_head(report: Report, head: tuple[int, str]) -> None:
    head_id, head_mac = head
    last_id = report.last_id or 0
    if head_id > last_id:
        raise _Broken(
            head_id,
            f"之前记下的链头是第 {head_id} 条，但日志里最后一条是第 {last_id} 条："
            "此后末尾的审计记录被删除了（连同链头一起被回退）。",
        )
    if report.first_id is not None and head_id < report.first_id:
        report.notes.append(
            f"之前记下的链头第 {head_id} 条已按保留期限清理，无法再比对（清理有记录作证）。"
        )
        return
    row = AuditEvent.objects.filter(pk=head_id).values_list("mac", flat=True).first()
    if row is None or not _same(row, head_mac):
        raise _Broken(
            head_id,
            f"之前记下的链头第 {head_id} 条与日志里的同号记录不符：此后的审计记录被整体改写过。",
        )


def anchor_values(last_id: int, last_mac: str) -> dict[str, Any]:
    """The anchor's fields for a chain that ends at ``last_id`` / ``last_mac``."""
    return {"last_id": last_id, "last_mac": last_mac, "mac": anchor_mac(last_id, last_mac)}
