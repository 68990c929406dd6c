"""Django's ``flush``, which stops at the records the database keeps append-only.

The audit tables and every table made append-only by ``heli.lib.append_only`` (the
history an area keeps) refuse DELETE and TRUNCATE, so a plain flush of a database that
holds such rows would fail half-way. This command says why, in Chinese, before touching
anything.

Only inside ``heli.lib.append_only.permit_full_flush()`` — an explicit switch that
Python code in this process turns on, never a setting or an option — does it switch the
triggers off for the flush's own transaction, empty everything and switch them on
again. The test suite turns it on for its session, since Django empties the database
with this command after every transactional and live-server test.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections

from heli.audit import guards
from heli.lib import append_only


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        if not append_only.supported(connection):
            return super().handle(**options)
        existing = set(connection.introspection.table_names())
        audit = [t for t in (guards.EVENT_TABLE, guards.ANCHOR_TABLE) if t in existing]
        guarded = audit + [t for t in append_only.guarded_tables(connection) if t not in audit]
        if not guarded:
            return super().handle(**options)
        if append_only.full_flush_permitted():
            with append_only.lifted(connection, guarded):  # in a transaction of its own
                return super().handle(**options)
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            holding = []
            for table in guarded:
                cursor.execute(f"SELECT 1 FROM {qn(table)} LIMIT 1")  # noqa: S608 (table names from the catalogue)
                if cursor.fetchone() is not None:
                    holding.append(table)
        if holding:
            raise CommandError(
                f"数据库里有只能追加、不能删除的记录（{'、'.join(holding)}），"
                "flush 已拒绝执行，什么也没有删。"
                "确需重建数据库时，请先用 audit_verify 校验并备份审计日志，"
                "再由数据库管理员删除并重建整个数据库。"
                " / The database holds append-only records, which cannot be deleted."
            )
        return super().handle(**options)
