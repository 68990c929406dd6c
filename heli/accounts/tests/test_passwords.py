"""Password rules, history, expiry, and the change forced at first sign-in and after a reset."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from heli.accounts import actions, issued
from heli.accounts.models import PasswordHistory, SecurityPolicy, SignInCheck, User
from heli.accounts.tests.conftest import audited, sign_in
from heli.accounts.validators import (
    character_classes,
    common_password_candidates,
    generate_password,
)
from heli.audit import events
from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

CHANGE = reverse("accounts:password_change")


def refusal_codes(password: str, user: User | None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return {e.code or "" for e in error.error_list}
    return set()


def set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save()


# --- The rules -----------------------------------------------------------------------


def test_password_needs_three_character_classes(world: World) -> None:
    user = world.user("leader")
    for two_classes in ("abcdefgh12", "ABCDEFGH12", "abcdEFGHij", "abcd-efgh", "1234-5678#"):
        assert "password_too_few_classes" in refusal_codes(two_classes, user), two_classes
    for three_classes in ("wxyzEFGH12", "abcd-efg12", "ABCD-EFG12", "abcd-EFGHi"):
        assert refusal_codes(three_classes, user) == set(), three_classes
    assert character_classes("aA1-") == 4
    assert character_classes("汉字abc") == 2  # characters outside ASCII count as "other"


def test_password_must_have_at_least_eight_characters(world: World) -> None:
    user = world.user("leader")
    assert "password_too_short" in refusal_codes("aB3$xyz", user)
    assert refusal_codes("aB3$xyzw", user) == set()


def test_password_may_not_contain_username(world: World) -> None:
    user = world.user("leader")
    for password in ("leader#2026A", "xLEADERx#20", "My-LeAdEr-99"):
        assert "password_contains_username" in refusal_codes(password, user), password
    assert refusal_codes("Lead-er#2026", user) == set()


def test_committee_policy_makes_the_rules_stricter(world: World) -> None:
    user = world.user("leader")
    SecurityPolicy.objects.create(committee=world.committee, min_length=12, min_classes=4)
    assert "password_too_short" in refusal_codes("aB3$xyzw", user)
    assert "password_too_few_classes" in refusal_codes("abcdEFGH1234", user)
    assert refusal_codes("abcd-EFGH1234", user) == set()
    # The other committee keeps the defaults.
    assert refusal_codes("wxyzEFGH12", world.user("outsider")) == set()


def test_policy_can_never_be_weaker_than_the_baseline(world: World) -> None:
    from django.db import IntegrityError, transaction

    for field, value in (
        ("min_length", 7),
        ("min_classes", 2),
        ("history", 4),
        ("max_age_days", 91),
        ("idle_minutes", 31),
        ("absolute_hours", 13),
        ("otp_required_for_admins", False),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SecurityPolicy.objects.create(committee=world.committee, **{field: value})


def test_last_five_passwords_cannot_be_reused(world: World) -> None:
    user = world.user("staff")
    passwords = [f"Pass-word-{n}a" for n in range(1, 7)]
    for password in passwords[:5]:
        assert refusal_codes(password, user) == set(), password
        set_password(user, password)
    for password in passwords[:5]:
        assert "password_reused" in refusal_codes(password, user), password
    set_password(user, passwords[5])
    # Now the last five are 2..6: the first may come back, the others may not.
    assert refusal_codes(passwords[0], user) == set()
    for password in passwords[1:]:
        assert "password_reused" in refusal_codes(password, user), password


def test_history_length_follows_the_committee_policy(world: World) -> None:
    user = world.user("staff")
    SecurityPolicy.objects.create(committee=world.committee, history=6)
    passwords = [f"Pass-word-{n}a" for n in range(1, 7)]
    for password in passwords:
        set_password(user, password)
    assert "password_reused" in refusal_codes(passwords[0], user)


def test_history_keeps_hashes_not_passwords(world: World) -> None:
    user = world.user("staff")
    set_password(user, "Pass-word-1a")
    stored = PasswordHistory.objects.get(user=user).password
    assert "Pass-word-1a" not in stored and stored == user.password


def test_a_hash_upgrade_at_sign_in_is_not_a_new_password(client, world: World) -> None:
    # The quick hasher comes first in these tests, so signing in rehashes this one.
    user = world.user("leader")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    before = user.password_changed_at
    assert sign_in(client, "leader", PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("md5$")
    assert user.password_changed_at == before
    assert not PasswordHistory.objects.filter(user=user).exists()


def test_generated_passwords_meet_the_policy(world: World) -> None:
    user = world.user("staff")
    policy = SecurityPolicy(min_length=14, min_classes=4)
    for _ in range(50):
        password = generate_password(policy, user.username)
        assert len(password) == 14 and character_classes(password) == 4
        assert refusal_codes(password, user) == set()


# --- Forced changes ------------------------------------------------------------------


def confirmed_by_secadmin(client, world: World) -> None:
    """The security administrator confirms the sign-in with the code the page shows."""
    page = client.get(reverse("accounts:sign_in_wait"))
    assert page.status_code == 200
    mark = client.session[issued.SESSION_KEY]
    check = SignInCheck.objects.get(pk=mark["id"])
    actions.confirm_sign_in(world.user("secadmin"), check, mark["code"])


def test_first_login_forces_change(client, world: World) -> None:
    person, initial = actions.create_account(
        world.user("sysadmin"), username="newcomer", full_name="新同志"
    )
    assert person.must_change_password
    assert sign_in(client, "newcomer", initial).status_code == 302
    # First a security administrator confirms it is the owner (test_issued_passwords).
    assert client.get(reverse("home"))["Location"].startswith(reverse("accounts:sign_in_wait"))
    confirmed_by_secadmin(client, world)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE}?next=%2F"
    assert client.get(reverse("org:unit_list"))["Location"].startswith(CHANGE)
    page = client.get(CHANGE)
    assert page.status_code == 200 and 'id="password-reason"' in page.content.decode()
    response = client.post(
        CHANGE,
        {
            "old_password": initial,
            "new_password1": "Own-secret-1a",
            "new_password2": "Own-secret-1a",
            "next": "/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    person.refresh_from_db()
    assert not person.must_change_password
    assert PasswordHistory.objects.filter(user=person).count() == 2
    assert len(audited(events.PASSWORD_CHANGED, user=person, result="success")) == 1


def test_admin_reset_forces_change(client, world: World) -> None:
    user = world.user("leader")
    one_time = actions.reset_password(world.user("sysadmin"), user)
    user.refresh_from_db()
    assert user.must_change_password
    assert sign_in(client, "leader", PASSWORD).status_code == 200  # the old one is gone
    assert sign_in(client, "leader", one_time).status_code == 302
    confirmed_by_secadmin(client, world)
    assert client.get(reverse("home"))["Location"].startswith(CHANGE)
    # The reset password is the current one: it cannot be kept as the new one.
    response = client.post(
        CHANGE, {"old_password": one_time, "new_password1": one_time, "new_password2": one_time}
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors


def test_password_cannot_be_changed_to_itself(client, world: World) -> None:
    # Accounts made in bulk, as the demonstration data makes them, have no history yet.
    User.objects.filter(pk=world.user("leader").pk).update(must_change_password=True)
    PasswordHistory.objects.filter(user=world.user("leader")).delete()
    user = User.objects.get(username="leader")
    assert refusal_codes(PASSWORD, user) == {"password_unchanged"}
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(CHANGE)
    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert {e.code for e in errors} == {"password_unchanged"}, errors
    user.refresh_from_db()
    assert user.must_change_password
    assert not audited(events.PASSWORD_CHANGED, user=user, result="success")


@pytest.mark.parametrize(
    "password",
    ["Passw0rd!", "Qwerty123!", "P@ssw0rd", "Password2024!", "!Qwerty123", "Iloveyou#1"],
)
def test_common_passwords_are_refused_with_capitals_digits_or_symbols_added(
    world: World, password: str
) -> None:
    assert "password_too_common" in refusal_codes(password, world.user("leader"))
    assert "password_too_common" in refusal_codes(password, None)


def test_common_password_check_refuses_decorated_words_not_good_passwords(world: World) -> None:
    assert common_password_candidates("Qwerty123!") >= {"qwerty123", "qwerty"}
    for password in ("Lantern-river-58", "Heli-demo-2031!", "wxyz-EFGH-1234", "Own-secret-1a"):
        assert refusal_codes(password, world.user("leader")) == set(), password


def test_expired_password_forces_change(client, world: World) -> None:
    user = world.user("leader")
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=89)
    )
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=90, minutes=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(CHANGE)
    # Only the change page, signing out and the language stay open.
    assert client.get(CHANGE).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "Fresh-key-2026",
            "new_password2": "Fresh-key-2026",
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_expiry_follows_the_committee_policy(client, world: World) -> None:
    user = world.user("leader")
    SecurityPolicy.objects.create(committee=world.committee, max_age_days=30)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=31)
    )
    client.force_login(user)
    assert client.get(reverse("home"))["Location"].startswith(CHANGE)


def test_password_change_checks_the_old_password_and_counts_the_failure(
    client, world: World
) -> None:
    from axes.models import AccessAttempt

    user = world.user("leader")
    client.force_login(user)
    response = client.post(
        CHANGE,
        {
            "old_password": "wrong",
            "new_password1": "Fresh-key-2026",
            "new_password2": "Fresh-key-2026",
        },
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"old_password"}
    assert AccessAttempt.objects.get(username="leader").failures_since_start == 1
    # What was typed into the form never lands in the attempt log.
    assert "Fresh-key-2026" not in AccessAttempt.objects.get(username="leader").post_data
    assert len(audited(events.PASSWORD_CHANGED, user=user, result="failure")) == 1
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_new_password_is_checked_against_the_rules_of_the_users_committee(
    client, world: World
) -> None:
    client.force_login(world.user("leader"))
    response = client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": "leader2026ab",
            "new_password2": "leader2026ab",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["new_password2"]
    assert {e.code for e in errors} >= {"password_too_few_classes", "password_contains_username"}
    page = response.content.decode()
    assert "is-invalid" in page
