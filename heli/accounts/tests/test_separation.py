"""三员分立: system, security and audit administrators are three accounts, each refused the others' work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import NoReverseMatch, reverse

from heli.accounts import actions
from heli.accounts.models import Role, RoleAssignment, SecurityPolicy
from heli.accounts.policy import Action, can, visible
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.testing import World

pytestmark = pytest.mark.django_db

ADMINS = ("sysadmin", "secadmin", "auditor")


def test_no_account_holds_two_admin_roles(world: World) -> None:
    secadmin = world.user("secadmin")
    for holder, second in (
        ("sysadmin", Role.AUDITOR),
        ("sysadmin", Role.SECADMIN),
        ("auditor", Role.SYSADMIN),
    ):
        with pytest.raises(ValidationError) as refused:
            actions.grant_role(secadmin, world.user(holder), second)
        assert "role" in refused.value.message_dict
    # The database refuses it too, whoever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(
            user=world.user("sysadmin"), committee=world.committee, role=Role.AUDITOR
        )
    assert RoleAssignment.objects.filter(user=world.user("sysadmin")).count() == 1


def test_an_administrator_holds_no_business_role(world: World) -> None:
    secadmin = world.user("secadmin")
    with pytest.raises(ValidationError):
        actions.grant_role(secadmin, world.user("leader"), Role.SYSADMIN)
    with pytest.raises(ValidationError):
        actions.grant_role(secadmin, world.user("auditor"), Role.COMMITTEE_LEADER)
    with pytest.raises(ValidationError):
        actions.grant_role(secadmin, world.user("sysadmin"), Role.UNIT_STAFF, unit=world.units[0])
    # An account without roles may become an administrator.
    actions.grant_role(secadmin, world.user("nobody"), Role.AUDITOR)
    assert RoleAssignment.objects.filter(user=world.user("nobody"), role=Role.AUDITOR).exists()


# --- Each is refused the others' functions -------------------------------------------


@dataclass(frozen=True)
class Function:
    """One administrator function, as a request over HTTP."""

    id: str
    owner: str  # the administrator whose function it is
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = lambda world: {}


FUNCTIONS = (
    Function("people", "both", "get", lambda w: reverse("accounts:people")),
    Function("create_form", "sysadmin", "get", lambda w: reverse("accounts:person_create")),
    Function(
        "create",
        "sysadmin",
        "post",
        lambda w: reverse("accounts:person_create"),
        lambda w: {"username": "someone", "full_name": "某人"},
    ),
    Function(
        "reset_password",
        "sysadmin",
        "post",
        lambda w: reverse("accounts:person_reset_password", args=[w.user("leader").pk]),
    ),
    Function(
        "disable",
        "sysadmin",
        "post",
        lambda w: reverse("accounts:person_disable", args=[w.user("leader").pk]),
    ),
    Function(
        "grant_role",
        "secadmin",
        "post",
        lambda w: reverse("accounts:role_grant", args=[w.user("nobody").pk]),
        lambda w: {"role": Role.COMMITTEE_LEADER},
    ),
    Function(
        "revoke_role",
        "secadmin",
        "post",
        lambda w: reverse(
            "accounts:role_revoke",
            args=[RoleAssignment.objects.get(user=w.user("leader")).pk],
        ),
    ),
    Function("lockouts", "secadmin", "get", lambda w: reverse("accounts:lockouts")),
    Function(
        "unlock",
        "secadmin",
        "post",
        lambda w: reverse("accounts:unlock"),
        lambda w: {"username": "leader"},
    ),
    Function("security_policy", "secadmin", "get", lambda w: reverse("accounts:security_policy")),
    Function(
        "set_security_policy",
        "secadmin",
        "post",
        lambda w: reverse("accounts:security_policy"),
        lambda w: {
            "min_length": 10,
            "min_classes": 3,
            "history": 5,
            "max_age_days": 90,
            "idle_minutes": 30,
            "absolute_hours": 12,
        },
    ),
)


def _audit_list_url() -> str | None:
    try:
        return reverse("audit:event_list")
    except NoReverseMatch:  # the audit screens are another area's; absent, nothing to test
        return None


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.id)
def test_each_admin_is_refused_the_others_functions(world: World, function: Function) -> None:
    snapshot = (
        sorted(RoleAssignment.objects.values_list("user_id", "role", "unit_id")),
        sorted(world.committee.users.values_list("username", "is_active", "password")),
        SecurityPolicy.objects.count(),
    )
    for admin in ADMINS:
        if function.owner in (admin, "both"):
            continue
        client = Client()
        client.force_login(world.user(admin))
        response = getattr(client, function.method)(function.url(world), function.data(world))
        assert response.status_code == 404, (admin, function.id)
    after = (
        sorted(RoleAssignment.objects.values_list("user_id", "role", "unit_id")),
        sorted(world.committee.users.values_list("username", "is_active", "password")),
        SecurityPolicy.objects.count(),
    )
    assert after == snapshot


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.id)
def test_each_admin_reaches_its_own_functions(world: World, function: Function) -> None:
    owners = ("sysadmin", "secadmin") if function.owner == "both" else (function.owner,)
    for admin in owners:
        client = Client()
        client.force_login(world.user(admin))
        response = getattr(client, function.method)(function.url(world), function.data(world))
        assert response.status_code in (200, 302), (admin, function.id)


def test_each_admins_actions_refuse_the_others(world: World) -> None:
    sysadmin, secadmin, auditor = (world.user(a) for a in ADMINS)
    leader = world.user("leader")
    for actor in (secadmin, auditor):
        with pytest.raises(PermissionDenied):
            actions.create_account(actor, username="x1", full_name="某")
        with pytest.raises(PermissionDenied):
            actions.reset_password(actor, leader)
        with pytest.raises(PermissionDenied):
            actions.disable_account(actor, leader)
    for actor in (sysadmin, auditor):
        with pytest.raises(PermissionDenied):
            actions.grant_role(actor, world.user("nobody"), Role.COMMITTEE_LEADER)
        with pytest.raises(PermissionDenied):
            actions.revoke_role(actor, RoleAssignment.objects.get(user=leader))
        with pytest.raises(PermissionDenied):
            actions.unlock_account(actor, username="leader")
        with pytest.raises(PermissionDenied):
            actions.set_security_policy(actor, world.committee, {"min_length": 10})


def test_sysadmin_cannot_manage_the_other_administrators_accounts(
    client: Client, world: World
) -> None:
    client.force_login(world.user("sysadmin"))
    for other in ("secadmin", "auditor"):
        pk = world.user(other).pk
        for name in ("person_reset_password", "person_disable"):
            assert client.post(reverse(f"accounts:{name}", args=[pk])).status_code == 404
        with pytest.raises(PermissionDenied):
            actions.reset_password(world.user("sysadmin"), world.user(other))


def test_secadmin_cannot_grant_itself_a_role(client: Client, world: World) -> None:
    secadmin = world.user("secadmin")
    client.force_login(secadmin)
    url = reverse("accounts:role_grant", args=[secadmin.pk])
    assert client.post(url, {"role": Role.COMMITTEE_LEADER}).status_code == 404
    own = RoleAssignment.objects.get(user=secadmin)
    assert client.post(reverse("accounts:role_revoke", args=[own.pk])).status_code == 404
    assert RoleAssignment.objects.filter(user=secadmin).count() == 1


def test_sysadmin_and_secadmin_cannot_read_audit_rows(client: Client, world: World) -> None:
    record(events.SETTINGS_CHANGED, user=world.user("secadmin"), committee=world.committee)
    for admin in ("sysadmin", "secadmin"):
        assert not visible(world.user(admin), AuditEvent).exists(), admin
        assert not can(world.user(admin), Action.VIEW, AuditEvent), admin
        url = _audit_list_url()
        if url is not None:
            client.force_login(world.user(admin))
            assert client.get(url).status_code == 404, admin


def test_no_one_can_edit_or_delete_audit_records(world: World) -> None:
    row = record(events.SETTINGS_CHANGED, user=world.user("secadmin"), committee=world.committee)
    for name, user in world.users.items():
        for action in Action:
            if action is Action.VIEW:
                continue
            assert not can(user, action, row), (name, action)
            assert not can(user, action, AuditEvent), (name, action)
    # No page of the whole site changes or removes an audit row, whoever asks.
    before = list(AuditEvent.objects.order_by("id").values_list("id", "mac"))
    for admin in ADMINS:
        client = Client()
        client.force_login(world.user(admin))
        for method in ("post", "put", "patch", "delete"):
            for url in (reverse("audit:event_list"), reverse("audit:event_detail", args=[row.pk])):
                response = getattr(client, method)(url)
                assert response.status_code in (404, 405), (admin, method, url)
    after = list(
        AuditEvent.objects.filter(id__lte=before[-1][0]).order_by("id").values_list("id", "mac")
    )
    assert after == before
