"""Helpers of the sign-in tests: a quick password hasher, real TOTP codes, posting the form."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli import testing
from heli.audit.models import AuditEvent
from heli.testing import PASSWORD

# Salted MD5 for passwords set during a test: PBKDF2-HMAC-SM3 takes half a second per
# hash by design, and these tests set and check dozens. What is tested is which
# passwords are accepted, not how they are stored (heli/lib tests the hasher).
QUICK_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def quick_hashing(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """New passwords, and those of the test world built after this, hash quickly."""
    settings.PASSWORD_HASHERS = QUICK_HASHERS + list(settings.PASSWORD_HASHERS)
    quick = make_password(PASSWORD)
    monkeypatch.setattr(testing, "password_hash", lambda: quick)
    yield


def sign_in(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the person's authenticator app shows now (or ``steps_ahead`` steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A code that no step within the tolerance shows."""
    valid = {code_for(device, k) for k in range(-3, 4)}
    return next(c for c in (f"{n:06d}" for n in range(1000000)) if c not in valid)


def audited(event: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=event, **filters).order_by("id"))
