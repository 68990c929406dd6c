"""The application's PostgreSQL role adds to the audit log and the history, and cannot undo them.

The module builds the documented production set-up on the test server: an owner role
that owns a fresh database and runs ``migrate`` and ``grant_app_role``, and an
application role that owns nothing. Then it plays the application turned attacker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from heli.audit import checks, guards, roles
from heli.lib import append_only
from heli.testing import service_missing

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)

# What the application role does with its own rights, through Django: the shared test
# committee (whose role grants are audited), an edit, a session, and events of its own.
APPLICATION_AT_WORK = """
import json
import django

django.setup()
from django.contrib.sessions.backends.db import SessionStore
from heli.accounts.models import User
from heli.audit.actions import record
from heli.audit.chain import verify
from heli.audit.models import AuditEvent
from heli.testing import build_world

world = build_world()
office = world.user("office")
office.first_name = "改过的名"
office.save(update_fields=["first_name"])
session = SessionStore()
session["seen"] = True
session.create()
session.delete()
for n in range(3):
    record("test.application_role", user=office, detail={"n": n})
report = verify()
print(json.dumps({
    "events": AuditEvent.objects.count(),
    "chain_ok": report.ok,
    "guards": report.guards,
    "first_name": User.objects.get(pk=office.pk).first_name,
}))
"""


@dataclass
class Installation:
    """A database owned by ``owner``; ``app`` holds only what ``grant_app_role`` gave it."""

    server: dict[str, Any]
    database: str
    owner: str
    app: str
    passwords: dict[str, str]
    at_work: dict[str, Any]

    def conninfo(self, role: str) -> dict[str, Any]:
        return {
            **self.server,
            "dbname": self.database,
            "user": role,
            "password": self.passwords[role],
        }

    def url(self, role: str) -> str:
        host, port = self.server["host"], self.server["port"]
        return f"postgres://{role}:{self.passwords[role]}@{host}:{port}/{self.database}"

    def run(self, role: str, *args: str) -> subprocess.CompletedProcess[str]:
        """A Django process of this installation, connected as ``role``."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(DJANGO_SETTINGS_MODULE="heli.settings", DATABASE_URL=self.url(role))
        return subprocess.run(  # noqa: S603 (this interpreter, the test's own arguments)
            [sys.executable, *args],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def manage(self, role: str, *args: str) -> str:
        result = self.run(role, "manage.py", *args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout + result.stderr

    def wrapper(self, role: str) -> DatabaseWrapper:
        """A Django connection to this installation as ``role`` (close it after use)."""
        params = {
            **connection.settings_dict,
            "NAME": self.database,
            "USER": role,
            "PASSWORD": self.passwords[role],
        }
        return DatabaseWrapper(params, alias=f"roles_{role}")


def superuser_conninfo() -> dict[str, Any]:
    params = connection.settings_dict
    return {
        "host": params["HOST"] or "127.0.0.1",
        "port": params["PORT"] or 5432,
        "user": params["USER"] or "postgres",
        "password": params["PASSWORD"] or None,
    }


@pytest.fixture(scope="module")
def installation() -> Iterator[Installation]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL)")
    import psycopg
    from psycopg import sql

    conninfo = superuser_conninfo()
    try:
        admin = psycopg.connect(dbname="postgres", autocommit=True, **conninfo)
    except psycopg.OperationalError as error:
        service_missing(f"PostgreSQL is unreachable: {error}")
    suffix = secrets.token_hex(4)
    owner, app, database = f"heli_owner_{suffix}", f"heli_app_{suffix}", f"heli_roles_{suffix}"
    passwords = {owner: secrets.token_hex(16), app: secrets.token_hex(16)}
    server = {"host": conninfo["host"], "port": conninfo["port"]}
    try:
        with admin:
            for role in (owner, app):
                admin.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(role), sql.Literal(passwords[role])
                    )
                )
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(database), sql.Identifier(owner)
                )
            )
            admin.execute(
                sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
            )
        made = Installation(server, database, owner, app, passwords, at_work={})
        made.manage(owner, "migrate", "-v", "0")
        made.manage(owner, "grant_app_role", app)
        result = made.run(app, "-c", APPLICATION_AT_WORK)
        assert result.returncode == 0, result.stdout + result.stderr
        made.at_work = json.loads(result.stdout.strip().splitlines()[-1])
        yield made
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database))
            )
            for role in (app, owner):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def as_app(installation: Installation) -> Iterator[Callable[[str], list[Any]]]:
    """Run one statement as the application role, in a transaction of its own."""
    import psycopg

    with psycopg.connect(autocommit=True, **installation.conninfo(installation.app)) as db:

        def execute(statement: str) -> list[Any]:
            cursor = db.execute(statement.encode())
            return cursor.fetchall() if cursor.description else []

        yield execute


