"""Custom start-up checks: password rules and session limits cannot be switched off quietly."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from heli.accounts.checks import check_password_validators, check_session_limits


def ids(messages) -> set[str]:
    return {m.id for m in messages}


def test_the_shipped_settings_pass_the_checks() -> None:
    assert check_password_validators() == []
    assert check_session_limits() == []


def test_a_missing_password_validator_fails_the_check() -> None:
    weakened = [v for v in settings.AUTH_PASSWORD_VALIDATORS if "CharacterClasses" not in v["NAME"]]
    with override_settings(AUTH_PASSWORD_VALIDATORS=weakened):
        assert ids(check_password_validators()) == {"heli.E020"}


def test_a_session_age_over_the_limit_fails_the_check() -> None:
    with override_settings(SESSION_COOKIE_AGE=14 * 24 * 3600):
        assert ids(check_session_limits()) == {"heli.E022"}


def test_sessions_without_the_limit_middleware_fail_the_check() -> None:
    middleware = [m for m in settings.MIDDLEWARE if "AccountSecurityMiddleware" not in m]
    with override_settings(MIDDLEWARE=middleware):
        assert "heli.E021" in ids(check_session_limits())


def test_client_side_sessions_fail_the_check() -> None:
    with override_settings(SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"):
        assert ids(check_session_limits()) == {"heli.E023"}
