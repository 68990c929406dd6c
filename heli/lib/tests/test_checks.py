"""Start-up checks of the commercial cryptography."""

from __future__ import annotations

import uuid

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test import override_settings
from django.test.utils import isolate_apps

from heli.lib import checks, sm
from heli.lib.fields import EncryptedCharField


def ids(messages: list) -> list[str]:
    return [m.id for m in messages]


def test_start_up_checks_pass_on_this_platform() -> None:
    assert checks.check_sm_algorithms() == []
    assert checks.check_field_encryption_keys() == []
    assert checks.check_password_hasher() == []
    checks.require_start_up()


def test_start_up_check_fails_without_sm3(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulates a platform whose OpenSSL was built without SM3 (the RHEL family's is).
    monkeypatch.setattr(sm, "sm3_available", lambda: False)
    (error,) = checks.check_sm_algorithms()
    assert error.id == "heli.E001" and error.is_serious()
    assert "SM3" in error.msg and "cryptography" in (error.hint or "")
    assert "heli.E001" in ids(run_checks())
    with pytest.raises(SystemCheckError, match="heli.E001"):
        call_command("check")
    with pytest.raises(ImproperlyConfigured, match="SM3"):
        checks.require_start_up()


def test_start_up_check_fails_without_sm4_gcm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sm, "sm4_gcm_available", lambda: False)
    assert ids(checks.check_sm_algorithms()) == ["heli.E002"]
    with pytest.raises(ImproperlyConfigured, match="SM4-GCM"):
        checks.require_start_up()


def test_production_without_a_field_key_fails_the_checks() -> None:
    with override_settings(HELI_PRODUCTION=True, FIELD_ENCRYPTION_KEY=""):
        (error,) = checks.check_field_encryption_keys()
        assert error.id == "heli.E003" and error.is_serious()
        assert "FIELD_ENCRYPTION_KEY_FILE" in (error.hint or "")
        with pytest.raises(ImproperlyConfigured, match="heli.E003"):
            checks.require_start_up()
    with override_settings(HELI_PRODUCTION=True, FIELD_ENCRYPTION_KEY="00" * 16):
        assert checks.check_field_encryption_keys() == []
    with override_settings(HELI_PRODUCTION=False, FIELD_ENCRYPTION_KEY=""):
        assert checks.check_field_encryption_keys() == []  # development key, allowed


def test_malformed_field_keys_fail_the_checks() -> None:
    with override_settings(FIELD_ENCRYPTION_KEY="not-a-key"):
        assert ids(checks.check_field_encryption_keys()) == ["heli.E004"]
    with override_settings(FIELD_ENCRYPTION_KEY="00" * 16, FIELD_ENCRYPTION_OLD_KEYS=["short"]):
        (error,) = checks.check_field_encryption_keys()
        assert error.id == "heli.E004" and "FIELD_ENCRYPTION_OLD_KEYS[1]" in error.msg


def test_production_wants_the_sm3_password_hasher_first() -> None:
    with override_settings(
        HELI_PRODUCTION=True,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"],
    ):
        assert ids(checks.check_password_hasher()) == ["heli.E005"]


@isolate_apps("heli.lib")
def test_models_with_encrypted_fields_need_a_row_uid() -> None:
    class Bare(models.Model):
        secret = EncryptedCharField(max_length=10, db_index=True)

        class Meta:
            app_label = "heli_lib"

        def __str__(self) -> str:
            return "bare"

    assert sorted(ids(Bare.check())) == ["heli.E010", "heli.E011"]

    class Bound(models.Model):
        secret = EncryptedCharField(max_length=10)
        row_uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

        class Meta:
            app_label = "heli_lib"

        def __str__(self) -> str:
            return "bound"

    assert Bound.check() == []
