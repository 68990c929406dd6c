"""One-time passwords an administrator issues cannot be used by that administrator.

三员分立: the system administrator sees the one-time password of every account it creates
or resets. A sign-in with it waits until a security administrator confirms, with the code
that very session shows, that it is the owner; the owner is told of the reset and of the
first sign-in after it, and both are audited.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts import actions, issued
from heli.accounts.models import IssuedPassword, Role, SignInCheck, User
from heli.accounts.tests.conftest import audited, code_for, sign_in
from heli.audit import events
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

HOME = reverse("home")
WAIT = reverse("accounts:sign_in_wait")
CHANGE = reverse("accounts:password_change")
CHECKS = reverse("accounts:sign_in_checks")
ENROL = reverse("accounts:otp")


def notifications(user: User) -> list[str]:
    notification = apps.get_model("notifications", "Notification")
    return list(notification.objects.filter(recipient=user).values_list("key", flat=True))


def waiting_check(client: Client) -> tuple[SignInCheck, str]:
    """The check the client's session waits on, and the code its page shows."""
    page = client.get(WAIT)
    assert page.status_code == 200
    mark = client.session[issued.SESSION_KEY]
    assert f'id="sign-in-code">{mark["code"]}<' in page.content.decode()
    return SignInCheck.objects.get(pk=mark["id"]), mark["code"]


def secadmin_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user("secadmin"))
    return client


def test_the_issuer_cannot_sign_in_with_the_password_it_reset(world: World) -> None:
    sysadmin, leader = world.user("sysadmin"), world.user("leader")
    one_time = actions.reset_password(sysadmin, leader)
    # The system administrator tries the password it has just seen.
    attacker = Client()
    assert sign_in(attacker, "leader", one_time).status_code == 302
    for url in (
        HOME,
        reverse("org:unit_list"),
        reverse("tracking:task_list"),
        reverse("notifications:centre"),
        CHANGE,
        ENROL,
    ):
        response = attacker.get(url)
        assert response.status_code == 302 and response["Location"].startswith(WAIT), url
    # Not even the password can be changed to take the account over.
    response = attacker.post(
        CHANGE,
        {
            "old_password": one_time,
            "new_password1": "Taken-over-9x",
            "new_password2": "Taken-over-9x",
        },
    )
    assert response.status_code == 302 and response["Location"].startswith(WAIT)
    leader.refresh_from_db()
    assert leader.check_password(one_time) and leader.must_change_password
    check, code = waiting_check(attacker)
    # Nor can it confirm its own sign-in: the page is the security administrator's.
    own = Client()
    own.force_login(sysadmin)
    assert own.get(CHECKS).status_code == 404
    assert own.post(CHECKS, {"check": check.pk, "code": code}).status_code == 404
    with pytest.raises(PermissionDenied):
        actions.confirm_sign_in(sysadmin, check, code)
    check.refresh_from_db()
    assert check.status == SignInCheck.Status.WAITING
    assert attacker.get(HOME)["Location"].startswith(WAIT)


