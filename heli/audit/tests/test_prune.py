"""Retention: records older than 184 days (or more) may go, and the chain stays provable."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core import checks
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from heli.audit import actions, chain, events
from heli.audit.checks import check_retention
from heli.audit.models import AuditEvent
from heli.audit.tests.helpers import clock, ids, tampering, write

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def prune(*args: str) -> str:
    out = StringIO()
    call_command("audit_prune", *args, stdout=out)
    return out.getvalue()


def test_audit_prune_refuses_less_than_184_days(db: None, monkeypatch) -> None:
    with clock(days_ago(400), monkeypatch):
        write(2)
    for days in ("0", "30", "183"):
        with pytest.raises(CommandError) as refusal:
            prune("--days", days)
        assert "审计记录至少要保存 184 天" in str(refusal.value)
    with pytest.raises(ValueError, match="184"):
        actions.prune(100)
    assert ids() == [1, 2]


def test_audit_prune_removes_only_old_rows_and_keeps_the_chain_verifiable(
    db: None, monkeypatch
) -> None:
    with clock(days_ago(300), monkeypatch):
        write(3)
    with clock(days_ago(190), monkeypatch):
        write(2)
    with clock(days_ago(100), monkeypatch):
        write(2)
    out = prune("--days", "184")
    assert "已删除早于 184 天的审计记录 5 条（第 1 至 5 条）" in out
    assert ids() == [6, 7, 8]
    pruned = AuditEvent.objects.get(pk=8)
    assert pruned.event == events.AUDIT_PRUNED
    assert pruned.detail["removed"] == 5 and pruned.detail["last_removed_id"] == 5
    report = chain.verify()
    assert report.ok, report.problem
    assert (report.first_id, report.pruned_by) == (6, 8)
    # A longer retention removes nothing more; a second prune leaves a provable chain.
    assert "什么也没有删除" in prune("--days", "250")
    assert chain.verify().ok


def test_audit_prune_uses_the_retention_setting_and_can_dry_run(db: None, monkeypatch) -> None:
    with clock(days_ago(300), monkeypatch):
        write(2)
    with clock(days_ago(200), monkeypatch):
        write(2)
    with override_settings(AUDIT_RETENTION_DAYS=250):
        assert "将删除早于 250 天的审计记录 2 条" in prune("--dry-run")
        assert ids() == [1, 2, 3, 4]
        prune()
    assert ids() == [3, 4, 5]
    assert chain.verify().ok


def test_pruning_every_row_leaves_the_prune_record_vouching_for_itself(
    db: None, monkeypatch
) -> None:
    with clock(days_ago(365), monkeypatch):
        write(3)
    prune("--days", "184")
    assert ids() == [4]
    report = chain.verify()
    assert report.ok and report.pruned_by == 4


def test_two_prunes_in_a_row_keep_the_chain_provable(db: None, monkeypatch) -> None:
    with clock(days_ago(400), monkeypatch):
        write(2)  # 1-2
    with clock(days_ago(300), monkeypatch):
        write(2)  # 3-4
    prune("--days", "365")  # removes 1-2, writes 5
    prune("--days", "184")  # removes 3-4, writes 6
    assert ids() == [5, 6]
    report = chain.verify()
    assert report.ok, report.problem
    assert report.pruned_by == 6


def test_removing_more_than_a_prune_vouched_for_is_detected(db: None, monkeypatch) -> None:
    with clock(days_ago(300), monkeypatch):
        write(3)
    write(3)
    prune("--days", "184")  # 1-3 removed, 7 vouches for a chain that starts at 4
    with tampering():
        AuditEvent.objects.filter(pk=4).delete()
    report = chain.verify()
    assert report.problem_id == 5
    assert "没有一条审计日志清理记录" in report.problem


def test_retention_shorter_than_184_days_fails_the_system_check() -> None:
    with override_settings(AUDIT_RETENTION_DAYS=90):
        errors = check_retention()
    assert [e.id for e in errors] == ["heli.audit.E001"]
    assert isinstance(errors[0], checks.Error) and "184" in errors[0].msg
    with override_settings(AUDIT_RETENTION_DAYS=365):
        assert check_retention() == []
