"""Sign-ins, sign-outs, lockouts and role changes reach the audit log by themselves."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client, RequestFactory
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment
from heli.audit import chain, events, signals
from heli.audit.models import AuditEvent
from heli.lib.middleware import current_request
from heli.testing import PASSWORD, World, grant

pytestmark = pytest.mark.django_db


def rows(event: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=event).order_by("pk"))


def test_login_success_failure_and_logout_are_audited(world: World) -> None:
    client = Client(REMOTE_ADDR="10.8.1.23")
    login = reverse("accounts:login")
    client.post(login, {"username": "leader", "password": "wrong-password-1"})
    client.post(login, {"username": "nosuchperson", "password": "another-wrong-one"})
    assert client.post(login, {"username": "leader", "password": PASSWORD}).status_code == 302
    client.post(reverse("accounts:logout"))

    failed, unknown = rows(events.LOGIN_FAILURE)
    leader = world.user("leader")
    assert (failed.username, failed.user_id, failed.committee_id) == (
        "leader",
        leader.pk,
        world.committee.pk,
    )
    assert failed.result == AuditEvent.Result.FAILURE and failed.source_ip == "10.8.1.23"
    assert failed.detail == {"username": "leader", "account_exists": True}
    # An unknown name is kept as typed; it belongs to no committee.
    assert (unknown.username, unknown.user_id, unknown.committee_id) == ("nosuchperson", None, None)
    [success] = rows(events.LOGIN_SUCCESS)
    assert (success.user_id, success.result, success.source_ip) == (
        leader.pk,
        "success",
        "10.8.1.23",
    )
    [logout] = rows(events.LOGOUT)
    assert logout.user_id == leader.pk and logout.source_ip == "10.8.1.23"
    assert chain.verify().ok


def test_failed_login_never_stores_the_password(world: World) -> None:
    Client().post(
        reverse("accounts:login"), {"username": "leader", "password": "Secret-Typed-7731"}
    )
    stored = AuditEvent.objects.filter(event=events.LOGIN_FAILURE).values_list(
        "username", "object_repr", "detail"
    )
    assert stored and "Secret-Typed-7731" not in str(list(stored))


def test_a_forged_forwarded_for_header_does_not_choose_the_address(world: World) -> None:
    client = Client(REMOTE_ADDR="10.8.1.23", HTTP_X_FORWARDED_FOR="1.2.3.4")
    client.post(reverse("accounts:login"), {"username": "leader", "password": "wrong-pass-2"})
    assert rows(events.LOGIN_FAILURE)[0].source_ip == "10.8.1.23"


@pytest.mark.skipif(not apps.is_installed("axes"), reason="django-axes is not installed")
def test_lockout_is_audited(world: World, settings: Any) -> None:
    client = Client(REMOTE_ADDR="10.8.1.99")
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(reverse("accounts:login"), {"username": "leader", "password": f"no-{attempt}"})
    lockouts = rows(events.LOGIN_LOCKOUT)
    assert lockouts, "django-axes locked the account, the audit log must say so"
    lockout = lockouts[0]
    assert lockout.username == "leader" and lockout.user_id == world.user("leader").pk
    assert lockout.result == AuditEvent.Result.DENIED and lockout.source_ip == "10.8.1.99"
    assert lockout.detail == {"username": "leader", "ip_address": "10.8.1.99"}
    assert len(rows(events.LOGIN_FAILURE)) >= settings.AXES_FAILURE_LIMIT


def test_lockout_receiver_works_without_a_request(world: World) -> None:
    signals.on_locked_out("axes", request=None, username="ghost", ip_address="10.8.1.98")
    [lockout] = rows(events.LOGIN_LOCKOUT)
    assert (lockout.username, lockout.user_id, lockout.source_ip) == ("ghost", None, None)
    assert lockout.detail["ip_address"] == "10.8.1.98"


def test_role_change_is_audited(world: World) -> None:
    secadmin = world.user("secadmin")
    request = RequestFactory().post("/accounts/roles/", REMOTE_ADDR="10.8.2.7")
    request.user = secadmin
    nobody = world.user("nobody")
    before = AuditEvent.objects.count()
    token = current_request.set(request)
    try:
        assignment = grant(nobody, Role.UNIT_STAFF, unit=world.units[1])
        assignment.unit = world.units[3]
        assignment.save(update_fields=["unit"])
        assignment.delete()
    finally:
        current_request.reset(token)
    granted, changed, revoked = AuditEvent.objects.filter(pk__gt=before).order_by("pk")
    assert [granted.event, changed.event, revoked.event] == [
        events.ROLE_GRANTED,
        events.ROLE_CHANGED,
        events.ROLE_REVOKED,
    ]
    for row in (granted, changed, revoked):
        # Who acted, from where, on whose role.
        assert (row.user_id, row.username, row.source_ip) == (secadmin.pk, "secadmin", "10.8.2.7")
        assert row.object_type == "accounts.roleassignment"
        assert row.detail["holder"] == "nobody" and row.detail["role"] == Role.UNIT_STAFF
        assert row.committee_id == world.committee.pk
    assert granted.detail["unit_id"] == world.units[1].pk
    assert changed.detail["unit_id"] == world.units[3].pk


def test_role_changes_outside_a_request_are_audited_as_the_system(world: World) -> None:
    before = AuditEvent.objects.count()
    RoleAssignment.objects.filter(user=world.user("staff")).delete()
    [revoked] = AuditEvent.objects.filter(pk__gt=before)
    assert revoked.event == events.ROLE_REVOKED
    assert (revoked.user_id, revoked.username, revoked.source_ip) == (None, "", None)
    assert revoked.detail["holder"] == "staff"
