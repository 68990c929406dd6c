"""System checks of the audit log's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

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
