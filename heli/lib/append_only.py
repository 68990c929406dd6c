"""Tables the database itself keeps append-only: rows are inserted, never changed or removed.

A migration makes a table append-only with the ``MakeAppendOnly`` operation (reversible):

* on PostgreSQL a row trigger refuses every UPDATE and DELETE, and a statement trigger
  refuses TRUNCATE of a table that holds rows (an empty one may be truncated: nothing is
  lost). The refusal is an ``insufficient_privilege`` error (SQLSTATE 42501);
* on SQLite two triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE).

The refusal names the table and the operation after the message the migration gives,
so ``QuerySet.update()``, ``QuerySet.delete()`` and raw SQL all fail with a
``DatabaseError`` that says what was refused. Other databases get no triggers.

SQLite rebuilds a table to alter it, and a rebuilt table has lost its triggers; so after
every ``migrate`` (``reinstall_after_migrate``, connected in ``heli.lib.apps``) the
triggers of every applied ``MakeAppendOnly`` are put back where they are missing.

Emptying a whole database: ``manage.py flush`` refuses a database that holds rows in an
append-only table (``heli.audit``'s flush command). It switches the triggers off for its
own transaction only inside ``permit_full_flush()``, an explicit switch that only Python
code in the same process can turn on: no setting, environment variable or command-line
option reaches it, so an installation never has it. The test suite turns it on for its
whole session (``heli/conftest.py``), because Django empties the database with ``flush``
after every transactional and live-server test. Nothing here asks whether tests are
running; the switch says what the caller wants, and a refused flush says why.

Who can still change rows: whoever may alter or drop the tables (their owner, a
superuser), by switching the triggers off — as ``lifted`` does for tests that play the
attacker and for the permitted flush.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation, OperationCategory
from django.db.migrations.recorder import MigrationRecorder
from django.db.migrations.state import ProjectState

MESSAGE = "历史记录只能追加，不能修改或删除 (history records are append-only)"

ROW_FUNCTION = "heli_append_only_refuse"
TRUNCATE_FUNCTION = "heli_append_only_refuse_truncate"
# PostgreSQL names triggers per table; SQLite's names are global, so they carry the table.
POSTGRESQL_TRIGGERS = ("append_only_refuse_change", "append_only_refuse_truncate")
SQLITE_PREFIX = "append_only__"


def supported(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor in ("postgresql", "sqlite")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sqlite_triggers(table: str) -> tuple[str, str]:
    return (f"{SQLITE_PREFIX}{table}__update", f"{SQLITE_PREFIX}{table}__delete")


def install_sql(connection: BaseDatabaseWrapper, table: str, message: str = MESSAGE) -> list[str]:
    """The statements that make ``table`` append-only (idempotent: safe to run again)."""
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        change, truncate = POSTGRESQL_TRIGGERS
        return [
            f"""
            CREATE OR REPLACE FUNCTION {ROW_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '%: % on %', TG_ARGV[0], TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END $$
            """,
            f"""
            CREATE OR REPLACE FUNCTION {TRUNCATE_FUNCTION}() RETURNS trigger
            LANGUAGE plpgsql AS $$
            DECLARE
                holds_rows boolean;
            BEGIN
                -- An empty table may be truncated: nothing is lost, a fresh install can be reset.
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
                    INTO holds_rows;
                IF holds_rows THEN
                    RAISE EXCEPTION '%: TRUNCATE on %', TG_ARGV[0], TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NULL;
            END $$
            """,  # noqa: S608 (module constants, no input)
            f"DROP TRIGGER IF EXISTS {change} ON {qn(table)}",
            f"""
            CREATE TRIGGER {change} BEFORE UPDATE OR DELETE ON {qn(table)}
            FOR EACH ROW EXECUTE FUNCTION {ROW_FUNCTION}({_literal(message)})
            """,
            f"DROP TRIGGER IF EXISTS {truncate} ON {qn(table)}",
            f"""
            CREATE TRIGGER {truncate} BEFORE TRUNCATE ON {qn(table)}
            FOR EACH STATEMENT EXECUTE FUNCTION {TRUNCATE_FUNCTION}({_literal(message)})
            """,
        ]
    if connection.vendor == "sqlite":
        update, delete = _sqlite_triggers(table)
        return [
            f"""
            CREATE TRIGGER IF NOT EXISTS {qn(update)} BEFORE UPDATE ON {qn(table)}
            BEGIN SELECT RAISE(ABORT, {_literal(f"{message}: UPDATE on {table}")}); END
            """,
            f"""
            CREATE TRIGGER IF NOT EXISTS {qn(delete)} BEFORE DELETE ON {qn(table)}
            BEGIN SELECT RAISE(ABORT, {_literal(f"{message}: DELETE on {table}")}); END
            """,
        ]
    return []


def remove_sql(connection: BaseDatabaseWrapper, table: str) -> list[str]:
    """The statements that undo ``install_sql`` (the shared functions go with their last use)."""
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        drop_unused = [
            f"""
            DO $$ BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_trigger
                               WHERE tgfoid = to_regprocedure('{function}()')::oid) THEN
                    DROP FUNCTION IF EXISTS {function}();
                END IF;
            END $$
            """  # noqa: S608 (module constants, no input)
            for function in (ROW_FUNCTION, TRUNCATE_FUNCTION)
        ]
        return [
            *(f"DROP TRIGGER IF EXISTS {name} ON {qn(table)}" for name in POSTGRESQL_TRIGGERS),
            *drop_unused,
        ]
    if connection.vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {qn(name)}" for name in _sqlite_triggers(table)]
    return []


def install(connection: BaseDatabaseWrapper, table: str, message: str = MESSAGE) -> None:
    with connection.cursor() as cursor:
        for sql in install_sql(connection, table, message):
            cursor.execute(sql)


def remove(connection: BaseDatabaseWrapper, table: str) -> None:
    with connection.cursor() as cursor:
        for sql in remove_sql(connection, table):
            cursor.execute(sql)


def installed(connection: BaseDatabaseWrapper, table: str) -> bool | None:
    """Whether ``table``'s triggers are all in place and enabled (None: no triggers here)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND tgname = ANY(%s) AND tgenabled <> 'D'",
                [connection.ops.quote_name(table), list(POSTGRESQL_TRIGGERS)],
            )
            return bool(cursor.fetchone()[0] == len(POSTGRESQL_TRIGGERS))
        if connection.vendor == "sqlite":
            names = _sqlite_triggers(table)
            cursor.execute(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s)",
                [table, *names],
            )
            return bool(cursor.fetchone()[0] == len(names))
    return None


