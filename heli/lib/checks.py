"""System checks of the commercial cryptography (商用密码) Heli depends on.

They run before ``runserver``, ``migrate`` and every other command that checks; gunicorn
does not run checks, so ``heli/wsgi.py`` calls ``require_start_up()`` itself.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from heli.lib import keys, sm

SM3_MISSING = (
    "本平台的 OpenSSL 不支持 SM3 杂凑算法（或结果与 GB/T 32905-2016 的标准值不符），"
    "无法按 GB/T 39786-2021 保护口令、审计日志和个人信息。"
    " / The platform's OpenSSL has no working SM3."
)
SM4_MISSING = (
    "本平台的 OpenSSL 不支持 SM4-GCM（或结果与 RFC 8998 的标准值不符），无法加密个人信息字段。"
    " / The platform's OpenSSL has no working SM4-GCM."
)
SM_HINT = (
    "使用 PyPI 上自带 OpenSSL 的 cryptography 轮子（pip install --only-binary :all: "
    "cryptography），不要链接去掉了国密算法的发行版 OpenSSL（如 RHEL 系）；"
    "自行编译 OpenSSL 3 时不要加 no-sm3/no-sm4。改好后重新启动。"
)


def require_start_up() -> None:
    """Raise ImproperlyConfigured, saying what to do, if a cryptography check fails.

    For servers that do not run the system checks (gunicorn loading ``heli.wsgi``).
    """
    for message in check_sm_algorithms() + check_field_encryption_keys():
        if message.is_serious():
            raise ImproperlyConfigured(f"[{message.id}] {message.msg} {message.hint or ''}")


@checks.register(checks.Tags.security)
def check_sm_algorithms(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if not sm.sm3_available():
        errors.append(checks.Error(SM3_MISSING, hint=SM_HINT, id="heli.E001"))
    if not sm.sm4_gcm_available():
        errors.append(checks.Error(SM4_MISSING, hint=SM_HINT, id="heli.E002"))
    return errors


@checks.register(checks.Tags.security)
def check_field_encryption_keys(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if keys.is_production() and not keys.explicit_key_configured():
        return [
            checks.Error(
                "生产环境（HELI_PRODUCTION）没有配置字段加密密钥，"
                "个人信息不能用由 SECRET_KEY 派生的开发密钥加密。"
                " / No FIELD_ENCRYPTION_KEY in production.",
                hint=(
                    '生成 16 字节随机密钥（python -c "import secrets; '
                    'print(secrets.token_hex(16))"），写入只有运行账号可读的文件，'
                    "用 FIELD_ENCRYPTION_KEY_FILE 指向它（或设 FIELD_ENCRYPTION_KEY）。"
                    "密钥与数据库分开备份：丢了密钥，已加密的数据无法恢复。"
                ),
                id="heli.E003",
            )
        ]
    if not sm.sm3_available():
        return []  # key ids need HMAC-SM3; heli.E001 already says what is wrong
    try:
        keys.keyring()
    except ImproperlyConfigured as error:
        return [
            checks.Error(
                str(error),
                hint="检查 FIELD_ENCRYPTION_KEY 和 FIELD_ENCRYPTION_OLD_KEYS（逗号分隔）。",
                id="heli.E004",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_password_hasher(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    first = settings.PASSWORD_HASHERS[0] if settings.PASSWORD_HASHERS else ""
    if keys.is_production() and first != "heli.lib.hashers.PBKDF2SM3PasswordHasher":
        return [
            checks.Error(
                f"生产环境的首选口令杂凑是 {first}，不是 PBKDF2-HMAC-SM3。"
                " / The first password hasher in production is not PBKDF2-HMAC-SM3.",
                hint="PASSWORD_HASHERS 的第一项应为 heli.lib.hashers.PBKDF2SM3PasswordHasher。",
                id="heli.E005",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def check_trusted_proxies(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each entry a single address: heli.lib.http compares them exactly, gunicorn too."""
    errors: list[checks.CheckMessage] = []
    for entry in getattr(settings, "TRUSTED_PROXIES", ()):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            errors.append(
                checks.Error(
                    f"TRUSTED_PROXIES 中的 {entry!r} 不是单个 IP 地址，它发来的转发头不会被采信。"
                    f" / TRUSTED_PROXIES: {entry!r} is not a single IP address.",
                    hint="逐个列出反向代理（nginx）的 IP 地址，用逗号分隔，不写网段或 *。",
                    id="heli.E006",
                )
            )
    return errors
