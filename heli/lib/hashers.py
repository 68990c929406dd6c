"""Password hashing with PBKDF2-HMAC-SM3 (GB/T 39786-2021: 商用密码 for stored passwords).

Stored as ``pbkdf2_sm3$<iterations>$<salt>$<base64 of 32 bytes>``, the layout of Django's
PBKDF2 hashers, so decode, verify, safe_summary, must_update and harden_runtime are
Django's own; only the derivation differs, done by OpenSSL through ``cryptography``.

Keep Django's ``PBKDF2PasswordHasher`` second in PASSWORD_HASHERS: existing SHA-256
hashes still verify and are rewritten with this hasher at the next login.
"""

from __future__ import annotations

import base64

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.encoding import force_bytes

from heli.lib.sm import pbkdf2_sm3


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with HMAC-SM3, 32-byte output."""

    algorithm = "pbkdf2_sm3"
    # About 0.3 s per hash on the development machine (Django's 1,000,000 rounds of
    # PBKDF2-SHA256 take 0.23 s there). Raising it re-hashes each password at its next login.
    iterations = 800_000

    def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
        self._check_encode_args(password, salt)  # type: ignore[attr-defined]
        iterations = iterations or self.iterations
        derived = pbkdf2_sm3(force_bytes(password), force_bytes(salt), iterations, 32)
        encoded = base64.b64encode(derived).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${encoded}"
