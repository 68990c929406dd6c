"""Sign-in lockout: 5 failures lock for 15 minutes, per account and per source address.

Time passes by moving the recorded attempts back, in the database, as the clock would.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.accounts.lockout import _ends_at, lock_ends_at
from heli.accounts.tests.conftest import audited, sign_in
from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

LOCKED = 429


def minutes_pass(minutes: float) -> None:
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes)
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, **extra: object) -> list[int]:
    return [
        sign_in(client, username, "wrong-Password-1", **extra).status_code for _ in range(times)
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
    assert timezone.localtime(ends).strftime("%H:%M") in body
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


def test_lockout_counts_per_address_across_usernames(client: Client, world: World) -> None:
    for username in ("leader", "staff", "office", "nobody", "no-such-user"):
        sign_in(client, username, "wrong-Password-1", REMOTE_ADDR="10.2.0.7")
    # Not one account has five failures, but the address has.
    assert sign_in(client, "unit0_staff", PASSWORD, REMOTE_ADDR="10.2.0.7").status_code == LOCKED
    assert sign_in(client, "unit0_staff", PASSWORD, REMOTE_ADDR="10.2.0.8").status_code == 302


def test_forged_x_forwarded_for_does_not_reset_the_lockout(client: Client, world: World) -> None:
    # A client that names a new address in every request: the peer is not our proxy,
    # so the header is ignored and every failure counts against its real address.
    for n in range(5):
        sign_in(
            client,
            ("leader", "staff")[n % 2],
            "wrong-Password-1",
            HTTP_X_FORWARDED_FOR=f"8.8.{n}.1",
        )
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
    for username in ("leader", "staff", "office", "nobody", "no-such-user"):
        sign_in(
            client,
            username,
            "wrong-Password-1",
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    locked = sign_in(
        client, "unit0_staff", PASSWORD, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert locked.status_code == LOCKED
    other = sign_in(
        client, "unit0_staff", PASSWORD, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert other.status_code == 302


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


def test_secadmin_unlocks_a_locked_address(client: Client, world: World) -> None:
    for username in ("leader", "staff", "office", "nobody", "no-such-user"):
        sign_in(Client(), username, "wrong-Password-1", REMOTE_ADDR="10.4.0.4")
    client.force_login(world.user("secadmin"))
    assert "10.4.0.4" in client.get(reverse("accounts:lockouts")).content.decode()
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
