"""Sign-in lockout for 15 minutes: 5 failures lock an account, 50 (over all accounts) an address.

Time passes by moving the recorded attempts back, in the database, as the clock would.
"""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts.lockout import _ends_at, lock_ends_at, shown_time
from heli.accounts.tests.conftest import audited, sign_in
from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

LOCKED = 429


def minutes_pass(minutes: float) -> None:
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes)
    )


@pytest.fixture
def address_limit_10(settings: object) -> None:
    """A lower address limit, where the test is not about the number 50 (fewer requests)."""
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10  # type: ignore[attr-defined]


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **extra: object) -> list[int]:
    return [
        sign_in(client, username, "wrong-Password-1", **extra).status_code for _ in range(times)
    ]


def fail_across(client: Client, times: int, *, start: int = 0, **extra: object) -> list[int]:
    """``times`` failed sign-ins from one address, two on each of many usernames."""
    return [
        sign_in(client, f"guess{(start + n) // 2:03d}", "wrong-Password-1", **extra).status_code
        for n in range(times)
    ]


def test_five_failures_lock_the_account_for_fifteen_minutes(client: Client, world: World) -> None:
    assert fail(client, "leader", 4) == [200, 200, 200, 200]
    response = sign_in(client, "leader", "wrong-Password-1")
    assert response.status_code == LOCKED
    assert 'id="lockout-message"' in response.content.decode()
    # The right password changes nothing while locked, and is not even checked.
    response = sign_in(client, "leader", PASSWORD)
    assert response.status_code == LOCKED and not signed_in(client)
    body = response.content.decode()
    ends = lock_ends_at("leader", "127.0.0.1")
    assert ends is not None
    assert abs((ends - timezone.now()) - datetime.timedelta(minutes=15)) < datetime.timedelta(
        seconds=30
    )
    # The account is locked (not the address), until the minute shown, rounded up.
    assert 'id="account-locked"' in body and 'id="address-locked"' not in body
    assert shown_time(ends) in body and "安全管理员" in body
    assert shown_time(ends) >= timezone.localtime(ends).strftime("%H:%M")
    assert 'value="leader"' in body  # the username stays in the form
    minutes_pass(14)
    assert sign_in(client, "leader", PASSWORD).status_code == LOCKED
    minutes_pass(1.1)
    assert sign_in(client, "leader", PASSWORD).status_code == 302
    assert signed_in(client)


def test_failures_during_the_lockout_do_not_extend_it(client: Client, world: World) -> None:
    fail(client, "leader", 5)
    minutes_pass(10)
    assert fail(client, "leader", 3) == [LOCKED] * 3
    minutes_pass(5.1)
    assert sign_in(client, "leader", PASSWORD).status_code == 302


def test_lockout_is_audited(client: Client, world: World) -> None:
    fail(client, "leader", 5)
    rows = audited(events.LOGIN_LOCKOUT)
    assert rows and rows[-1].detail["username"] == "leader"


def test_lockout_counts_per_account_across_addresses(client: Client, world: World) -> None:
    for n in range(5):
        sign_in(client, "leader", "wrong-Password-1", REMOTE_ADDR=f"10.1.0.{n}")
    assert sign_in(client, "leader", PASSWORD, REMOTE_ADDR="10.1.0.99").status_code == LOCKED
    # Another account from that same fresh address is not affected.
    assert sign_in(client, "staff", PASSWORD, REMOTE_ADDR="10.1.0.99").status_code == 302


def test_five_failures_on_one_account_leave_a_colleague_on_the_same_address_able_to_sign_in(
    client: Client, world: World
) -> None:
    # An office behind one NAT address: one person mistypes five times.
    office: dict[str, Any] = {"REMOTE_ADDR": "10.20.0.1"}
    assert fail(client, "leader", 5, **office) == [200, 200, 200, 200, LOCKED]
    assert sign_in(Client(), "leader", PASSWORD, **office).status_code == LOCKED
    # The colleague at the next desk, same address, signs in.
    colleague = Client()
    assert sign_in(colleague, "staff", PASSWORD, **office).status_code == 302
    assert signed_in(colleague)
    assert lock_ends_at(None, "10.20.0.1") is None


