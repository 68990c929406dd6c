"""The audit administrator reads the log in the system Chromium, two-step sign-in included."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KEY = "3132333435363738393031323334353637383930"


def sign_in_as_auditor(page: Any, live_server: Any, world: World) -> None:
    TOTPDevice.objects.create(user=world.user("auditor"), name="TOTP", confirmed=True, key=KEY)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("auditor")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"two-step"))
    page.locator("input[name=code]").fill(f"{totp(bytes.fromhex(KEY)):06d}")
    page.locator("main form").first.locator("button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")


def test_auditor_searches_the_log_and_opens_a_record(
    page: Any, live_server: Any, world: World
) -> None:
    page.goto(f"{live_server.url}/audit/")
    assert "/accounts/login/" in page.url
    sign_in_as_auditor(page, live_server, world)

    page.locator("#sidebar").get_by_role("link", name="审计日志").click()
    page.wait_for_url(re.compile(r"/audit/$"))
    rows = page.locator("#event-rows tbody tr")
    assert rows.count() >= 2  # the role grants of the test committee, the sign-in

    # Choosing an event narrows the list in place.
    page.locator("#id_event").select_option(events.LOGIN_SUCCESS)
    page.wait_for_url(re.compile(r"event=login\.success"))
    assert rows.count() == 1
    rows.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/audit/\d+/$"))
    assert page.get_by_text("auditor").first.is_visible()
    assert page.get_by_text(events.LOGIN_SUCCESS).is_visible()
