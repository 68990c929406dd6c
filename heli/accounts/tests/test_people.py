"""The account screens: people, new accounts, resets, roles, and the security policy."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment, SecurityPolicy, User
from heli.accounts.tests.conftest import audited, sign_in
from heli.audit import events
from heli.testing import PASSWORD, World, build_sized_committee, grant, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_hashing")]

PEOPLE = reverse("accounts:people")
CREATE = reverse("accounts:person_create")


def as_(client: Client, world: World, who: str) -> Client:
    client.force_login(world.user(who))
    return client


def names_listed(client: Client, query: str = "") -> set[str]:
    response = client.get(f"{PEOPLE}?{query}")
    assert response.status_code == 200
    return {person.username for person in response.context["rows"]}


# --- People --------------------------------------------------------------------------


def test_people_list_shows_the_committees_accounts_only(client: Client, world: World) -> None:
    for who in ("sysadmin", "secadmin"):
        listed = names_listed(as_(client, world, who))
        assert "leader" in listed and "unit2_staff" in listed, who
        assert "outsider" not in listed, who


def test_people_list_filters(client: Client, world: World) -> None:
    as_(client, world, "sysadmin")
    assert names_listed(client, "q=unit0") == {"unit0_leadership", "unit0_secretary", "unit0_staff"}
    assert names_listed(client, "q=李领") == {"leader"}
    unit2 = world.units[2].pk
    assert names_listed(client, f"unit={unit2}") == {"unit2_secretary", "unit2_staff"}
    assert names_listed(client, f"role={Role.UNIT_STAFF}&unit={unit2}") == {"unit2_staff"}
    User.objects.filter(username="staff").update(is_active=False)
    assert names_listed(client, "status=disabled") == {"staff"}
    User.objects.filter(username="office").update(must_change_password=True)
    assert names_listed(client, "status=must_change") == {"office"}
    for _ in range(5):
        sign_in(Client(), "nobody", "wrong-Password-1")
    assert names_listed(client, "status=locked") == {"nobody"}
    # A value that is not a choice filters nothing and breaks nothing.
    assert "leader" in names_listed(client, "role=emperor&unit=abc")


def _count_queries(n_units: int) -> int:
    committee = build_sized_committee(n_units)
    sysadmin = make_user(committee, f"sys{n_units}")
    RoleAssignment.objects.create(user=sysadmin, committee=committee, role=Role.SYSADMIN)
    client = Client()
    client.force_login(sysadmin)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{PEOPLE}?q=人员")
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    return len(ctx.captured_queries)


def test_people_list_runs_a_fixed_number_of_queries() -> None:
    small, large = _count_queries(30), _count_queries(300)
    assert small == large
    assert small <= 15


@pytest.mark.parametrize("who", ["auditor", "leader", "office", "unit0_secretary", "outsider"])
def test_only_the_sysadmin_and_secadmin_open_the_people_pages(
    client: Client, world: World, who: str
) -> None:
    as_(client, world, who)
    assert client.get(PEOPLE).status_code == 404
    assert (
        client.get(reverse("accounts:person_detail", args=[world.user("leader").pk])).status_code
        == 404
    )


def test_another_committees_account_is_not_found(client: Client, world: World) -> None:
    for who in ("sysadmin", "secadmin"):
        as_(client, world, who)
        outsider = world.user("outsider").pk
        assert client.get(reverse("accounts:person_detail", args=[outsider])).status_code == 404
        assert (
            client.post(reverse("accounts:person_reset_password", args=[outsider])).status_code
            == 404
        )
        assert (
            client.post(
                reverse("accounts:role_grant", args=[outsider]), {"role": "committee_leader"}
            ).status_code
            == 404
        )


# --- Accounts (sysadmin) -------------------------------------------------------------


def test_sysadmin_creates_an_account_with_a_one_time_password(client: Client, world: World) -> None:
    as_(client, world, "sysadmin")
    form = client.get(CREATE)
    assert form.status_code == 200
    token = form.context["token"]
    response = client.post(
        CREATE, {"username": "zhangsan", "full_name": "张三", "title": "科员", "submission": token}
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    person = User.objects.get(username="zhangsan")
    assert person.committee == world.committee and person.must_change_password
    assert not person.role_assignments.exists()
    assert person.check_password(password)
    rows = audited(events.ACCOUNT_CREATED)
    assert len(rows) == 1 and rows[0].user_id == world.user("sysadmin").pk
    assert password not in str(rows[0].detail)
    # Sent again (a double click): one account, and no second password.
    again = client.post(CREATE, {"username": "zhangsan", "full_name": "张三", "submission": token})
    assert again.status_code == 302
    assert User.objects.filter(username="zhangsan").count() == 1


def test_create_account_keeps_the_input_and_says_what_is_wrong(
    client: Client, world: World
) -> None:
    as_(client, world, "sysadmin")
    response = client.post(
        CREATE, {"username": "LEADER", "full_name": "重名者", "title": "处长", "submission": "t1"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"username"}
    body = response.content.decode()
    assert 'value="LEADER"' in body and 'value="重名者"' in body and 'value="处长"' in body
    assert "is-invalid" in body
    response = client.post(CREATE, {"username": "bad name!", "full_name": "", "submission": "t2"})
    assert set(response.context["form"].errors) == {"username", "full_name"}


def test_sysadmin_resets_a_password(client: Client, world: World) -> None:
    leader = world.user("leader")
    as_(client, world, "sysadmin")
    response = client.post(reverse("accounts:person_reset_password", args=[leader.pk]))
    assert response.status_code == 200
    password = response.context["password"]
    leader.refresh_from_db()
    assert leader.must_change_password and leader.check_password(password)
    assert not leader.check_password(PASSWORD)
    assert len(audited(events.PASSWORD_RESET, object_id=str(leader.pk))) == 1


def test_a_reset_ends_the_persons_other_sessions(world: World) -> None:
    leader = Client()
    leader.force_login(world.user("leader"))
    sysadmin = Client()
    sysadmin.force_login(world.user("sysadmin"))
    sysadmin.post(reverse("accounts:person_reset_password", args=[world.user("leader").pk]))
    assert leader.get(reverse("home")).status_code == 302


def test_sysadmin_disables_and_enables_an_account(client: Client, world: World) -> None:
    staff = Client()
    staff.force_login(world.user("staff"))
    as_(client, world, "sysadmin")
    pk = world.user("staff").pk
    assert client.post(reverse("accounts:person_disable", args=[pk])).status_code == 302
    assert not User.objects.get(pk=pk).is_active
    assert staff.get(reverse("home")).status_code == 302  # its session is over
    assert sign_in(Client(), "staff", PASSWORD).status_code == 200
    client.post(reverse("accounts:person_enable", args=[pk]))
    assert User.objects.get(pk=pk).is_active
    assert [
        r.event for r in audited(events.ACCOUNT_DISABLED) + audited(events.ACCOUNT_ENABLED)
    ] == [
        events.ACCOUNT_DISABLED,
        events.ACCOUNT_ENABLED,
    ]


def test_sysadmin_cannot_disable_itself(client: Client, world: World) -> None:
    sysadmin = world.user("sysadmin")
    as_(client, world, "sysadmin")
    client.post(reverse("accounts:person_disable", args=[sysadmin.pk]))
    assert User.objects.get(pk=sysadmin.pk).is_active


# --- Roles (secadmin) ----------------------------------------------------------------


def test_secadmin_grants_and_revokes_roles(client: Client, world: World) -> None:
    nobody = world.user("nobody")
    as_(client, world, "secadmin")
    url = reverse("accounts:role_grant", args=[nobody.pk])
    response = client.post(url, {"role": Role.UNIT_STAFF, "unit": world.units[1].pk})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=nobody)
    assert assignment.unit == world.units[1] and assignment.department is None
    granted = audited(events.ROLE_GRANTED, object_id=str(assignment.pk))
    assert len(granted) == 1 and granted[0].user_id == world.user("secadmin").pk
    response = client.post(
        url,
        {
            "role": Role.COMMITTEE_STAFF,
            "department": world.department.pk,
            "unit": world.units[1].pk,
        },
    )
    assert response.status_code == 302
    staff = RoleAssignment.objects.get(user=nobody, role=Role.COMMITTEE_STAFF)
    assert staff.unit is None and staff.department == world.department
    client.post(reverse("accounts:role_revoke", args=[assignment.pk]))
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert len(audited(events.ROLE_REVOKED, object_id=str(assignment.pk))) == 1


def test_grant_form_keeps_the_choice_and_says_what_is_missing(client: Client, world: World) -> None:
    nobody = world.user("nobody")
    as_(client, world, "secadmin")
    response = client.post(
        reverse("accounts:role_grant", args=[nobody.pk]), {"role": Role.UNIT_STAFF}
    )
    assert response.status_code == 200
    form = response.context["grant_form"]
    assert set(form.errors) == {"unit"}
    assert 'value="unit_staff" selected' in response.content.decode()
    assert not RoleAssignment.objects.filter(user=nobody).exists()


def test_a_second_admin_role_is_refused_next_to_the_role_field(
    client: Client, world: World
) -> None:
    as_(client, world, "secadmin")
    url = reverse("accounts:role_grant", args=[world.user("sysadmin").pk])
    response = client.post(url, {"role": Role.AUDITOR})
    assert response.status_code == 200
    assert set(response.context["grant_form"].errors) == {"role"}


def test_roles_of_another_committee_cannot_be_granted(client: Client, world: World) -> None:
    as_(client, world, "secadmin")
    url = reverse("accounts:role_grant", args=[world.user("nobody").pk])
    response = client.post(url, {"role": Role.UNIT_STAFF, "unit": world.other_unit.pk})
    assert response.status_code == 200 and "unit" in response.context["grant_form"].errors
    assert not RoleAssignment.objects.filter(user=world.user("nobody")).exists()


# --- Security policy (secadmin) ------------------------------------------------------


POLICY = reverse("accounts:security_policy")


def policy_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "min_length": 8,
        "min_classes": 3,
        "history": 5,
        "max_age_days": 90,
        "idle_minutes": 30,
        "absolute_hours": 12,
        "otp_required_for_admins": "on",
    }
    data.update(changes)
    return data


def test_secadmin_sets_the_security_policy_audited_with_before_and_after(
    client: Client, world: World
) -> None:
    as_(client, world, "secadmin")
    page = client.get(POLICY)
    assert page.status_code == 200 and 'id="lockout-is-global"' in page.content.decode()
    response = client.post(POLICY, policy_data(min_length=12, idle_minutes=15))
    assert response.status_code == 302
    policy = SecurityPolicy.objects.get(committee=world.committee)
    assert (policy.min_length, policy.idle_minutes) == (12, 15)
    rows = audited(events.SETTINGS_CHANGED)
    assert len(rows) == 1
    assert rows[0].detail["before"]["min_length"] == 8
    assert rows[0].detail["after"]["min_length"] == 12
    assert set(rows[0].detail["changed"]) == {"min_length", "idle_minutes"}
    # Saving the same values again changes nothing and records nothing.
    client.post(POLICY, policy_data(min_length=12, idle_minutes=15))
    assert len(audited(events.SETTINGS_CHANGED)) == 1


def test_security_policy_refuses_weaker_values_next_to_the_field(
    client: Client, world: World
) -> None:
    as_(client, world, "secadmin")
    response = client.post(POLICY, policy_data(min_length=6, absolute_hours=24))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"min_length", "absolute_hours"}
    assert 'value="6"' in response.content.decode()
    assert not SecurityPolicy.objects.exists()
    assert not audited(events.SETTINGS_CHANGED)


def test_menu_shows_each_administrator_its_own_pages(client: Client, world: World) -> None:
    expected = {
        "sysadmin": {PEOPLE},
        "secadmin": {PEOPLE, reverse("accounts:lockouts"), POLICY},
        "auditor": set(),
        "leader": set(),
    }
    for who, links in expected.items():
        body = as_(client, world, who).get(reverse("home")).content.decode()
        for url in (PEOPLE, reverse("accounts:lockouts"), POLICY):
            assert (f'href="{url}"' in body) is (url in links), (who, url)
        assert f'href="{reverse("accounts:password_change")}"' in body
        assert f'href="{reverse("accounts:otp")}"' in body


def test_account_pages_have_no_inline_script_or_style(client: Client, world: World) -> None:
    from heli.lib.tests.test_headers import InlineCode

    grant(world.user("nobody"), Role.UNIT_STAFF, unit=world.units[0])
    pages = {
        "sysadmin": [
            PEOPLE,
            CREATE,
            reverse("accounts:person_detail", args=[world.user("leader").pk]),
        ],
        "secadmin": [
            PEOPLE,
            reverse("accounts:person_detail", args=[world.user("nobody").pk]),
            reverse("accounts:lockouts"),
            POLICY,
        ],
        "leader": [reverse("accounts:password_change"), reverse("accounts:otp")],
    }
    for who, urls in pages.items():
        as_(client, world, who)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            parser = InlineCode()
            parser.feed(response.content.decode())
            assert parser.found == [], (who, url, parser.found)