def guarded_tables(connection: BaseDatabaseWrapper) -> list[str]:
    """The tables that carry this module's triggers, as the database has them now."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = ANY(%s) AND pg_table_is_visible(c.oid) ORDER BY 1",
                [list(POSTGRESQL_TRIGGERS)],
            )
            return [name for (name,) in cursor.fetchall()]
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            return sorted(
                {table for name, table in cursor.fetchall() if name.startswith(SQLITE_PREFIX)}
            )
    return []


@contextmanager
def lifted(connection: BaseDatabaseWrapper, tables: Iterable[str]) -> Iterator[None]:
    """Switch every trigger of ``tables`` off, in a transaction (a savepoint if nested).

    On PostgreSQL ``ALTER TABLE … DISABLE TRIGGER USER`` needs the table's owner; on
    SQLite the triggers are dropped and created again from their own definitions. An
    exception inside rolls the transaction back, which puts the triggers back too.
    """
    tables = list(tables)
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias):
        saved: list[tuple[str, str]] = []
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in tables:
                    cursor.execute(f"ALTER TABLE {qn(table)} DISABLE TRIGGER USER")
            elif connection.vendor == "sqlite" and tables:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "  # noqa: S608 (placeholders only)
                    f"AND tbl_name IN ({', '.join(['%s'] * len(tables))})",
                    tables,
                )
                saved = cursor.fetchall()
                for name, _sql in saved:
                    cursor.execute(f"DROP TRIGGER {qn(name)}")
        yield
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in tables:
                    cursor.execute(f"ALTER TABLE {qn(table)} ENABLE TRIGGER USER")
            for name, sql in saved:
                # A post-migrate handler inside (flush emits one) may have put it back already.
                cursor.execute(f"DROP TRIGGER IF EXISTS {qn(name)}")
                cursor.execute(sql)


# --- The explicit switch for emptying a whole database --------------------------------

_full_flush_permitted = False


def full_flush_permitted() -> bool:
    """Whether ``manage.py flush`` in this process may empty append-only tables too."""
    return _full_flush_permitted


@contextmanager
def permit_full_flush(permitted: bool = True) -> Iterator[None]:
    """Within: ``manage.py flush`` switches the append-only triggers off for its transaction.

    ``permit_full_flush(False)`` withdraws the permission again for a while.
    """
    global _full_flush_permitted
    before = _full_flush_permitted
    _full_flush_permitted = permitted
    try:
        yield
    finally:
        _full_flush_permitted = before


# --- The migration operation ----------------------------------------------------------


class MakeAppendOnly(Operation):
    """Make a model's table (or one of its many-to-many link tables) append-only."""

    reduces_to_sql = True
    reversible = True
    category = OperationCategory.SQL

    def __init__(self, model_name: str, *, through: str = "", message: str = MESSAGE) -> None:
        self.model_name = model_name
        self.through = through
        self.message = message

    def table(self, apps: Apps, app_label: str) -> tuple[Any, str]:
        """The model the rows belong to and the table's name, in ``apps``' state."""
        model: Any = apps.get_model(app_label, self.model_name)
        if self.through:
            field: Any = model._meta.get_field(self.through)
            model = field.remote_field.through
        return model, str(model._meta.db_table)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass  # triggers are not part of the model state

    def _run(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        state: ProjectState,
        *,
        on: bool,
    ) -> None:
        connection = schema_editor.connection
        model, table = self.table(state.apps, app_label)
        if not router.allow_migrate_model(connection.alias, model):
            return
        statements = (
            install_sql(connection, table, self.message) if on else remove_sql(connection, table)
        )
        for sql in statements:
            schema_editor.execute(sql, params=None)

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(app_label, schema_editor, to_state, on=True)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        self._run(app_label, schema_editor, from_state, on=False)

    def describe(self) -> str:
        name = f"{self.model_name}.{self.through}" if self.through else self.model_name
        return f"Make the table of {name} append-only"

    @property
    def migration_name_fragment(self) -> str:
        name = f"{self.model_name}_{self.through}" if self.through else self.model_name
        return f"{name}_append_only"


