"""Two-step verification with TOTP: required of the three administrators, open to all.

Codes are computed from each device's real key, as the person's phone would.
"""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.messages import get_messages
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts import actions, otp
from heli.accounts.models import Role, SecurityPolicy, User
from heli.accounts.tests.conftest import audited, code_for, sign_in, wrong_code
from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

ENROL = reverse("accounts:otp")
VERIFY = reverse("accounts:otp_verify")
REMOVE = reverse("accounts:otp_remove")
HOME = reverse("home")


def enrolled(user: User) -> TOTPDevice:
    """A confirmed device, as if the person had enrolled earlier."""
    return TOTPDevice.objects.create(
        user=user, name="TOTP", confirmed=True, step=30, digits=6, tolerance=1
    )


def unthrottle(device: TOTPDevice) -> None:
    """Let the doubling wait after a wrong code pass."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
    )


@pytest.mark.parametrize("admin", ["sysadmin", "secadmin", "auditor"])
def test_admins_must_enrol_totp(client: Client, world: World, admin: str) -> None:
    assert sign_in(client, admin, PASSWORD).status_code == 302
    response = client.get(HOME)
    assert response.status_code == 302 and response["Location"] == f"{ENROL}?next=%2F"
    # Nothing else opens before enrolment.
    for url in (
        reverse("org:unit_list"),
        reverse("accounts:people"),
        reverse("accounts:password_change"),
    ):
        assert client.get(url)["Location"].startswith(ENROL), url
    page = client.get(ENROL)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in body and 'id="otp-required"' in body
    device = TOTPDevice.objects.get(user=world.user(admin), confirmed=False)
    assert otp.key_text(device).replace(" ", "") in body.replace(" ", "")
    response = client.post(ENROL, {"code": code_for(device), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(HOME).status_code == 200
    device.refresh_from_db()
    assert device.confirmed and device.tolerance == 1 and device.step == 30
    assert len(audited(events.OTP_ENROLLED, user=world.user(admin))) == 1


def test_totp_code_completes_login(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    assert sign_in(client, "leader", PASSWORD).status_code == 302
    response = client.get(reverse("org:unit_list"))
    assert response["Location"] == f"{VERIFY}?next=%2Forg%2Funits%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200
    response = client.post(VERIFY, {"code": code_for(device), "next": "/org/units/"})
    assert response.status_code == 302 and response["Location"] == "/org/units/"
    assert client.get(reverse("org:unit_list")).status_code == 200


def test_codes_within_one_step_are_accepted_and_further_ones_refused(
    client: Client, world: World
) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", PASSWORD)
    assert client.post(VERIFY, {"code": code_for(device, 2)}).status_code == 200
    unthrottle(device)
    assert client.post(VERIFY, {"code": code_for(device, -2)}).status_code == 200
    unthrottle(device)
    assert client.post(VERIFY, {"code": code_for(device, -1)}).status_code == 302


def test_a_code_cannot_be_used_twice(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    code = code_for(device)
    sign_in(client, "leader", PASSWORD)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    sign_in(client, "leader", PASSWORD)
    assert client.post(VERIFY, {"code": code}).status_code == 200
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_one_wrong_code_then_the_right_one_signs_in(client: Client, world: World) -> None:
    user = world.user("leader")
    device = enrolled(user)
    sign_in(client, "leader", PASSWORD)
    response = client.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 200
    [error] = response.context["form"].errors["code"]
    assert error.startswith("验证码不正确。") and "再失败 4 次，该账号将被锁定 15 分钟。" in error
    assert "之后" not in error  # no wait after a single wrong code
    rows = audited(events.OTP_FAILURE, user=user)
    assert len(rows) == 1 and rows[0].result == "failure"
    # At once, without waiting: the right code is taken.
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="leader").exists()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_after_several_wrong_codes_the_next_try_waits_and_the_page_says_until_when(
    client: Client, world: World
) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", PASSWORD)
    for _ in range(otp.FREE_WRONG_CODES):
        assert client.post(VERIFY, {"code": wrong_code(device)}).status_code == 200
    response = client.post(VERIFY, {"code": wrong_code(device)})
    [error] = response.context["form"].errors["code"]
    device.refresh_from_db()
    until = otp.wait_until(device)
    assert until is not None
    assert abs((until - timezone.now()) - otp.FIRST_WAIT) < datetime.timedelta(seconds=5)
    assert timezone.localtime(until).strftime("%H:%M:%S") in error
    assert "再失败 2 次" in error
    # During the wait even the right code is not checked, and not counted.
    response = client.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 200
    [error] = response.context["form"].errors["code"]
    assert error.startswith("这次输入的动态口令未核对。")
    assert timezone.localtime(until).strftime("%H:%M:%S") in error
    assert AccessAttempt.objects.get(username="leader").failures_since_start == 3
    assert 'id="otp-wait"' in client.get(VERIFY).content.decode()
    unthrottle(device)
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302


def test_the_wait_doubles_and_never_outlasts_the_lockout(world: World) -> None:
    device = enrolled(world.user("leader"))
    now = timezone.now()
    waits = []
    for wrong in (2, 3, 4, 5, 30):
        device.throttling_failure_count = wrong
        device.throttling_failure_timestamp = now
        until = otp.wait_until(device)
        waits.append(None if until is None else round((until - now).total_seconds()))
    assert waits == [None, 30, 60, 120, 15 * 60]


def test_wrong_passwords_before_count_in_the_tries_left(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", "wrong-Password-1")
    sign_in(client, "leader", "wrong-Password-1")
    sign_in(client, "leader", PASSWORD)
    response = client.post(VERIFY, {"code": wrong_code(device)})
    assert "再失败 2 次" in response.context["form"].errors["code"][0]


def test_five_wrong_codes_lock_the_account(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", PASSWORD)
    statuses = []
    for _ in range(5):
        unthrottle(device)
        statuses.append(client.post(VERIFY, {"code": wrong_code(device)}).status_code)
    assert statuses == [200, 200, 200, 200, 429]
    assert "_auth_user_id" not in client.session  # the half-signed-in session ended
    assert sign_in(client, "leader", PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username="leader").exists()


def test_failures_are_cleared_only_when_both_factors_pass(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", "wrong-Password-1")
    sign_in(client, "leader", PASSWORD)
    assert AccessAttempt.objects.filter(username="leader").exists()
    client.post(VERIFY, {"code": code_for(device)})
    assert not AccessAttempt.objects.filter(username="leader").exists()


def test_enrolment_needs_a_code_from_the_new_device(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.user("leader"))
    response = client.post(ENROL, {"code": wrong_code(device)})
    assert response.status_code == 200 and "code" in response.context["form"].errors
    response = client.post(ENROL, {"code": "12ab"})
    assert "code" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed
    assert audited(events.OTP_FAILURE)
    unthrottle(device)
    assert client.post(ENROL, {"code": code_for(device)}).status_code == 302


def test_everyone_may_enrol_and_then_needs_the_code_at_sign_in(
    client: Client, world: World
) -> None:
    client.force_login(world.user("unit0_staff"))
    assert client.get(HOME).status_code == 200  # not required of a business role
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=world.user("unit0_staff"))
    client.post(ENROL, {"code": code_for(device)})
    client.post(reverse("accounts:logout"))
    sign_in(client, "unit0_staff", PASSWORD)
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_a_person_turns_it_off_with_the_password(client: Client, world: World) -> None:
    user = world.user("leader")
    device = enrolled(user)
    sign_in(client, "leader", PASSWORD)
    client.post(VERIFY, {"code": code_for(device)})
    response = client.post(REMOVE, {"password": "wrong-Password-1"})
    assert response.status_code == 200
    assert "password" in response.context["remove_form"].errors
    assert TOTPDevice.objects.filter(user=user).exists()
    assert AccessAttempt.objects.filter(username="leader").exists()
    assert client.post(REMOVE, {"password": PASSWORD}).status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert len(audited(events.OTP_REMOVED, user=user, result="success")) == 1
    client.post(reverse("accounts:logout"))
    sign_in(client, "leader", PASSWORD)
    assert client.get(HOME).status_code == 200


def test_admins_cannot_turn_it_off(client: Client, world: World) -> None:
    user = world.user("secadmin")
    client.force_login(user)
    page = client.get(ENROL).content.decode()
    assert REMOVE not in page
    client.post(REMOVE, {"password": PASSWORD})
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    request = RequestFactory().post(REMOVE)
    request.session = SessionStore()
    request.user = user
    with pytest.raises(ValidationError):
        actions.remove_device(request, user)
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_device_cannot_be_removed_before_its_code_was_shown(client: Client, world: World) -> None:
    user = world.user("leader")
    enrolled(user)
    sign_in(client, "leader", PASSWORD)
    assert client.post(REMOVE, {"password": PASSWORD})["Location"].startswith(VERIFY)
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).exists()


def test_a_new_administrator_must_enrol_at_the_next_request(client: Client, world: World) -> None:
    nobody = world.user("nobody")
    client.force_login(nobody)
    assert client.get(HOME).status_code == 200
    actions.grant_role(world.user("secadmin"), nobody, Role.AUDITOR)
    assert client.get(HOME)["Location"].startswith(ENROL)


def test_no_committee_can_waive_the_requirement_for_admins(client: Client, world: World) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.create(committee=world.committee, otp_required_for_admins=False)
    SecurityPolicy.objects.create(committee=world.committee)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecurityPolicy.objects.update(otp_required_for_admins=False)
    sign_in(client, "auditor", PASSWORD)
    assert client.get(HOME)["Location"].startswith(ENROL)


REPLACE = reverse("accounts:otp_replace")


def test_an_administrator_replaces_the_device_only_by_enrolling_a_new_one(
    client: Client, world: World
) -> None:
    user = world.user("secadmin")
    old = enrolled(user)
    sign_in(client, "secadmin", PASSWORD)
    client.post(VERIFY, {"code": code_for(old)})
    # Removing it alone is refused, by the page and by the action.
    page = client.get(ENROL).content.decode()
    assert REMOVE not in page and 'id="otp-replace"' in page
    response = client.post(REMOVE, {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == ENROL
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    assert TOTPDevice.objects.get(user=user, confirmed=True) == old
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    # A wrong password or a wrong code from the new device changes nothing.
    response = client.post(REPLACE, {"password": "Wrong-pass-1x", "code": code_for(new)})
    assert "password" in response.context["replace_form"].errors
    response = client.post(REPLACE, {"password": PASSWORD, "code": wrong_code(new)})
    assert "code" in response.context["replace_form"].errors
    assert set(TOTPDevice.objects.filter(user=user, confirmed=True)) == {old}
    unthrottle(new)
    # Password and the new device's code: the new one in, the old one out, in one step.
    response = client.post(REPLACE, {"password": PASSWORD, "code": code_for(new)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) == [TOTPDevice.objects.get(pk=new.pk)]
    assert TOTPDevice.objects.get(pk=new.pk).confirmed
    rows = audited(events.OTP_ENROLLED, user=user, result="success")
    assert rows[-1].detail["replaced"] == [old.persistent_id]
    assert not audited(events.OTP_REMOVED, user=user, result="success")
    client.post(reverse("accounts:logout"))
    sign_in(client, "secadmin", PASSWORD)
    assert client.post(VERIFY, {"code": code_for(old, 1)}).status_code == 200  # old: refused
    unthrottle(TOTPDevice.objects.get(pk=new.pk))
    assert client.post(VERIFY, {"code": code_for(new, 1)}).status_code == 302


def test_a_person_may_replace_the_device_too(client: Client, world: World) -> None:
    user = world.user("leader")
    old = enrolled(user)
    sign_in(client, "leader", PASSWORD)
    client.post(VERIFY, {"code": code_for(old)})
    client.get(ENROL)
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(REPLACE, {"password": PASSWORD, "code": code_for(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) == [new.pk]


def test_verify_page_does_not_send_people_elsewhere(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", PASSWORD)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_verifying_starts_a_new_session_key(client: Client, world: World) -> None:
    device = enrolled(world.user("leader"))
    sign_in(client, "leader", PASSWORD)
    before = client.session.session_key
    client.post(VERIFY, {"code": code_for(device)})
    assert client.session.session_key != before
