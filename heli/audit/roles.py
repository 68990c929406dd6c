"""The application's database role on PostgreSQL: what it may do to which table.

Production uses two roles. The owner (``heli_owner`` in ``deploy/README.md``) owns the
database and every table and runs ``migrate``; the application connects as a role that
owns nothing, so it can neither switch the append-only triggers off (``ALTER TABLE …
DISABLE TRIGGER`` needs the owner) nor drop or replace them. On top of that it is
granted only what it uses:

* every ordinary table: SELECT, INSERT, UPDATE, DELETE; every sequence: USAGE, SELECT;
* the append-only tables (the audit log and every ``MakeAppendOnly`` table, such as the
  task history): SELECT and INSERT — no UPDATE, DELETE or TRUNCATE;
* the audit chain's head (one row that ``record`` moves forward with each event): also
  UPDATE, which its trigger limits to moving forward; never DELETE or TRUNCATE;
* ``django_migrations``: SELECT only; the migration history is the owner's.

``manage.py grant_app_role`` (run by the owner after every ``migrate``) applies exactly
``grant_statements``; default privileges give tables of later migrations the ordinary
grants until it runs. ``problems`` is what the start-up checks ``heli.audit.W001`` and
``W002`` report.
"""

from __future__ import annotations

from django.apps import apps as global_apps
from django.db.backends.base.base import BaseDatabaseWrapper

from heli.audit import guards
from heli.lib import append_only

MIGRATIONS_TABLE = "django_migrations"
ORDINARY = "SELECT, INSERT, UPDATE, DELETE"


def quote(name: str) -> str:
    """A PostgreSQL identifier, quoted whatever it holds."""
    return '"' + name.replace('"', '""') + '"'


def append_only_tables() -> list[str]:
    """The tables the application may only add to: the audit log's, then the areas'."""
    tables = [guards.EVENT_TABLE, guards.ANCHOR_TABLE]
    for label, operations in append_only._declared().items():
        for _migration, operation in operations:
            try:
                _model, table = operation.table(global_apps, label)
            except LookupError:  # the model has gone since
                continue
            if table not in tables:
                tables.append(table)
    return tables


def grant_statements(
    role: str, *, database: str, schema: str, owner: str, append_only: list[str]
) -> list[str]:
    """The statements that give ``role`` exactly the application's rights (idempotent)."""
    app, where = quote(role), f"IN SCHEMA {quote(schema)}"
    statements = [
        f"GRANT CONNECT ON DATABASE {quote(database)} TO {app}",
        f"GRANT USAGE ON SCHEMA {quote(schema)} TO {app}",
        # Start from nothing, so a right granted by hand does not survive a re-run.
        f"REVOKE ALL ON ALL TABLES {where} FROM {app}",
        f"REVOKE ALL ON ALL SEQUENCES {where} FROM {app}",
        f"GRANT {ORDINARY} ON ALL TABLES {where} TO {app}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES {where} TO {app}",
        f"REVOKE INSERT, UPDATE, DELETE ON {quote(MIGRATIONS_TABLE)} FROM {app}",
    ]
    for table in append_only:
        # The chain's head moves forward with each event; its trigger allows nothing else.
        taken = "DELETE" if table == guards.ANCHOR_TABLE else "UPDATE, DELETE"
        statements.append(f"REVOKE {taken} ON {quote(table)} FROM {app}")
    by_owner = f"ALTER DEFAULT PRIVILEGES FOR ROLE {quote(owner)} {where}"
    statements += [
        f"{by_owner} GRANT {ORDINARY} ON TABLES TO {app}",
        f"{by_owner} GRANT USAGE, SELECT ON SEQUENCES TO {app}",
    ]
    return statements


def problems(connection: BaseDatabaseWrapper) -> tuple[list[str], list[str]]:
    """What the connected role could do to the append-only tables beyond adding rows.

    First: why it could switch the triggers off (a superuser; the owner of a table, or a
    member of the owner's role). Second: the rights it holds that the application's role
    must not (UPDATE, DELETE, TRUNCATE, TRIGGER). Both empty on other databases.
    """
    if connection.vendor != "postgresql":
        return [], []
    takeover: list[str] = []
    extra: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cursor.fetchone()
        if superuser:
            takeover.append(f"{user} 是超级用户 (superuser)")
        for table in append_only_tables():
            cursor.execute(
                "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'MEMBER'),"
                " has_table_privilege(oid, 'UPDATE'), has_table_privilege(oid, 'DELETE'),"
                " has_table_privilege(oid, 'TRUNCATE'), has_table_privilege(oid, 'TRIGGER')"
                " FROM pg_class WHERE oid = to_regclass(%s)",
                [quote(table)],
            )
            row = cursor.fetchone()
            if row is None:  # not migrated yet
                continue
            owner, owns, *rights = row
            if owns and not superuser:
                takeover.append(f"{table} 属于 {owner}")
            if superuser or owns:
                continue
            names = ["UPDATE", "DELETE", "TRUNCATE", "TRIGGER"]
            allowed = {"UPDATE"} if table == guards.ANCHOR_TABLE else set()
            held = [n for n, has in zip(names, rights, strict=True) if has and n not in allowed]
            if held:
                extra.append(f"{table}: {', '.join(held)}")
    return takeover, extra
