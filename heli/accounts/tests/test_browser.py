"""An administrator's first sign-in in the system Chromium: password, enrolment, code."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest
from django_otp.oath import TOTP

from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_from_key(key_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in from the page."""
    key = key_text.replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    totp = TOTP(secret, 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form:has(#id_password) button[type=submit]")


def test_security_administrator_enrols_and_signs_in_with_a_code(
    page: Any, live_server: Any, world: World
) -> None:
    sign_in(page, live_server, "secadmin")
    page.wait_for_url(re.compile(r"/accounts/two-step/\?next="))
    assert page.locator("#otp-required").is_visible()
    qr = page.locator("img.heli-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    assert qr.evaluate("img => img.naturalWidth") > 100  # the QR code really renders
    key = page.inner_text("#otp-key")
    page.fill("#id_code", code_from_key(key))
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/accounts/lockouts/")
    assert page.locator("h1").inner_text()
    page.goto(f"{live_server.url}/accounts/security-policy/")
    assert page.locator("#lockout-is-global").is_visible()

    # Signing in again asks for the next code after the password.
    page.click("header .dropdown-toggle")
    page.click("header form[action$='/accounts/logout/'] button")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in(page, live_server, "secadmin")
    page.wait_for_url(re.compile(r"/accounts/two-step/verify/"))
    page.fill("#id_code", code_from_key(key, 1))
    page.click("main form:not([action]) button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
