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


def _second_context(browser: Any) -> Any:
    return browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})


def test_a_reset_password_works_only_once_the_security_administrator_confirms(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from heli.accounts.tests.conftest import code_for

    devices = {
        name: TOTPDevice.objects.create(user=world.user(name), name="TOTP", confirmed=True)
        for name in ("sysadmin", "secadmin")
    }

    def admin_signs_in(admin_page: Any, name: str) -> None:
        sign_in(admin_page, live_server, name)
        admin_page.wait_for_url(re.compile(r"/accounts/two-step/verify/"))
        admin_page.fill("#id_code", code_for(devices[name]))
        admin_page.click("main form:not([action]) button[type=submit]")
        admin_page.wait_for_url(f"{live_server.url}/")

    # The system administrator resets the leader's password and is shown it once.
    admin_signs_in(page, "sysadmin")
    page.goto(f"{live_server.url}/accounts/people/{world.user('leader').pk}/")
    page.click("form[action$='/reset-password/'] button[type=submit]")
    page.wait_for_selector("#one-time-password")
    one_time = page.inner_text("#one-time-password").strip()
    assert page.locator("#one-time-password-confirmation").is_visible()

    # Signing in with it (whoever does) ends on the waiting page with a code.
    person = _second_context(browser).new_page()
    person.goto(f"{live_server.url}/accounts/login/")
    person.fill("#id_username", "leader")
    person.fill("#id_password", one_time)
    person.click("form:has(#id_password) button[type=submit]")
    person.wait_for_url(re.compile(r"/accounts/sign-in/wait/"))
    code = person.inner_text("#sign-in-code").strip()
    assert re.fullmatch(r"\d{6}", code)
    person.goto(f"{live_server.url}/tracking/tasks/")
    person.wait_for_url(re.compile(r"/accounts/sign-in/wait/"))

    # The security administrator confirms it with the code the person reads out.
    secadmin = _second_context(browser).new_page()
    admin_signs_in(secadmin, "secadmin")
    secadmin.goto(f"{live_server.url}/accounts/sign-ins/")
    card = secadmin.locator("[id^=sign-in-check-]")
    assert card.count() == 1
    card.locator("input[name=code]").fill(code)
    card.locator("form:not([action]) button[type=submit]").click()
    secadmin.wait_for_selector("#no-sign-ins")

    # The person goes on to choose a password, then works.
    person.click("a[href*='/accounts/sign-in/wait/']")
    person.wait_for_url(re.compile(r"/accounts/password/"))
    person.fill("#id_old_password", one_time)
    person.fill("#id_new_password1", "Harbour-lamp-47")
    person.fill("#id_new_password2", "Harbour-lamp-47")
    person.click("main form button[type=submit]")
    # Back to the page the person asked for before the wait.
    person.wait_for_url(f"{live_server.url}/tracking/tasks/")
    person.context.close()
    secadmin.context.close()