def test_lockout_counts_per_address_across_usernames(client: Client, world: World) -> None:
    address: dict[str, Any] = {"REMOTE_ADDR": "10.2.0.7"}
    statuses = fail_across(client, 49, **address)
    # Not one username has five failures, and the address is still open at 49.
    assert statuses == [200] * 49
    assert sign_in(Client(), "unit0_staff", PASSWORD, **address).status_code == 302
    assert fail_across(client, 1, start=49, **address) == [LOCKED]
    response = sign_in(Client(), "office", PASSWORD, **address)
    assert response.status_code == LOCKED
    body = response.content.decode()
    ends = lock_ends_at(None, "10.2.0.7")
    assert ends is not None
    assert 'id="address-locked"' in body and 'id="account-locked"' not in body
    assert "10.2.0.7" in body and shown_time(ends) in body
    # Other addresses are not affected, and the address reopens after the cool-off.
    assert sign_in(Client(), "office", PASSWORD, REMOTE_ADDR="10.2.0.8").status_code == 302
    minutes_pass(15.1)
    assert sign_in(Client(), "leader", PASSWORD, **address).status_code == 302


def test_a_wrong_password_says_truthfully_how_many_tries_remain(
    client: Client, world: World
) -> None:
    response = sign_in(client, "leader", "wrong-Password-1")
    assert response.status_code == 200
    assert response.context["tries_left"] == "再失败 4 次，该账号将被锁定 15 分钟。"
    assert 'id="tries-left"' in response.content.decode()
    fail(client, "leader", 2)
    response = sign_in(client, "leader", "wrong-Password-1")
    assert response.context["tries_left"] == "再失败 1 次，该账号将被锁定 15 分钟。"
    assert sign_in(client, "leader", "wrong-Password-1").status_code == LOCKED
    # An empty form was not a failure: nothing is counted, nothing said about tries.
    response = client.post(reverse("accounts:login"), {"username": "staff", "password": ""})
    assert "tries_left" not in response.context


@pytest.mark.usefixtures("address_limit_10")
def test_near_the_address_limit_the_address_is_what_the_message_names(
    client: Client, world: World
) -> None:
    address: dict[str, Any] = {"REMOTE_ADDR": "10.2.1.1"}
    fail_across(client, 7, **address)
    response = sign_in(client, "leader", "wrong-Password-1", **address)
    assert response.context["tries_left"] == "再失败 2 次，来自你的网络地址的登录将被暂停 15 分钟。"


@pytest.mark.usefixtures("address_limit_10")
def test_a_locked_account_and_a_locked_address_are_both_named(client: Client, world: World) -> None:
    address: dict[str, Any] = {"REMOTE_ADDR": "10.2.2.2"}
    fail(client, "leader", 5, REMOTE_ADDR="10.2.2.3")
    fail_across(client, 10, **address)
    body = sign_in(client, "leader", PASSWORD, **address).content.decode()
    assert 'id="account-locked"' in body and 'id="address-locked"' in body