def triggers_of(installation: Installation) -> list[tuple[str, str]]:
    """(table, trigger) of every append-only trigger of the installation, as the owner sees it."""
    import psycopg

    triggers = [*guards.POSTGRESQL_TRIGGER_NAMES, *append_only.POSTGRESQL_TRIGGERS]
    with psycopg.connect(**installation.conninfo(installation.owner)) as db:
        rows = db.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = ANY(%s) AND t.tgenabled <> 'D' ORDER BY 1, 2",
            [triggers],
        ).fetchall()
    return [(table, trigger) for table, trigger in rows]


def refusal(execute: Callable[[str], list[Any]], statement: str) -> str:
    import psycopg

    with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
        execute(statement)
    return str(refused.value)


def test_every_append_only_table_is_held_to_select_and_insert(installation: Installation) -> None:
    restricted = roles.append_only_tables()
    guarded = sorted({table for table, _trigger in triggers_of(installation)})
    assert {guards.EVENT_TABLE, guards.ANCHOR_TABLE} < set(guarded)
    assert len(guarded) > 2  # the areas' history too, not only the audit log
    assert sorted(restricted) == guarded


def test_the_application_role_cannot_switch_the_audit_triggers_off(
    installation: Installation, as_app: Callable[[str], list[Any]]
) -> None:
    for table in roles.append_only_tables():
        for statement in (
            f'ALTER TABLE "{table}" DISABLE TRIGGER USER',
            f'ALTER TABLE "{table}" DISABLE TRIGGER ALL',
            f'ALTER TABLE "{table}" OWNER TO "{installation.app}"',
            f'DROP TABLE "{table}"',
        ):
            assert f"must be owner of table {table}" in refusal(as_app, statement), statement
    before = triggers_of(installation)
    for table, trigger in before:
        statement = f'DROP TRIGGER "{trigger}" ON "{table}"'
        assert re.search(f"must be owner of (table|relation) {table}", refusal(as_app, statement))
    replace = (
        "CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
    )
    assert re.search(
        "must be owner of function|permission denied for schema", refusal(as_app, replace)
    )
    assert "permission denied for schema" in refusal(as_app, "CREATE TABLE shadow (id int)")
    assert triggers_of(installation) == before  # all there, all enabled
    assert len(before) == 2 * len(roles.append_only_tables())


def test_the_application_role_cannot_update_delete_or_truncate_the_audit_tables(
    installation: Installation, as_app: Callable[[str], list[Any]]
) -> None:
    assert installation.at_work["events"] > 3  # rows to protect
    for table in roles.append_only_tables():
        denied = f"permission denied for table {table}"
        assert denied in refusal(as_app, f'DELETE FROM "{table}"')  # noqa: S608 (table names from the code)
        assert denied in refusal(as_app, f'TRUNCATE "{table}"')
        if table != guards.ANCHOR_TABLE:
            assert denied in refusal(as_app, f'UPDATE "{table}" SET id = id')  # noqa: S608 (table names from the code)
    # The chain's head moves forward with every event; its trigger refuses anything else.
    assert "only moves forward" in refusal(
        as_app,
        f"UPDATE {guards.ANCHOR_TABLE} SET last_id = last_id - 1",  # noqa: S608 (table names from the code)
    )
    # The retention switch is no way round: deleting is not the application's right.
    as_app(f"SET {guards.PRUNE_SETTING} = 'on'")
    assert "permission denied" in refusal(
        as_app,
        f"DELETE FROM {guards.EVENT_TABLE} WHERE created_at < now()",  # noqa: S608 (table names from the code)
    )
    (count,) = as_app(f"SELECT count(*) FROM {guards.EVENT_TABLE}")[0]  # noqa: S608 (table names from the code)
    assert count == installation.at_work["events"]


def test_the_application_role_reads_and_adds_to_the_append_only_tables(
    installation: Installation, as_app: Callable[[str], list[Any]]
) -> None:
    import psycopg

    for table in roles.append_only_tables():
        as_app(f'SELECT * FROM "{table}" LIMIT 1')  # noqa: S608 (table names from the code)
        # Past the privilege check, the insert stops only at the table's own constraints.
        with pytest.raises(psycopg.errors.NotNullViolation):
            as_app(f'INSERT INTO "{table}" DEFAULT VALUES')


def test_the_application_works_as_its_own_role(installation: Installation) -> None:
    at_work = installation.at_work
    assert at_work["first_name"] == "改过的名"
    assert at_work["chain_ok"] is True and at_work["guards"] is True
    assert at_work["events"] > 3  # the role grants of the test committee, and our three


