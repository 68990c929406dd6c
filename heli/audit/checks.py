"""System checks of the audit log's settings and of the database role the application uses."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from heli.audit import roles
from heli.audit.guards import MINIMUM_RETENTION_DAYS


@checks.register(checks.Tags.security)
def check_retention(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    days = getattr(settings, "AUDIT_RETENTION_DAYS", MINIMUM_RETENTION_DAYS)
    if not isinstance(days, int) or days < MINIMUM_RETENTION_DAYS:
        return [
            checks.Error(
                f"AUDIT_RETENTION_DAYS 是 {days!r}：审计记录至少要保存 "
                f"{MINIMUM_RETENTION_DAYS} 天（六个月，等级保护的要求）。"
                f" / AUDIT_RETENTION_DAYS must be at least {MINIMUM_RETENTION_DAYS}.",
                hint=f"把 AUDIT_RETENTION_DAYS 设为不小于 {MINIMUM_RETENTION_DAYS} 的整数。",
                id="heli.audit.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_audit_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    key = getattr(settings, "AUDIT_HMAC_KEY", "")
    if len(key.encode("utf-8")) < 32:
        return [
            checks.Error(
                "AUDIT_HMAC_KEY 太短（少于 32 字节），审计日志的 HMAC-SM3 链不够可靠。"
                " / AUDIT_HMAC_KEY must be at least 32 bytes.",
                hint="用 32 字节以上的随机串，放在 AUDIT_HMAC_KEY_FILE 指向的文件里，"
                "与 SECRET_KEY 分开保管；一旦启用不要更换，否则旧记录无法校验。",
                id="heli.audit.E002",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_database_role(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The role the application connects as must not be able to undo the audit log.

    A deployment check (``check --deploy``, run with the application's own settings):
    the owner's ``migrate`` runs no deployment checks, so it is not warned about itself.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return []
    try:
        takeover, extra = roles.problems(connection)
    except DatabaseError as error:
        return [
            checks.Warning(
                f"无法检查数据库账号的权限：{error} / Could not check the database role's rights.",
                hint="确认 DATABASE_URL 可以连接，再运行 manage.py check --deploy。",
                id="heli.audit.W003",
            )
        ]
    messages: list[checks.CheckMessage] = []
    if takeover:
        messages.append(
            checks.Warning(
                "应用连接数据库所用的账号能关闭审计表和历史表的只追加触发器（"
                + "；".join(takeover)
                + "），审计记录因此不受保护。"
                " / The application's database role owns the audit tables or is a superuser.",
                hint=(
                    "按 deploy/README.md“数据库”一节设两个账号：表属于 heli_owner，由它运行 "
                    "migrate 和 grant_app_role；应用的 DATABASE_URL 用不拥有任何表的 heli 账号。"
                    "已有的安装先以超级用户执行 REASSIGN OWNED BY heli TO heli_owner。"
                ),
                id="heli.audit.W001",
            )
        )
    if extra:
        messages.append(
            checks.Warning(
                "应用的数据库账号对只能追加的表有多余的权限（"
                + "；".join(extra)
                + "）。 / The application's role may change or empty append-only tables.",
                hint="以表的所有者运行 manage.py grant_app_role <应用账号>，重新设定权限。",
                id="heli.audit.W002",
            )
        )
    return messages
