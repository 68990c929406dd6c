"""The demonstration committee (示例数据) and its loader."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count

from heli.accounts.models import COMMITTEE_SCOPED, Role, RoleAssignment, User
from heli.lib.dates import current_year
from heli.org import demo_data
from heli.org.actions import lead_history
from heli.org.demo import DEMO_LOGINS, DEMO_PASSWORD, DemoConflict, DemoResult, load_demo
from heli.org.models import (
    Committee,
    Department,
    Group,
    GroupMembership,
    GroupYear,
    OrganPartyOrg,
    Unit,
)
from heli.org.rotation import next_leads

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[DemoResult]:
    """One load for the whole module, rolled back at its end; every test runs in a savepoint."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield load_demo()
        transaction.set_rollback(True)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model of org and accounts."""
    models = [
        *apps.get_app_config("org").get_models(),
        *apps.get_app_config("accounts").get_models(),
    ]
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


def current_group_years(committee: Committee) -> list[GroupYear]:
    return list(
        GroupYear.objects.filter(committee=committee, year=current_year())
        .select_related("group", "liaison_leader")
        .order_by("group__number")
    )


def test_the_data_is_labelled_as_demonstration_data() -> None:
    assert demo_data.__doc__ is not None
    assert "示例数据" in demo_data.__doc__
    assert "NOT an official roster" in demo_data.__doc__


def test_the_data_has_122_units_in_8_groups_of_similar_size() -> None:
    names = [u.name for g in demo_data.GROUPS for u in g.units]
    assert len(names) == len(set(names)) == 122
    assert [g.number for g in demo_data.GROUPS] == list(range(1, 9))
    assert all(13 <= len(g.units) <= 18 for g in demo_data.GROUPS)
    assert demo_data.DEMO_UNIT in names
    assert sorted(leader.group for leader in demo_data.LEADERS) == list(range(1, 9))


def test_committee_departments_and_units(demo: DemoResult) -> None:
    committee = demo.committee
    assert (committee.code, committee.short_name) == ("beijing", "市直机关工委")
    departments = Department.objects.filter(committee=committee)
    assert 7 <= departments.count() <= 9
    assert all(d.duties for d in departments)
    assert [d.name for d in departments.filter(is_meeting_office=True)] == ["组织部"]
    active = Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE)
    assert active.count() == 122
    assert len({u.code for u in active}) == 122
    history = Unit.objects.filter(committee=committee).exclude(status=Unit.Status.ACTIVE)
    assert 2 <= history.count() <= 3
    assert {u.status for u in history} == {Unit.Status.MERGED, Unit.Status.ABOLISHED}
    for unit in history:
        assert unit.status_date is not None
        assert unit.status_date.year < current_year()
        if unit.status == Unit.Status.MERGED:
            assert unit.successor is not None and unit.successor.is_active
    # A history unit shows in an earlier year's group, never in this year's.
    assert GroupMembership.objects.filter(unit__in=history, year__lt=current_year()).exists()
    assert not GroupMembership.objects.filter(unit__in=history, year=current_year()).exists()


def test_eight_groups_with_two_confirmed_leads_and_a_liaison_leader(demo: DemoResult) -> None:
    committee = demo.committee
    assert Group.objects.filter(committee=committee).count() == 8
    group_years = current_group_years(committee)
    assert len(group_years) == 8
    leaders = set(
        RoleAssignment.objects.filter(committee=committee, role=Role.COMMITTEE_LEADER).values_list(
            "user_id", flat=True
        )
    )
    for gy in group_years:
        assert 13 <= gy.memberships.count() <= 18
        assert gy.memberships.filter(is_lead=True).count() == 2
        assert gy.leads_status == GroupYear.LeadsStatus.CONFIRMED
        assert gy.liaison_leader_id in leaders
    assert len({gy.liaison_leader_id for gy in group_years}) == 8
    assert demo.years == [current_year() - 2, current_year() - 1, current_year()]
    for year in demo.years:
        assert (
            GroupYear.objects.filter(
                committee=committee, year=year, leads_status=GroupYear.LeadsStatus.CONFIRMED
            ).count()
            == 8
        )


def test_every_active_unit_is_in_exactly_one_group_this_year(demo: DemoResult) -> None:
    committee = demo.committee
    active = set(
        Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).values_list(
            "pk", flat=True
        )
    )
    per_unit = dict(
        GroupMembership.objects.filter(committee=committee, year=current_year())
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    assert set(per_unit) == active
    assert set(per_unit.values()) == {1}


def test_current_leads_follow_the_rotation_over_the_history(demo: DemoResult) -> None:
    committee = demo.committee
    year = current_year()
    history = lead_history(committee, year)
    for gy in current_group_years(committee):
        members = list(
            gy.memberships.order_by("unit__sort_order", "unit_id").values_list("unit_id", flat=True)
        )
        leads = list(
            gy.memberships.filter(is_lead=True)
            .order_by("unit__sort_order", "unit_id")
            .values_list("unit_id", flat=True)
        )
        assert len(history[gy.group_id]) == 2
        assert leads == next_leads(members, history[gy.group_id], 2)


def test_every_active_unit_has_an_organ_party_org_with_a_secretary(demo: DemoResult) -> None:
    committee = demo.committee
    orgs = OrganPartyOrg.objects.filter(
        committee=committee, unit__status=Unit.Status.ACTIVE
    ).select_related("secretary", "unit")
    assert orgs.count() == 122
    kinds = {o.kind for o in orgs}
    assert kinds == set(OrganPartyOrg.Kind.values)
    secretaries = set(
        RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_SECRETARY).values_list(
            "user_id", "unit_id"
        )
    )
    staff_units = set(
        RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_STAFF).values_list(
            "unit_id", flat=True
        )
    )
    for org in orgs:
        assert org.name.startswith("中共")
        assert org.member_count
        assert org.secretary is not None
        assert org.secretary.committee_id == committee.pk
        assert org.secretary.full_name and org.secretary.title
        assert (org.secretary_id, org.unit_id) in secretaries
        assert org.unit_id in staff_units


def test_a_demo_login_for_every_role(demo: DemoResult) -> None:
    committee = demo.committee
    assert {role for login in DEMO_LOGINS for role in login.roles} == set(Role)
    for login in DEMO_LOGINS:
        user = User.objects.get(username=login.username)
        assert user.committee_id == committee.pk
        assert user.full_name == login.full_name and user.title
        # The rules of the account's committee, for a new password (it is this one's now).
        validate_password(DEMO_PASSWORD, User(username=user.username, committee=user.committee))
        assert login.username.lower() not in DEMO_PASSWORD.lower()
        held = {
            (a.role, a.department.name if a.department else "", a.unit.name if a.unit else "")
            for a in user.role_assignments.select_related("department", "unit")
        }
        for role in login.roles:
            if role in COMMITTEE_SCOPED:
                assert (role, "", "") in held
            elif login.department:
                assert (role, login.department, "") in held
            else:
                assert (role, "", login.unit) in held
    assert User.objects.get(username="admin").check_password(DEMO_PASSWORD)


def test_the_demo_secretary_is_the_secretary_of_a_lead_unit(demo: DemoResult) -> None:
    unit = Unit.objects.get(committee=demo.committee, name=demo_data.DEMO_UNIT)
    assert unit.organ_party_org.secretary == User.objects.get(username="secretary")
    membership = GroupMembership.objects.get(unit=unit, year=current_year())
    assert membership.is_lead
    assert membership.group_year.liaison_leader == User.objects.get(username="leader")


def test_a_second_load_changes_nothing(demo: DemoResult) -> None:
    before = snapshot()
    again = load_demo()
    assert not again.changed
    assert again.summary() == ["没有需要新建或更新的记录。"]
    assert snapshot() == before


def test_a_partial_load_is_completed(demo: DemoResult) -> None:
    committee = demo.committee
    unit = Unit.objects.get(committee=committee, name=demo_data.DEMO_UNIT)
    unit.organ_party_org.delete()
    Unit.objects.filter(pk=unit.pk).update(short_name="改过的简称")
    group_year = GroupYear.objects.get(
        committee=committee, year=current_year(), group__number=demo_data.GROUPS[0].number
    )
    # Its members and leads gone (the year itself stays: other areas' records hang off it).
    group_year.memberships.all().delete()
    GroupYear.objects.filter(pk=group_year.pk).update(
        liaison_leader=None, leads_status=GroupYear.LeadsStatus.PROPOSED, leads_confirmed_at=None
    )
    User.objects.filter(username="unitstaff").delete()

    again = load_demo()

    assert again.changed
    unit.refresh_from_db()
    assert unit.short_name == "市国资委"
    assert unit.organ_party_org.secretary == User.objects.get(username="secretary")
    assert RoleAssignment.objects.filter(
        user__username="unitstaff", role=Role.UNIT_STAFF, unit=unit
    ).exists()
    test_eight_groups_with_two_confirmed_leads_and_a_liaison_leader(again)
    test_current_leads_follow_the_rotation_over_the_history(again)
    test_every_active_unit_is_in_exactly_one_group_this_year(again)
    before = snapshot()
    assert not load_demo().changed
    assert snapshot() == before


def test_a_username_of_another_committee_is_refused(demo: DemoResult) -> None:
    other = Committee.objects.create(name="另一区直机关工委", short_name="区工委", code="other")
    User.objects.filter(username="admin").update(committee=other)
    Unit.objects.filter(committee=demo.committee, name=demo_data.DEMO_UNIT).update(short_name="x")
    before = snapshot()
    with pytest.raises(DemoConflict, match="admin"):
        load_demo()
    assert snapshot() == before
    with pytest.raises(CommandError, match="admin"):
        call_command("load_demo", stdout=StringIO())


def test_the_command_prints_the_logins_in_chinese(demo: DemoResult) -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "示例数据已是最新" in text
    assert "示例登录账号" in text
    for login in DEMO_LOGINS:
        assert login.username in text
        assert login.role_label in text
    assert DEMO_PASSWORD in text
    assert "市国资委" in text


def test_the_command_names_each_groups_lead_units_and_their_secretaries(
    demo: DemoResult,
) -> None:
    """The lead units' secretaries run their groups' joint meetings: the table says who."""
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    leads = GroupMembership.objects.filter(
        committee=demo.committee, year=current_year(), is_lead=True
    ).select_related("unit__organ_party_org__secretary", "group_year__group")
    assert leads.count() == 16
    table = text[text.index("各组牵头单位") :]
    for lead in leads:
        secretary = lead.unit.organ_party_org.secretary
        assert secretary is not None
        line = next(row for row in table.splitlines() if secretary.username in row.split())
        assert (
            lead.group_year.group.name in line and (lead.unit.short_name or lead.unit.name) in line
        )
    # The demonstration unit leads its group this year.
    assert any("secretary" in row.split() for row in table.splitlines())
