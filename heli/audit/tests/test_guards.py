"""The database itself refuses to change or remove audit rows (PostgreSQL and SQLite)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from heli.audit import guards, signals
from heli.audit.models import AuditAnchor, AuditEvent
from heli.audit.tests.helpers import clock, write
from heli.lib import append_only

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite triggers")


def refused(sql: str, params: list[Any] | None = None) -> str:
    """Run ``sql`` in its own savepoint; return the database's refusal."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(refusal.value)


def test_audit_table_refuses_update_and_delete(db: None) -> None:
    write(3)
    for sql in (
        "UPDATE audit_auditevent SET username = 'x' WHERE id = 2",
        "UPDATE audit_auditevent SET mac = mac",
        "DELETE FROM audit_auditevent WHERE id = 3",
        "DELETE FROM audit_auditevent",
        "DELETE FROM audit_auditanchor",
        "UPDATE audit_auditanchor SET last_id = 1",
        "UPDATE audit_auditanchor SET last_id = last_id",
    ):
        assert "append-only" in refused(sql) or "only moves forward" in refused(sql), sql
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=1).update(object_repr="改过")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.get(pk=1).delete()
    assert AuditEvent.objects.count() == 3
    assert AuditEvent.objects.get(pk=2).username == ""


@on_postgresql
def test_audit_table_refuses_update_and_delete_on_postgresql(db: None) -> None:
    write(2)
    for sql in (
        "UPDATE audit_auditevent SET username = 'x'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "TRUNCATE audit_auditanchor",
        "TRUNCATE audit_auditevent, audit_auditanchor",
    ):
        assert "审计" in refused(sql), sql
    # The refusal names a privilege error, so operators see what kind of failure it is.
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent")
    assert getattr(refusal.value.__cause__, "sqlstate", "") == "42501"


@on_sqlite
def test_audit_table_refuses_update_and_delete_on_sqlite(db: None) -> None:
    write(2)
    names = set(guards.SQLITE_TRIGGER_NAMES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        assert names <= {name for (name,) in cursor.fetchall()}
    assert "append-only" in refused("DELETE FROM audit_auditevent WHERE id = 1")
    assert "append-only" in refused("UPDATE audit_auditevent SET event = 'logout'")


def test_the_prune_permit_reaches_only_old_rows(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    with clock(timezone.now() - datetime.timedelta(days=200), monkeypatch):
        write(2)
    write(2)
    with transaction.atomic(), guards.prune_permitted(connection):
        # The permit is for old rows: a young one stays, whatever the permit says.
        assert "append-only" in refused("DELETE FROM audit_auditevent WHERE id = 3")
        assert "append-only" in refused("UPDATE audit_auditevent SET username = 'x'")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE id = 1")
    assert list(AuditEvent.objects.values_list("pk", flat=True).order_by("pk")) == [2, 3, 4]
    # Without the permit even an old row stays.
    assert "append-only" in refused("DELETE FROM audit_auditevent WHERE id = 2")


def test_the_prune_permit_ends_with_its_transaction(db: None) -> None:
    with transaction.atomic(), guards.prune_permitted(connection):
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT current_setting('heli.audit_prune', true)")
            assert cursor.fetchone()[0] in (None, "", "off")
        else:
            cursor.execute("SELECT count(*) FROM audit_prune_permit")
            assert cursor.fetchone()[0] == 0


def test_migrate_puts_back_triggers_a_rebuilt_table_lost(db: None) -> None:
    with transaction.atomic():
        guards.remove(connection)
        assert guards.installed(connection) is False
        signals.reinstall_guards(sender=None, using="default")
        assert guards.installed(connection) is True


def test_flush_refuses_to_empty_the_audit_log_without_the_explicit_switch(db: None) -> None:
    write(2)
    with append_only.permit_full_flush(False), pytest.raises(CommandError, match="不能删除"):
        call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 2
    assert AuditAnchor.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_permitted_flush_empties_the_audit_log_and_keeps_its_triggers() -> None:
    write(2)
    with append_only.permit_full_flush():
        call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert not AuditAnchor.objects.exists()
    assert guards.installed(connection) is True
    write(1)
    assert "append-only" in refused("DELETE FROM audit_auditevent")
