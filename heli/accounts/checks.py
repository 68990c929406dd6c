"""Start-up checks that the settings still enforce the level-3 account rules.

A settings change (or an environment variable) could quietly switch off a password
rule or let sessions run for days; these checks make ``manage.py check`` (and so
``check --deploy``, which CI runs with the production settings) fail instead.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

REQUIRED_VALIDATORS = (
    "heli.accounts.validators.PolicyMinimumLengthValidator",
    "heli.accounts.validators.CharacterClassesValidator",
    "heli.accounts.validators.NotContainingUsernameValidator",
    "heli.accounts.validators.PasswordHistoryValidator",
    "heli.accounts.validators.CommonPasswordValidator",
)
SESSION_MIDDLEWARE = "heli.accounts.middleware.AccountSecurityMiddleware"
# The 12-hour limit is enforced per request; the cookie may outlive it by at most an
# hour so the person is told why they were signed out instead of silently dropped.
MAX_COOKIE_AGE = 13 * 3600


@checks.register(checks.Tags.security)
def check_password_validators(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    configured = [v.get("NAME") for v in settings.AUTH_PASSWORD_VALIDATORS]
    missing = [name for name in REQUIRED_VALIDATORS if name not in configured]
    if not missing:
        return []
    return [
        checks.Error(
            "口令复杂度规则没有全部启用：缺少 " + "、".join(missing) + "。"
            " (Password rules are switched off: " + ", ".join(missing) + ".)",
            hint="在 AUTH_PASSWORD_VALIDATORS 中保留这些校验器（heli/settings.py）。",
            id="heli.E020",
        )
    ]


@checks.register(checks.Tags.security)
def check_session_limits(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []
    if SESSION_MIDDLEWARE not in settings.MIDDLEWARE:
        problems.append(
            checks.Error(
                "会话的空闲超时和最长时限没有生效：缺少 AccountSecurityMiddleware。"
                " (Idle and absolute session limits are off.)",
                hint=f"在 MIDDLEWARE 中加入 {SESSION_MIDDLEWARE}（放在 AuthenticationMiddleware 之后）。",
                id="heli.E021",
            )
        )
    if settings.SESSION_COOKIE_AGE > MAX_COOKIE_AGE:
        problems.append(
            checks.Error(
                f"SESSION_COOKIE_AGE 为 {settings.SESSION_COOKIE_AGE} 秒，超过 {MAX_COOKIE_AGE} 秒。"
                " (Session cookies outlive the 12-hour limit.)",
                hint="把 SESSION_COOKIE_AGE 设为不超过 46800（13 小时）。",
                id="heli.E022",
            )
        )
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cache",
        "django.contrib.sessions.backends.cached_db",
    ):
        problems.append(
            checks.Error(
                "会话必须保存在服务器端，退出时才能销毁。 (Sessions must be kept server-side.)",
                hint="SESSION_ENGINE 使用 db、cache 或 cached_db。",
                id="heli.E023",
            )
        )
    return problems
