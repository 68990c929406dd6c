"""A sign-in with an issued password waits for the security administrator in the system
Chromium: the page asks again in the background, never reloads itself on a timer, and goes
on by itself once confirmed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.accounts import actions
from heli.accounts.models import SignInCheck
from heli.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_an_issued_password(page: Any, live_server: Any, world: World) -> None:
    """The leader signs in with the password the system administrator just reset."""
    one_time = actions.reset_password(world.user("sysadmin"), world.user("leader"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(one_time)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/accounts/sign-in/wait/"))


def test_the_waiting_page_goes_on_once_confirmed_without_reloading(
    page: Any, live_server: Any, world: World
) -> None:
    sign_in_with_an_issued_password(page, live_server, world)
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    code = page.locator("#sign-in-code").inner_text().strip()
    # Marked on the page: a reload would lose it, so it tells whether the page reloaded.
    page.evaluate("window.stillTheSamePage = true")
    check = SignInCheck.objects.get(status=SignInCheck.Status.WAITING)
    secadmin = Client()
    secadmin.force_login(world.user("secadmin"))
    response = secadmin.post(reverse("accounts:sign_in_checks"), {"check": check.pk, "code": code})
    assert response.status_code == 302
    page.wait_for_url(re.compile(r"/accounts/password/"), timeout=25_000)
    assert page.evaluate("window.stillTheSamePage") is None  # a new page, reached by itself


def test_the_waiting_page_does_not_reload_while_it_waits(
    page: Any, live_server: Any, world: World
) -> None:
    sign_in_with_an_issued_password(page, live_server, world)
    page.evaluate("window.stillTheSamePage = true")
    # A round of asking (every 10 s) goes by: the page asked, and stayed as it was.
    with page.expect_request(re.compile(r"/accounts/sign-in/wait/"), timeout=15_000):
        pass
    assert page.evaluate("window.stillTheSamePage") is True
    assert re.search(r"/accounts/sign-in/wait/", page.url)
