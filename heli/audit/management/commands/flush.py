"""Django's ``flush``, which stops at the audit log.

The audit tables refuse DELETE and TRUNCATE (see ``heli.audit.guards``), so a plain
flush of a database that holds audit records would fail half-way. This command says
why, in Chinese, before touching anything — except under the test runner, whose
transactional tests empty the whole database between tests: there the triggers are
switched off for the flush's transaction and switched on again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections, transaction
from django.test.utils import _TestState  # type: ignore[attr-defined]

from heli.audit import guards
from heli.audit.models import AuditAnchor, AuditEvent


def _under_test_runner() -> bool:
    # setup_test_environment() leaves this behind until teardown_test_environment().
    return hasattr(_TestState, "saved_data")


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        tables = set(connection.introspection.table_names())
        if not {guards.EVENT_TABLE, guards.ANCHOR_TABLE} <= tables or not guards.supported(
            connection
        ):
            return super().handle(**options)
        if _under_test_runner():
            with transaction.atomic(using=database), guards.lifted(connection):
                return super().handle(**options)
        has_rows = (
            AuditEvent.objects.using(database).exists()
            or AuditAnchor.objects.using(database).exists()
        )
        if has_rows:
            raise CommandError(
                "数据库里有审计记录，审计记录不能删除，flush 已拒绝执行，什么也没有删。"
                "确需重建数据库时，请先用 audit_verify 校验并备份审计日志，"
                "再由数据库管理员删除并重建整个数据库。"
                " / The database holds audit records, which cannot be deleted."
            )
        return super().handle(**options)