def test_forged_x_forwarded_for_does_not_reset_the_lockout(client: Client, world: World) -> None:
    # A client that names a new address in every request: the peer is not our proxy,
    # so the header is ignored and every failure counts against its real address.
    for n in range(50):
        sign_in(client, f"guess{n // 2:03d}", "wrong-Password-1", HTTP_X_FORWARDED_FOR=f"8.8.{n}.1")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    response = sign_in(client, "office", PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert response.status_code == LOCKED
    response = sign_in(client, "office", PASSWORD, HTTP_X_FORWARDED_FOR="127.0.0.2, 9.9.9.10")
    assert response.status_code == LOCKED
    assert not signed_in(client)


def test_behind_our_proxy_each_client_address_counts_on_its_own(
    client: Client, world: World, settings: object
) -> None:
    settings.TRUSTED_PROXIES = ["10.9.9.9"]  # type: ignore[attr-defined]
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10  # type: ignore[attr-defined]
    proxy: dict[str, Any] = {"REMOTE_ADDR": "10.9.9.9"}
    fail_across(client, 10, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    locked = sign_in(client, "unit0_staff", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert locked.status_code == LOCKED
    other = sign_in(client, "unit0_staff", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 302


def test_the_address_limit_is_set_by_the_environment(
    client: Client, world: World, settings: object
) -> None:
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8  # type: ignore[attr-defined]
    assert fail_across(client, 8, REMOTE_ADDR="10.2.3.3") == [200] * 7 + [LOCKED]


def test_a_sign_in_ends_only_its_own_accounts_run_of_failures(client: Client, world: World) -> None:
    fail(client, "leader", 3, REMOTE_ADDR="10.3.0.1")
    fail(client, "staff", 1, REMOTE_ADDR="10.3.0.1")
    assert sign_in(Client(), "staff", PASSWORD, REMOTE_ADDR="10.3.0.1").status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()
    # The leader's failures stand: two more, from elsewhere, lock it.
    fail(client, "leader", 2, REMOTE_ADDR="10.3.0.2")
    assert sign_in(client, "leader", PASSWORD, REMOTE_ADDR="10.3.0.3").status_code == LOCKED


def test_failures_must_be_consecutive(client: Client, world: World) -> None:
    fail(client, "leader", 4)
    assert sign_in(Client(), "leader", PASSWORD).status_code == 302
    assert fail(client, "leader", 4) == [200] * 4


def test_lock_ends_when_enough_failures_age_out() -> None:
    now = timezone.now()
    fifteen = datetime.timedelta(minutes=15)
    rows = [(now - datetime.timedelta(minutes=10), 3), (now - datetime.timedelta(minutes=2), 2)]
    assert _ends_at(rows, 5) == now - datetime.timedelta(minutes=10) + fifteen
    rows = [(now - datetime.timedelta(minutes=10), 1), (now - datetime.timedelta(minutes=2), 5)]
    assert _ends_at(rows, 5) == now - datetime.timedelta(minutes=2) + fifteen
    assert _ends_at([(now, 4)], 5) is None


# --- Unlocking -----------------------------------------------------------------------


def test_secadmin_unlocks_an_account_from_the_lockouts_page(client: Client, world: World) -> None:
    fail(Client(), "leader", 5)
    secadmin = world.user("secadmin")
    client.force_login(secadmin)
    page = client.get(reverse("accounts:lockouts"))
    assert page.status_code == 200
    assert "<code>leader</code>" in page.content.decode()
    response = client.post(reverse("accounts:unlock"), {"username": "leader"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="leader").exists()
    rows = audited(events.ACCOUNT_UNLOCKED)
    assert len(rows) == 1
    assert rows[0].user_id == secadmin.pk and rows[0].object_id == str(world.user("leader").pk)
    assert sign_in(Client(), "leader", PASSWORD).status_code == 302


@pytest.mark.usefixtures("address_limit_10")
def test_secadmin_unlocks_a_locked_address(client: Client, world: World) -> None:
    for username in ("leader", "staff", "office", "nobody"):
        sign_in(Client(), username, "wrong-Password-1", REMOTE_ADDR="10.4.0.4")
    client.force_login(world.user("secadmin"))
    # Four failures over four accounts lock nothing: none is listed.
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert "10.4.0.4" not in page and "<code>leader</code>" not in page
    fail_across(Client(), 6, REMOTE_ADDR="10.4.0.4")
    page = client.get(reverse("accounts:lockouts")).content.decode()
    assert "10.4.0.4" in page and "<code>leader</code>" not in page
    assert "5 次" in page and "10 次" in page  # both limits are stated
    client.post(reverse("accounts:unlock"), {"ip_address": "10.4.0.4"})
    assert not AccessAttempt.objects.filter(ip_address="10.4.0.4").exists()
    assert audited(events.ACCOUNT_UNLOCKED)[0].detail == {"ip_address": "10.4.0.4"}


def test_secadmin_cannot_unlock_another_committees_account(client: Client, world: World) -> None:
    fail(Client(), "outsider", 5, REMOTE_ADDR="10.5.0.5")
    client.force_login(world.user("secadmin"))
    assert "outsider" not in client.get(reverse("accounts:lockouts")).content.decode()
    client.post(reverse("accounts:unlock"), {"username": "outsider"})
    client.post(reverse("accounts:unlock"), {"ip_address": "10.5.0.5"})
    assert AccessAttempt.objects.filter(username="outsider").count() == 1
    assert not audited(events.ACCOUNT_UNLOCKED)


@pytest.mark.parametrize("who", ["sysadmin", "auditor", "leader", "unit0_staff"])
def test_only_the_secadmin_sees_and_lifts_lockouts(client: Client, world: World, who: str) -> None:
    fail(Client(), "staff", 5)
    client.force_login(world.user(who))
    assert client.get(reverse("accounts:lockouts")).status_code == 404
    assert client.post(reverse("accounts:unlock"), {"username": "staff"}).status_code == 404
    assert AccessAttempt.objects.filter(username="staff").exists()


# --- Unlocking from the command line ---------------------------------------------------


def test_unlock_account_command_lets_a_locked_out_security_administrator_sign_in(
    client: Client, world: World
) -> None:
    secadmin = world.user("secadmin")
    TOTPDevice.objects.create(
        user=secadmin,
        name="TOTP",
        confirmed=True,
        throttling_failure_count=9,
        throttling_failure_timestamp=timezone.now(),
    )
    fail(client, "secadmin", 5, REMOTE_ADDR="10.7.0.1")
    assert sign_in(Client(), "secadmin", PASSWORD).status_code == LOCKED
    out = StringIO()
    call_command("unlock_account", "secadmin", stdout=out)
    assert "secadmin" in out.getvalue() and "已解除" in out.getvalue()
    assert not AccessAttempt.objects.filter(username="secadmin").exists()
    # The wait its device imposed after wrong codes ends too.
    assert TOTPDevice.objects.get(user=secadmin).throttling_failure_count == 0
    [row] = audited(events.ACCOUNT_UNLOCKED)
    assert row.user_id is None and row.object_id == str(secadmin.pk)
    assert row.detail["via"] == "manage.py unlock_account" and row.detail["was_locked"] is True
    assert row.detail["failures_cleared"] == 5 and row.committee_id == secadmin.committee_id
    assert sign_in(Client(), "secadmin", PASSWORD).status_code == 302


@pytest.mark.usefixtures("address_limit_10")
def test_unlock_account_command_reopens_an_address(client: Client, world: World) -> None:
    fail_across(client, 10, REMOTE_ADDR="10.7.0.2")
    assert sign_in(Client(), "secadmin", PASSWORD, REMOTE_ADDR="10.7.0.2").status_code == LOCKED
    out = StringIO()
    call_command("unlock_account", "--address", "10.7.0.2", stdout=out)
    assert "10.7.0.2" in out.getvalue()
    assert not AccessAttempt.objects.filter(ip_address="10.7.0.2").exists()
    [row] = audited(events.ACCOUNT_UNLOCKED)
    assert (row.object_type, row.object_id) == ("ip_address", "10.7.0.2")
    assert row.detail["failures_cleared"] == 10 and row.detail["was_locked"] is True
    assert sign_in(Client(), "secadmin", PASSWORD, REMOTE_ADDR="10.7.0.2").status_code == 302


def test_unlock_account_command_refuses_what_it_cannot_do(world: World) -> None:
    with pytest.raises(CommandError, match="用户名"):
        call_command("unlock_account")
    with pytest.raises(CommandError, match="没有用户名为 nobody-here"):
        call_command("unlock_account", "nobody-here")
    with pytest.raises(CommandError, match="IP"):
        call_command("unlock_account", "--address", "10.7.0.999")
    out = StringIO()
    call_command("unlock_account", "leader", stdout=out)
    assert "没有被锁定" in out.getvalue()
    assert not audited(events.ACCOUNT_UNLOCKED)  # nothing changed, nothing recorded