def test_the_security_administrator_confirms_only_the_session_whose_code_it_is_given(
    world: World,
) -> None:
    leader = world.user("leader")
    one_time = actions.reset_password(world.user("sysadmin"), leader)
    owner, other = Client(), Client()
    sign_in(owner, "leader", one_time)
    sign_in(other, "leader", one_time)
    owner_check, owner_code = waiting_check(owner)
    other_check, _other_code = waiting_check(other)
    secadmin = secadmin_client(world)
    page = secadmin.get(CHECKS).content.decode()
    assert f'id="sign-in-check-{owner_check.pk}"' in page
    assert f'id="sign-in-check-{other_check.pk}"' in page
    assert owner_code not in page  # the person reads it out; the page never shows it
    wrong = "000000" if owner_code != "000000" else "111111"
    response = secadmin.post(CHECKS, {"check": owner_check.pk, "code": wrong})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert len(audited(events.SIGN_IN_CONFIRMED, result="failure")) == 1
    response = secadmin.post(CHECKS, {"check": owner_check.pk, "code": owner_code})
    assert response.status_code == 302
    owner_check.refresh_from_db()
    assert owner_check.status == SignInCheck.Status.CONFIRMED
    assert owner_check.decided_by == world.user("secadmin")
    rows = audited(events.SIGN_IN_CONFIRMED, result="success")
    assert len(rows) == 1 and rows[0].object_id == str(leader.pk)
    # The confirmed session goes on to choose a password; the other one still waits.
    assert owner.get(HOME)["Location"].startswith(CHANGE)
    assert other.get(HOME)["Location"].startswith(WAIT)
    response = owner.post(
        CHANGE,
        {
            "old_password": one_time,
            "new_password1": "Own-choice-7q",
            "new_password2": "Own-choice-7q",
        },
    )
    assert response.status_code == 302
    assert owner.get(HOME).status_code == 200
    assert not IssuedPassword.objects.filter(user=leader, closed_at__isnull=True).exists()
    # The new password ended the other session.
    assert other.get(HOME)["Location"].startswith(reverse("accounts:login"))


def test_the_person_is_told_of_the_reset_and_of_the_first_sign_in_and_both_are_audited(
    world: World,
) -> None:
    leader = world.user("leader")
    one_time = actions.reset_password(world.user("sysadmin"), leader)
    issue = IssuedPassword.objects.get(user=leader, closed_at__isnull=True)
    assert notifications(leader) == [f"accounts.password_reset:{issue.pk}"]
    assert [r.detail["issued"] for r in audited(events.PASSWORD_RESET)] == [issue.pk]
    first = Client()
    sign_in(first, "leader", one_time, REMOTE_ADDR="10.1.2.3")
    assert set(notifications(leader)) == {
        f"accounts.password_reset:{issue.pk}",
        f"accounts.first_sign_in:{issue.pk}",
    }
    rows = audited(events.PASSWORD_FIRST_SIGN_IN)
    assert len(rows) == 1 and rows[0].source_ip == "10.1.2.3"
    assert rows[0].object_id == str(leader.pk)
    issue.refresh_from_db()
    assert issue.first_sign_in_at is not None
    # The security administrators hear that a sign-in waits for them.
    check = SignInCheck.objects.get(issued=issue)
    assert notifications(world.user("secadmin")) == [f"accounts.sign_in_check:{check.pk}"]
    assert notifications(world.user("sysadmin")) == []
    # A second sign-in is not the first: no second notice to the owner, no second row.
    sign_in(Client(), "leader", one_time)
    assert len(notifications(leader)) == 2
    assert len(audited(events.PASSWORD_FIRST_SIGN_IN)) == 1


def test_refusing_a_sign_in_ends_it_and_voids_the_one_time_password(world: World) -> None:
    leader = world.user("leader")
    one_time = actions.reset_password(world.user("sysadmin"), leader)
    attacker = Client()
    sign_in(attacker, "leader", one_time)
    check, _code = waiting_check(attacker)
    response = secadmin_client(world).post(reverse("accounts:sign_in_refuse", args=[check.pk]))
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == SignInCheck.Status.REFUSED
    assert attacker.get(HOME)["Location"].startswith(reverse("accounts:login"))
    assert sign_in(Client(), "leader", one_time).status_code == 200  # refused at sign-in
    assert len(audited(events.SIGN_IN_REFUSED, object_id=str(leader.pk))) == 1
    # Once decided, a check is not decided again.
    with pytest.raises(ValidationError):
        actions.confirm_sign_in(world.user("secadmin"), check, "123456")