# --- After every migrate --------------------------------------------------------------


@functools.cache
def _declared() -> dict[str, tuple[tuple[str, MakeAppendOnly], ...]]:
    """Per app label: (migration name, operation) of every ``MakeAppendOnly`` on disk."""
    loader = MigrationLoader(None, load=False)
    loader.load_disk()
    found: dict[str, list[tuple[str, MakeAppendOnly]]] = {}
    for (label, name), migration in sorted(loader.disk_migrations.items()):
        for operation in migration.operations:
            if isinstance(operation, MakeAppendOnly):
                found.setdefault(label, []).append((name, operation))
    return {label: tuple(operations) for label, operations in found.items()}


def reinstall_after_migrate(
    sender: Any, using: str = DEFAULT_DB_ALIAS, apps: Apps | None = None, **kwargs: Any
) -> None:
    """Put back the triggers of the app's applied ``MakeAppendOnly`` where they are missing."""
    label = str(getattr(sender, "label", ""))
    declared = _declared().get(label, ())
    connection = connections[using]
    if not declared or not supported(connection):
        return
    applied = MigrationRecorder(connection).applied_migrations()
    existing = set(connection.introspection.table_names())
    for migration_name, operation in declared:
        if (label, migration_name) not in applied:
            continue
        try:
            _model, table = operation.table(apps or global_apps, label)
        except LookupError:  # the model has gone since
            continue
        if table in existing and not installed(connection, table):
            install(connection, table, operation.message)
