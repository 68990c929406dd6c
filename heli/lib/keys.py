"""Keys of the field encryption (SM4-GCM), read from the settings.

``FIELD_ENCRYPTION_KEY`` is the current key: 16 random bytes written as 32 hex digits or
as base64. It encrypts every new value. ``FIELD_ENCRYPTION_OLD_KEYS`` lists earlier keys
that still decrypt, so a key can be rotated without downtime: make the new key current,
keep the old one here, run ``manage.py rotate_field_key``, then drop the old key. Both
settings may come from files (``FIELD_ENCRYPTION_KEY_FILE``, see ``heli.settings.secret``).

Every key is known by a key id, the first 4 bytes of HMAC-SM3 keyed with the key over a
fixed label: stored values name the key that sealed them without revealing it.

Without ``FIELD_ENCRYPTION_KEY`` a development key is derived from ``SECRET_KEY`` with
HMAC-SM3, so a fresh clone works. Production (``HELI_PRODUCTION``) refuses it: the system
check ``heli.E003`` stops start-up, and any encryption fails with ImproperlyConfigured.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from heli.lib.sm import SM4_KEY_BYTES, hmac_sm3

_KEY_ID_LABEL = b"heli field encryption key id"
_DEVELOPMENT_LABEL = b"heli field encryption development key"
_HEX_KEY = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class FieldKey:
    """One SM4 key and its id."""

    key_id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """The key that encrypts now, and every key that may decrypt, by key id."""

    current: FieldKey
    by_id: Mapping[str, FieldKey]
    development: bool  # the current key was derived from SECRET_KEY

    def get(self, key_id: str) -> FieldKey | None:
        return self.by_id.get(key_id)


def is_production() -> bool:
    return bool(getattr(settings, "HELI_PRODUCTION", False))


def key_id(secret: bytes) -> str:
    return hmac_sm3(secret, _KEY_ID_LABEL)[:4].hex()


def parse_key(text: str, setting: str) -> bytes:
    """16 bytes from hex or base64; the error names the setting, never the value."""
    text = text.strip()
    if _HEX_KEY.fullmatch(text):
        return bytes.fromhex(text)
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != SM4_KEY_BYTES:
        raise ImproperlyConfigured(
            f"{setting} 不是有效的 SM4 密钥：应为 16 字节随机数，写成 32 位十六进制或 base64。"
            f'可用 `python -c "import secrets; print(secrets.token_hex(16))"` 生成。'
            f" / {setting} is not a 16-byte SM4 key in hex or base64."
        )
    return raw


def development_key() -> bytes:
    return hmac_sm3(settings.SECRET_KEY.encode(), _DEVELOPMENT_LABEL)[:SM4_KEY_BYTES]


def explicit_key_configured() -> bool:
    return bool(str(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "").strip())


def _old_keys_setting() -> tuple[str, ...]:
    value = getattr(settings, "FIELD_ENCRYPTION_OLD_KEYS", ()) or ()
    if isinstance(value, str):
        value = re.split(r"[,\s]+", value)
    return tuple(k.strip() for k in value if k and k.strip())


def keyring() -> Keyring:
    """The configured keys; raises ImproperlyConfigured when they are unusable."""
    return _build_keyring(
        str(getattr(settings, "FIELD_ENCRYPTION_KEY", "") or "").strip(),
        _old_keys_setting(),
        settings.SECRET_KEY,
        is_production(),
    )


@functools.lru_cache(maxsize=8)
def _build_keyring(
    current_text: str, old_texts: Sequence[str], secret_key: str, production: bool
) -> Keyring:
    # The arguments are the settings themselves, so override_settings gets a fresh keyring.
    if current_text:
        current_secret = parse_key(current_text, "FIELD_ENCRYPTION_KEY")
        development = False
    elif production:
        raise ImproperlyConfigured(
            "生产环境未配置字段加密密钥 FIELD_ENCRYPTION_KEY（或 FIELD_ENCRYPTION_KEY_FILE），"
            "拒绝使用由 SECRET_KEY 派生的开发密钥。 / No FIELD_ENCRYPTION_KEY in production."
        )
    else:
        current_secret = development_key()
        development = True
    current = FieldKey(key_id(current_secret), current_secret)
    by_id = {current.key_id: current}
    for n, text in enumerate(old_texts, start=1):
        secret = parse_key(text, f"FIELD_ENCRYPTION_OLD_KEYS[{n}]")
        old = FieldKey(key_id(secret), secret)
        known = by_id.get(old.key_id)
        if known is not None and known.secret != secret:
            # 32-bit ids: two keys sharing one is a one-in-four-billion accident.
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_OLD_KEYS[{n}] 与另一把密钥的标识 {old.key_id} 相同，请换一把新密钥。"
            )
        by_id.setdefault(old.key_id, old)
    return Keyring(current, by_id, development)