def test_tables_of_later_migrations_are_open_to_the_application_role(
    installation: Installation, as_app: Callable[[str], list[Any]]
) -> None:
    import psycopg

    with psycopg.connect(autocommit=True, **installation.conninfo(installation.owner)) as db:
        db.execute("CREATE TABLE later (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
    as_app("INSERT INTO later (note) VALUES ('new')")
    as_app("UPDATE later SET note = 'changed'")
    assert as_app("SELECT note FROM later") == [("changed",)]
    as_app("DELETE FROM later WHERE true")
    assert "permission denied" in refusal(as_app, "TRUNCATE later")


def test_the_start_up_check_warns_the_owner_and_not_the_application_role(
    installation: Installation,
) -> None:
    assert "heli.audit.W001" in installation.manage(installation.owner, "check", "--deploy")
    output = installation.manage(installation.app, "check", "--deploy")
    assert not re.search(r"heli\.audit\.W00\d", output), output


def test_granting_again_takes_back_rights_given_by_hand(
    installation: Installation, django_db_blocker: Any
) -> None:
    import psycopg

    table = next(t for t in roles.append_only_tables() if t != guards.ANCHOR_TABLE)
    with psycopg.connect(autocommit=True, **installation.conninfo(installation.owner)) as db:
        db.execute(f'GRANT UPDATE, TRUNCATE ON "{table}" TO "{installation.app}"')
    with django_db_blocker.unblock():
        app, owner = (
            installation.wrapper(installation.app),
            installation.wrapper(installation.owner),
        )
        try:
            assert roles.problems(app) == ([], [f"{table}: UPDATE, TRUNCATE"])
            messages = check_with(app)
            assert [m.id for m in messages] == ["heli.audit.W002"]
            installation.manage(installation.owner, "grant_app_role", installation.app)
            assert roles.problems(app) == ([], [])
            takeover, extra = roles.problems(owner)
            assert extra == [] and f"{guards.EVENT_TABLE} 属于 {installation.owner}" in takeover
        finally:
            app.close()
            owner.close()


def test_print_sql_shows_the_statements_the_command_runs(installation: Installation) -> None:
    owner, app = installation.owner, installation.app
    printed = installation.manage(owner, "grant_app_role", app, "--print-sql")
    expected = roles.grant_statements(
        app,
        database=installation.database,
        schema="public",
        owner=owner,
        append_only=roles.append_only_tables(),
    )
    assert printed.splitlines() == [f"{statement};" for statement in expected]


def check_with(wrapper: DatabaseWrapper) -> list[Any]:
    """The start-up check, run against ``wrapper`` instead of the default connection."""
    from django.db import connections

    saved = connections["default"]
    connections["default"] = wrapper
    try:
        return checks.check_database_role()
    finally:
        connections["default"] = saved


@on_postgresql
@pytest.mark.django_db
def test_the_start_up_check_warns_a_superuser_connection_but_only_when_deploying() -> None:
    # The test suite connects as the superuser postgres: it is a deployment check, so the
    # checks every command runs stay quiet and only ``check --deploy`` says it.
    (warning,) = checks.check_database_role()
    assert warning.id == "heli.audit.W001" and "超级用户" in warning.msg
    assert "heli.audit.W001" not in [m.id for m in run_checks()]
    assert "heli.audit.W001" in [m.id for m in run_checks(include_deployment_checks=True)]


@pytest.mark.django_db
def test_the_start_up_check_has_nothing_to_say_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite")
    assert checks.check_database_role() == []
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("grant_app_role", "heli")


@on_postgresql
@pytest.mark.django_db
def test_grant_app_role_refuses_a_role_that_could_switch_the_triggers_off() -> None:
    user = connection.settings_dict["USER"] or "postgres"
    with pytest.raises(CommandError, match="超级用户"):
        call_command("grant_app_role", user)
    with pytest.raises(CommandError, match="没有账号"):
        call_command("grant_app_role", f"nobody_{secrets.token_hex(4)}")
    holder = f"heli_holder_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(f'CREATE ROLE "{holder}"')
        cursor.execute("CREATE TABLE held_by_the_application (id int)")
        cursor.execute(f'ALTER TABLE held_by_the_application OWNER TO "{holder}"')
    with pytest.raises(CommandError, match="REASSIGN OWNED BY"):
        call_command("grant_app_role", holder)


def test_the_deploy_guide_gives_the_grants_the_command_runs() -> None:
    guide = (settings.BASE_DIR / "deploy" / "README.md").read_text(encoding="utf-8")
    statements = roles.grant_statements(
        "heli",
        database="heli",
        schema="public",
        owner="heli_owner",
        append_only=roles.append_only_tables(),
    )
    for statement in statements:
        assert f"{statement};" in guide, statement
    assert "as_owner migrate\n   as_owner grant_app_role heli\n" in guide
