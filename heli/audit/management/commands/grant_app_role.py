"""Give the application's database role exactly its rights: ``manage.py grant_app_role heli``.

Run by the owner of the tables (the role ``migrate`` runs as) after every ``migrate``,
on PostgreSQL. What is granted, and why, is in ``heli.audit.roles``; ``--print-sql``
shows the statements without running them.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from heli.audit import guards, roles


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role what it needs and no more: ordinary tables "
        "read and write, append-only tables (audit log, task history) SELECT and INSERT only. "
        "Run as the tables' owner after every migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role in the application's DATABASE_URL")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="database alias (default: default)"
        )
        parser.add_argument(
            "--print-sql", action="store_true", help="print the statements; run nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        role: str = options["role"]
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(
                "只有 PostgreSQL 区分表的所有者与应用账号；当前数据库是 "
                f"{connection.vendor}，无需运行本命令。"
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), current_schema(), current_user, "
                "pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass(%s)",
                [roles.quote(guards.EVENT_TABLE)],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError("数据库里还没有审计表：请先以表的所有者运行 manage.py migrate。")
            database, schema, user, owner = found
            cursor.execute(
                "SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles "
                "WHERE rolname = %s",
                [owner, role],
            )
            target = cursor.fetchone()
            if target is None:
                raise CommandError(
                    f"数据库中没有账号 {role}：请先以超级用户执行 "
                    f"CREATE ROLE {roles.quote(role)} LOGIN PASSWORD '…'。"
                )
            superuser, in_owner_role = target
            if superuser or in_owner_role:
                raise CommandError(
                    f"账号 {role} 是超级用户、表的所有者 {owner} 或其成员，能关闭审计表的触发器，"
                    "不能作为应用账号。请另建一个普通账号（CREATE ROLE … LOGIN），"
                    "并把它写进应用的 DATABASE_URL。"
                )
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relowner = "
                "(SELECT oid FROM pg_roles WHERE rolname = %s)",
                [role],
            )
            if cursor.fetchone()[0]:
                raise CommandError(
                    f"账号 {role} 还拥有数据库里的表。请以超级用户在本数据库中执行 "
                    f"REASSIGN OWNED BY {roles.quote(role)} TO {roles.quote(owner)}，再运行本命令。"
                )
            if user != owner:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                if not cursor.fetchone()[0]:
                    raise CommandError(
                        f"表属于 {owner}，而当前连接的账号是 {user}：请用 {owner} 的 "
                        "DATABASE_URL 运行本命令（见 deploy/README.md）。"
                    )
        existing = set(connection.introspection.table_names())
        append_only = [t for t in roles.append_only_tables() if t in existing]
        statements = roles.grant_statements(
            role, database=database, schema=schema, owner=owner, append_only=append_only
        )
        if options["print_sql"]:
            for sql in statements:
                self.stdout.write(f"{sql};")
            return
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        self.stdout.write(
            f"已设定账号 {role} 的权限：普通表可读写；只能追加的表（{'、'.join(append_only)}）"
            "只能查询和新增。"
        )
