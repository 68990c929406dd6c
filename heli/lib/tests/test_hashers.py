"""PBKDF2-HMAC-SM3 password hashing, and the upgrade of SHA-256 hashes at login."""

from __future__ import annotations

import base64

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher, make_password
from django.test import RequestFactory

from heli.accounts.models import User
from heli.lib.hashers import PBKDF2SM3PasswordHasher
from heli.lib.tests.test_sm import pbkdf2_by_definition
from heli.testing import PASSWORD, password_hash


class FastHasher(PBKDF2SM3PasswordHasher):
    """The same hasher at few iterations, so each test can hash many times."""

    iterations = 1000


def test_pbkdf2_sm3_hasher_is_preferred_and_sha256_is_second() -> None:
    assert get_hasher("default").algorithm == "pbkdf2_sm3"
    assert isinstance(get_hasher("default"), PBKDF2SM3PasswordHasher)
    assert get_hasher("pbkdf2_sha256").algorithm == "pbkdf2_sha256"
    # The shared test users carry a real hash of the preferred kind.
    assert password_hash().startswith(f"pbkdf2_sm3${PBKDF2SM3PasswordHasher.iterations}$")


def test_pbkdf2_sm3_hasher_iterations_are_not_lowered() -> None:
    # About 0.3 s per hash where it was measured; never below OWASP's 600,000 for PBKDF2.
    assert PBKDF2SM3PasswordHasher.iterations >= 600_000


def test_pbkdf2_sm3_hasher_encodes_pbkdf2_hmac_sm3() -> None:
    encoded = FastHasher().encode("口令 password", "saltsaltsalt")
    algorithm, iterations, salt, digest = encoded.split("$")
    assert (algorithm, iterations, salt) == ("pbkdf2_sm3", "1000", "saltsaltsalt")
    expected = pbkdf2_by_definition("口令 password".encode(), b"saltsaltsalt", 1000, 32)
    assert base64.b64decode(digest) == expected


def test_pbkdf2_sm3_hasher_verifies_the_right_password_only() -> None:
    encoded = make_password(PASSWORD)  # the real hasher, real iterations
    assert identify_hasher(encoded).algorithm == "pbkdf2_sm3"
    assert encoded.split("$")[1] == str(PBKDF2SM3PasswordHasher.iterations)
    assert check_password(PASSWORD, encoded)
    assert not check_password(PASSWORD + "x", encoded)
    assert make_password(PASSWORD) != encoded  # salted


def test_pbkdf2_sm3_hasher_safe_summary_masks_salt_and_hash() -> None:
    hasher = FastHasher()
    encoded = hasher.encode("secret", "abcdefghijklmnop")
    summary = {str(k): v for k, v in hasher.safe_summary(encoded).items()}
    assert summary["algorithm"] == "pbkdf2_sm3"
    assert summary["iterations"] == 1000
    assert summary["salt"].startswith("abcdef") and "*" in summary["salt"]
    assert "abcdefghijklmnop" not in summary["salt"]
    assert encoded.split("$")[3] not in summary["hash"] and "*" in summary["hash"]


def test_pbkdf2_sm3_hasher_must_update_when_iterations_change() -> None:
    class MoreIterations(FastHasher):
        iterations = 2000

    encoded = FastHasher().encode("secret", FastHasher().salt())
    assert not FastHasher().must_update(encoded)
    assert MoreIterations().must_update(encoded)
    assert MoreIterations().verify("secret", encoded)  # the old count still verifies


def test_pbkdf2_sm3_hasher_harden_runtime_spends_the_missing_iterations() -> None:
    calls: list[int | None] = []

    class Counting(FastHasher):
        iterations = 2500

        def encode(self, password: str, salt: str, iterations: int | None = None) -> str:
            calls.append(iterations)
            return super().encode(password, salt, iterations)

    encoded = FastHasher().encode("secret", "saltsaltsalt")
    Counting().harden_runtime("secret", encoded)
    assert calls == [1500]
    calls.clear()
    Counting().harden_runtime("secret", Counting().encode("secret", "saltsaltsalt"))
    assert calls == [None]  # only the encode of the line above: nothing to harden


def test_pbkdf2_sm3_hasher_refuses_bad_salt() -> None:
    with pytest.raises(ValueError):
        FastHasher().encode("secret", "bad$salt")
    with pytest.raises(ValueError):
        FastHasher().encode("secret", "")


@pytest.mark.django_db
def test_sha256_hash_upgrades_at_next_login() -> None:
    user = User.objects.create(
        username="old_timer", password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )
    assert user.password.startswith("pbkdf2_sha256$")
    request = RequestFactory().post("/accounts/login/")

    assert authenticate(request, username="old_timer", password="wrong") is None
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")  # a failed login changes nothing

    assert authenticate(request, username="old_timer", password=PASSWORD) == user
    user.refresh_from_db()
    assert user.password.startswith(f"pbkdf2_sm3${PBKDF2SM3PasswordHasher.iterations}$")
    assert authenticate(request, username="old_timer", password=PASSWORD) == user
    assert User.objects.get(pk=user.pk).check_password(PASSWORD)
