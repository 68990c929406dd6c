"""The HMAC-SM3 chain proves that no audit row was edited, removed or moved."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from heli.audit import actions, chain, events
from heli.audit.models import AuditAnchor, AuditEvent
from heli.audit.tests.helpers import ids, tampering, write

pytestmark = pytest.mark.django_db


def test_a_clean_chain_verifies(db: None) -> None:
    write(5)
    report = chain.verify()
    assert report.ok, report.problem
    assert (report.rows, report.first_id, report.last_id) == (5, 1, 5)
    assert report.guards is True  # the append-only triggers are in place here too


def test_audit_chain_detects_an_edited_row(db: None) -> None:
    write(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_repr = %s WHERE id = 3", ["改过"])
    report = chain.verify()
    assert not report.ok
    assert report.problem_id == 3
    assert "第 3 条审计记录与它的 MAC 不符" in report.problem


def test_audit_chain_detects_an_edited_result(db: None) -> None:
    write(3, result=AuditEvent.Result.DENIED)
    with tampering():
        AuditEvent.objects.filter(pk=2).update(result=AuditEvent.Result.SUCCESS)
    assert chain.verify().problem_id == 2


def test_audit_chain_detects_a_deleted_middle_row(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk=3).delete()
    report = chain.verify()
    assert report.problem_id == 4
    assert "审计记录第 3 条缺失" in report.problem


def test_audit_chain_detects_a_deleted_middle_row_even_when_the_ids_are_closed_up(
    db: None,
) -> None:
    write(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = 3")
        for old, new in ((4, 3), (5, 4)):
            cursor.execute("UPDATE audit_auditevent SET id = %s WHERE id = %s", [new, old])
    report = chain.verify()
    assert report.problem_id == 3  # its MAC covers id 4
    assert "MAC 不符" in report.problem


def test_audit_chain_detects_deleted_last_rows(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk__gte=4).delete()
    report = chain.verify()
    assert not report.ok
    assert "末尾的第 4 至 5 条审计记录被删除了" in report.problem


def test_a_truncated_tail_stays_visible_after_the_next_event(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk=5).delete()
    row = actions.record(events.LOGOUT)
    # The chain carries on from its head, not from what is left: the gap stays.
    assert row.pk == 6
    assert ids() == [1, 2, 3, 4, 6]
    report = chain.verify()
    assert report.problem_id == 6
    assert "审计记录第 5 条缺失" in report.problem


def test_audit_chain_detects_a_tail_removed_together_with_its_anchor(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk=5).delete()
        AuditAnchor.objects.all().delete()
    assert "审计链头（AuditAnchor）不见了" in chain.verify().problem
    # Writing on does not hide it: the chain says the head was missing.
    row = actions.record(events.LOGOUT)
    assert AuditEvent.objects.get(pk=5).event == events.AUDIT_ANCHOR_RESET
    assert row.pk == 6
    report = chain.verify()
    assert report.problem_id == 5
    assert "审计链头（AuditAnchor）不见了" in report.problem


def test_audit_chain_detects_an_anchor_moved_back_with_the_tail(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk=5).delete()
        # A forged anchor at row 4 needs the key; without it the MAC gives it away.
        AuditAnchor.objects.update(last_id=4, last_mac=AuditEvent.objects.get(pk=4).mac)
    assert "链头被改动过" in chain.verify().problem


def test_a_head_noted_outside_catches_a_replayed_anchor(db: None) -> None:
    write(4)
    old_anchor = AuditAnchor.objects.values("last_id", "last_mac", "mac").get()
    write(2)
    noted = chain.verify()
    assert noted.ok
    head = (noted.last_id or 0, noted.last_mac)
    with tampering():
        # Someone kept a copy of the anchor and puts it back after removing the tail.
        AuditEvent.objects.filter(pk__gt=4).delete()
        AuditAnchor.objects.update(**old_anchor)
    assert chain.verify().ok  # inside the database nothing shows
    report = chain.verify(head=head)
    assert not report.ok
    assert "之前记下的链头是第 6 条" in report.problem


def test_audit_chain_detects_reordered_rows(db: None) -> None:
    write(4)
    fields = ["created_at", "username", "event", "object_repr", "detail", "prev_mac", "mac"]
    two, three = (AuditEvent.objects.values(*fields).get(pk=pk) for pk in (2, 3))
    with tampering():
        AuditEvent.objects.filter(pk=2).update(**{**three, "mac": "swapping"})
        AuditEvent.objects.filter(pk=3).update(**two)
        AuditEvent.objects.filter(pk=2).update(mac=three["mac"])
    report = chain.verify()
    assert report.problem_id == 2
    assert "MAC 不符" in report.problem


def test_audit_chain_detects_a_changed_key(db: None) -> None:
    write(3)
    with override_settings(AUDIT_HMAC_KEY="another-audit-key-of-the-same-length-0123456789"):
        report = chain.verify()
    assert report.problem_id == 1
    assert "审计密钥" in report.problem
    assert chain.verify().ok


def test_audit_chain_detects_removed_first_rows_without_a_prune(db: None) -> None:
    write(5)
    with tampering():
        AuditEvent.objects.filter(pk__lte=2).delete()
    report = chain.verify()
    assert report.problem_id == 3
    assert "没有一条审计日志清理记录" in report.problem


def test_audit_chain_refuses_a_forged_row_appended_without_the_key(db: None) -> None:
    write(3)
    last = AuditEvent.objects.get(pk=3)
    forged = AuditEvent(pk=4, event=events.LOGOUT, result="success", prev_mac=last.mac)
    forged.mac = chain.compute_mac(forged, key=b"a guessed key, not the real one!!")
    with tampering():
        forged.save(force_insert=True)
        AuditAnchor.objects.update(last_id=4, last_mac=forged.mac)
    assert chain.verify().problem_id == 4


def test_what_the_mac_covers_reads_back_the_same(db: None) -> None:
    when = datetime.datetime(2026, 11, 26, 9, 30, tzinfo=datetime.UTC)
    actions.record(
        events.RECORD_UPDATED,
        detail={"date": when.date(), "at": when, 3: "整数键", "nested": {"b": [1, 2.5]}},  # type: ignore[dict-item]
        object_repr="名称" * 200,
    )
    row = AuditEvent.objects.get()
    assert row.detail["date"] == "2026-11-26" and row.detail["3"] == "整数键"
    assert len(row.object_repr) == 200
    assert chain.compute_mac(row) == row.mac
    assert chain.verify().ok


def test_numbers_in_the_detail_read_back_the_same(db: None) -> None:
    detail = {"ratio": 0.1, "big": 1e20, "one": 1.0, "tiny": 1.5e-7, "nan": float("nan")}
    actions.record(events.SETTINGS_CHANGED, detail=detail)
    row = AuditEvent.objects.get()
    assert row.detail["big"] == 10**20 and row.detail["one"] == 1 and row.detail["nan"] == "NaN"
    assert chain.verify().ok


def test_nul_characters_from_an_attacker_do_not_break_the_log(db: None) -> None:
    actions.record(
        events.LOGIN_FAILURE,
        detail={"username": "adm\x00in", "k\x00": ["a\x00"]},
        object_repr="x\x00y",
        result="failure",
    )
    row = AuditEvent.objects.get()
    assert (row.username, row.object_repr) == ("admin", "xy")
    assert row.detail == {"username": "admin", "k": ["a"]}
    assert chain.verify().ok


def test_the_mac_does_not_depend_on_the_time_zone_setting(db: None) -> None:
    write(2)
    with override_settings(TIME_ZONE="UTC"):
        assert chain.verify().ok


def test_audit_verify_command_reports_the_first_broken_row_and_fails(db: None) -> None:
    write(4)
    out = _call("audit_verify")
    assert "审计日志完好：共 4 条记录" in out
    assert "链头：4:" in out
    with tampering():
        AuditEvent.objects.filter(pk=2).update(username="someone")
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify")
    assert "审计日志校验失败（第 2 条）" in str(failure.value)


def test_audit_verify_command_checks_a_head_given_to_it(db: None) -> None:
    write(3)
    head = f"3:{AuditEvent.objects.get(pk=3).mac}"
    assert "审计日志完好" in _call("audit_verify", "--head", head)
    with pytest.raises(CommandError, match="与日志里的同号记录不符"):
        call_command("audit_verify", "--head", "3:" + "0" * 64)
    with pytest.raises(CommandError, match="编号:MAC"):
        call_command("audit_verify", "--head", "nonsense")


def test_audit_verify_command_on_an_empty_log(db: None) -> None:
    assert "审计日志为空" in _call("audit_verify")


def test_the_chain_starts_at_one_and_links_each_row_to_the_one_before(db: None) -> None:
    rows = write(3)
    assert [r.pk for r in rows] == [1, 2, 3]
    assert rows[0].prev_mac == ""
    assert rows[1].prev_mac == rows[0].mac and rows[2].prev_mac == rows[1].mac
    anchor = AuditAnchor.objects.get()
    assert (anchor.last_id, anchor.last_mac) == (3, rows[2].mac)
    assert connection.vendor in ("sqlite", "postgresql")


def _call(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
