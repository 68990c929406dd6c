"""Database triggers that make the audit tables append-only.

On PostgreSQL and on SQLite alike, a trigger refuses every UPDATE and DELETE of an
audit event (and, on PostgreSQL, a TRUNCATE of a table that holds any), and refuses to
delete the chain's head anchor or move it back. The database says no even to SQL that
never passes through Django.

One exception is sanctioned: retention pruning (``manage.py audit_prune``) may delete
events older than ``MINIMUM_RETENTION_DAYS``, and only inside a transaction that asked
for it — on PostgreSQL with ``SET LOCAL heli.audit_prune = 'on'``, on SQLite (which has
no session settings) by holding a row in the small ``audit_prune_permit`` table, which
the prune inserts and removes in its own transaction. The age test is in the trigger,
against the database's clock, so no setting lets anyone remove a younger row.

The triggers are installed by migration ``0003_append_only_triggers`` and installed
again (idempotently) after every ``migrate``: SQLite rebuilds a table to alter it, and
a rebuilt table has lost its triggers.

``manage.py flush`` (this app's override) refuses a database that holds audit rows; it
switches the triggers off for its own transaction only inside
``heli.lib.append_only.permit_full_flush()``, the explicit switch the test suite turns on.

Who can still remove rows: whoever may drop or alter the tables (the table owner, a
database superuser), by switching the triggers off. ``manage.py audit_verify`` detects
what such a person changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

from heli.lib import append_only

MINIMUM_RETENTION_DAYS = 184
EVENT_TABLE = "audit_auditevent"
ANCHOR_TABLE = "audit_auditanchor"
PERMIT_TABLE = "audit_prune_permit"  # SQLite only
PRUNE_SETTING = "heli.audit_prune"  # PostgreSQL only

REFUSED = "审计记录只能追加，不能修改或删除 (audit records are append-only)"
ANCHOR_REFUSED = "审计链头只能前移，不能删除或回退 (the audit chain head only moves forward)"

_POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('{PRUNE_SETTING}', true) = 'on'
           AND OLD.created_at < now() - interval '{MINIMUM_RETENTION_DAYS} days' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION '{REFUSED}: % on {EVENT_TABLE}', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        -- An empty table may be truncated: nothing is lost, and a fresh install can be reset.
        IF TG_TABLE_NAME = '{EVENT_TABLE}' AND EXISTS (SELECT 1 FROM {EVENT_TABLE}) THEN
            RAISE EXCEPTION '{REFUSED}: TRUNCATE on {EVENT_TABLE}'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_TABLE_NAME = '{ANCHOR_TABLE}' AND EXISTS (SELECT 1 FROM {ANCHOR_TABLE}) THEN
            RAISE EXCEPTION '{ANCHOR_REFUSED}: TRUNCATE on {ANCHOR_TABLE}'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NULL;
    END $$
    """,  # noqa: S608 (module constants, no input)
    f"""
    CREATE OR REPLACE FUNCTION audit_anchor_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.last_id > OLD.last_id THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{ANCHOR_REFUSED}: % on {ANCHOR_TABLE}', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {EVENT_TABLE}",
    f"""
    CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON {EVENT_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()
    """,
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {EVENT_TABLE}",
    f"""
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON {EVENT_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()
    """,
    f"DROP TRIGGER IF EXISTS audit_anchor_forward_only ON {ANCHOR_TABLE}",
    f"""
    CREATE TRIGGER audit_anchor_forward_only BEFORE UPDATE OR DELETE ON {ANCHOR_TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_anchor_refuse_change()
    """,
    f"DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON {ANCHOR_TABLE}",
    f"""
    CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON {ANCHOR_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate()
    """,
]

_POSTGRESQL_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_event_append_only ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_event_no_truncate ON {EVENT_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_anchor_forward_only ON {ANCHOR_TABLE}",
    f"DROP TRIGGER IF EXISTS audit_anchor_no_truncate ON {ANCHOR_TABLE}",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
    "DROP FUNCTION IF EXISTS audit_refuse_truncate()",
    "DROP FUNCTION IF EXISTS audit_anchor_refuse_change()",
]

# Django stores SQLite datetimes as UTC text ("YYYY-MM-DD HH:MM:SS[.ffffff]"), which
# sorts like the time itself, so the age test compares text.
_SQLITE_TRIGGERS = {
    "audit_event_no_update": f"""
        CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON {EVENT_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE on {EVENT_TABLE}'); END
    """,
    "audit_event_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON {EVENT_TABLE}
        WHEN NOT (
            EXISTS (SELECT 1 FROM {PERMIT_TABLE})
            AND OLD.created_at < strftime('%Y-%m-%d %H:%M:%f', 'now',
                                          '-{MINIMUM_RETENTION_DAYS} days')
        )
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE on {EVENT_TABLE}'); END
    """,  # noqa: S608 (module constants, no input)
    "audit_anchor_no_delete": f"""
        CREATE TRIGGER IF NOT EXISTS audit_anchor_no_delete BEFORE DELETE ON {ANCHOR_TABLE}
        BEGIN SELECT RAISE(ABORT, '{ANCHOR_REFUSED}: DELETE on {ANCHOR_TABLE}'); END
    """,
    "audit_anchor_forward_only": f"""
        CREATE TRIGGER IF NOT EXISTS audit_anchor_forward_only BEFORE UPDATE ON {ANCHOR_TABLE}
        WHEN NOT (NEW.id = OLD.id AND NEW.last_id > OLD.last_id)
        BEGIN SELECT RAISE(ABORT, '{ANCHOR_REFUSED}: UPDATE on {ANCHOR_TABLE}'); END
    """,
}
SQLITE_TRIGGER_NAMES = tuple(_SQLITE_TRIGGERS)
POSTGRESQL_TRIGGER_NAMES = (
    "audit_event_append_only",
    "audit_event_no_truncate",
    "audit_anchor_forward_only",
    "audit_anchor_no_truncate",
)


def supported(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def install(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the triggers; safe to run any number of times."""
    tables = set(connection.introspection.table_names())
    if not {EVENT_TABLE, ANCHOR_TABLE} <= tables:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _POSTGRESQL_INSTALL:
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            cursor.execute(f"CREATE TABLE IF NOT EXISTS {PERMIT_TABLE} (id INTEGER PRIMARY KEY)")
            for sql in _SQLITE_TRIGGERS.values():
                cursor.execute(sql)


def remove(connection: BaseDatabaseWrapper, *, permit_table: bool = False) -> None:
    """Drop the triggers (the reverse of the migration, and inside ``lifted``)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in _POSTGRESQL_REMOVE:
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            for name in SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            if permit_table:
                cursor.execute(f"DROP TABLE IF EXISTS {PERMIT_TABLE}")


def installed(connection: BaseDatabaseWrapper) -> bool | None:
    """Whether every trigger is in place and enabled (None: this database has none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND tgenabled <> 'D'",
                [list(POSTGRESQL_TRIGGER_NAMES)],
            )
            return bool(cursor.fetchone()[0] == len(POSTGRESQL_TRIGGER_NAMES))
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "  # noqa: S608 (module constants, no input)
                f"({', '.join(['%s'] * len(SQLITE_TRIGGER_NAMES))})",
                list(SQLITE_TRIGGER_NAMES),
            )
            return bool(cursor.fetchone()[0] == len(SQLITE_TRIGGER_NAMES))
    return None


@contextmanager
def lifted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Switch the triggers off for the enclosing transaction (tests that play the attacker).

    Must run inside ``transaction.atomic``: on PostgreSQL ``ALTER TABLE … DISABLE
    TRIGGER`` needs the table's owner and is undone by a rollback; on SQLite the
    triggers are dropped and created again, which a rollback also undoes.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("guards.lifted() must run inside transaction.atomic()")
    with append_only.lifted(connection, (EVENT_TABLE, ANCHOR_TABLE)):
        yield


@contextmanager
def prune_permitted(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Allow the triggers to let old rows go, for the enclosing transaction only."""
    if not connection.in_atomic_block:
        raise RuntimeError("guards.prune_permitted() must run inside transaction.atomic()")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL {PRUNE_SETTING} = 'on'")
        elif connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {PERMIT_TABLE} (id) VALUES (1)")  # noqa: S608 (module constants, no input)
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL {PRUNE_SETTING} = 'off'")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DELETE FROM {PERMIT_TABLE}")  # noqa: S608 (module constants, no input)