def test_the_owners_own_device_proves_the_sign_in_without_a_confirmation(world: World) -> None:
    leader = world.user("leader")
    device = TOTPDevice.objects.create(user=leader, name="TOTP", confirmed=True)
    one_time = actions.reset_password(world.user("sysadmin"), leader)
    client = Client()
    sign_in(client, "leader", one_time)
    # Whoever knows the password still needs the owner's phone.
    assert client.get(HOME)["Location"].startswith(reverse("accounts:otp_verify"))
    assert client.get(WAIT)["Location"].startswith(reverse("accounts:otp_verify"))
    client.post(reverse("accounts:otp_verify"), {"code": code_for(device)})
    assert client.get(HOME)["Location"].startswith(CHANGE)
    assert not SignInCheck.objects.exists()


def test_a_sign_in_not_confirmed_in_time_is_ended(world: World) -> None:
    one_time = actions.reset_password(world.user("sysadmin"), world.user("leader"))
    client = Client()
    sign_in(client, "leader", one_time)
    check, code = waiting_check(client)
    later = timezone.now() + issued.CONFIRM_WITHIN + datetime.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        assert secadmin_client(world).get(CHECKS).content.decode().count("sign-in-check-") == 0
        with pytest.raises(ValidationError):
            actions.confirm_sign_in(world.user("secadmin"), check, code)
        response = client.get(WAIT)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_new_account_waits_too_and_an_administrator_changes_the_password_before_enrolling(
    world: World,
) -> None:
    sysadmin, secadmin = world.user("sysadmin"), world.user("secadmin")
    person, one_time = actions.create_account(sysadmin, username="newaudit", full_name="新审计员")
    actions.grant_role(secadmin, person, Role.AUDITOR)
    client = Client()
    sign_in(client, "newaudit", one_time)
    # Neither enrolment nor anything else before the confirmation.
    assert client.get(HOME)["Location"].startswith(WAIT)
    assert client.get(ENROL)["Location"].startswith(WAIT)
    assert not TOTPDevice.objects.filter(user=person).exists()
    check, code = waiting_check(client)
    actions.confirm_sign_in(secadmin, check, code)
    # Then the password, and only then the device: whoever saw the one-time password
    # cannot enrol a device of theirs on the account.
    assert client.get(HOME)["Location"].startswith(CHANGE)
    assert client.get(ENROL)["Location"].startswith(CHANGE)
    assert not TOTPDevice.objects.filter(user=person).exists()
    client.post(
        CHANGE,
        {
            "old_password": one_time,
            "new_password1": "Lantern-river-58",
            "new_password2": "Lantern-river-58",
        },
    )
    assert client.get(HOME)["Location"].startswith(ENROL)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=person, confirmed=False)
    assert client.post(ENROL, {"code": code_for(device)}).status_code == 302
    assert client.get(HOME).status_code == 200


def test_no_one_confirms_their_own_sign_in_or_one_of_another_committee(world: World) -> None:
    one_time = actions.reset_password(world.user("sysadmin"), world.user("leader"))
    client = Client()
    sign_in(client, "leader", one_time)
    check, code = waiting_check(client)
    for who in ("leader", "auditor", "outsider", "unit0_secretary"):
        with pytest.raises(PermissionDenied):
            actions.confirm_sign_in(world.user(who), check, code)
    check.refresh_from_db()
    assert check.status == SignInCheck.Status.WAITING


def test_one_time_passwords_open_before_the_upgrade_wait_for_confirmation_too(
    world: World,
) -> None:
    migration = importlib.import_module(
        "heli.accounts.migrations.0005_issued_passwords_and_two_step_baseline"
    )
    leader = world.user("leader")
    one_time = actions.reset_password(world.user("sysadmin"), leader)
    # As before the upgrade: the reset is in the audit log, but no issued-password row.
    IssuedPassword.objects.filter(user=leader).delete()
    migration.open_passwords_wait_for_confirmation(apps, None)
    issue = IssuedPassword.objects.get(user=leader, closed_at__isnull=True)
    assert issue.issued_by == world.user("sysadmin") and issue.reason == "reset"
    client = Client()
    sign_in(client, "leader", one_time)
    assert client.get(HOME)["Location"].startswith(WAIT)
