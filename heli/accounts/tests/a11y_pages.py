"""The accounts' pages in the accessibility walk (heli/lib/tests/test_accessibility.py),
the steps of signing in among them."""

from __future__ import annotations

from django.conf import settings
from django.test import Client
from django.urls import reverse

from heli.accounts import issued
from heli.accounts.models import User
from heli.testing import AuditedPage

# A unit's party-affairs worker of the demonstration, and the password an administrator
# gave them (it waits for a security administrator's confirmation).
ISSUED_TO = "u020_staff"
ISSUED_PASSWORD = "Issued-Pass-2026!"  # noqa: S105 (a test's password, not a secret)


def signed_out() -> str:
    return ""


def waiting_for_confirmation() -> str:
    """Signed in with an issued password: the code to read to a security administrator."""
    user = User.objects.get(username=ISSUED_TO)
    user.set_password(ISSUED_PASSWORD)
    user.must_change_password = True
    user.save()
    issued.issue(user, User.objects.get(username="admin"), "忘记密码")
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": ISSUED_TO, "password": ISSUED_PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def second_factor_pending() -> str:
    """An administrator past the password, asked for the authenticator's code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = User.objects.get(username="secadmin")
    user.set_password(ISSUED_PASSWORD)
    user.save()
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": ISSUED_PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def a_person() -> list[int]:
    return [User.objects.get(username="unitstaff").pk]


PAGES = [
    AuditedPage("home"),
    AuditedPage("accounts:login", session=signed_out, note="signed out"),
    AuditedPage("accounts:sign_in_wait", session=waiting_for_confirmation, note="issued"),
    AuditedPage("accounts:otp_verify", session=second_factor_pending, note="second factor"),
    AuditedPage("accounts:password_change"),
    AuditedPage("accounts:otp"),
    AuditedPage("accounts:display"),
    AuditedPage("accounts:people"),
    AuditedPage("accounts:people", query="status=disabled", note="filtered"),
    AuditedPage("accounts:person_create"),
    AuditedPage("accounts:person_detail", a_person),
    AuditedPage("accounts:lockouts"),
    AuditedPage("accounts:security_policy"),
    AuditedPage("accounts:sign_in_checks"),
]

NOT_PAGES = {
    "accounts:logout": "a POST that signs out and returns to the sign-in page",
    "accounts:otp_remove": "a POST: removes the authenticator, answered on the two-step page",
    "accounts:otp_replace": "a POST: starts a new authenticator, answered on the two-step page",
    "accounts:person_reset_password": "a POST: answered on the person's page",
    "accounts:person_disable": "a POST: answered on the person's page",
    "accounts:person_enable": "a POST: answered on the person's page",
    "accounts:role_grant": "a POST: answered on the person's page",
    "accounts:role_revoke": "a POST: answered on the person's page",
    "accounts:unlock": "a POST: answered on the lockouts page",
    "accounts:sign_in_refuse": "a POST: answered on the sign-in checks page",
}
