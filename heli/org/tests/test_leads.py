"""Generating, overriding and confirming a year's lead units."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from heli.org import actions
from heli.org.models import GroupMembership, GroupYear, LeadOverride, Unit
from heli.org.rotation import next_leads
from heli.testing import World, make_unit

pytestmark = pytest.mark.django_db


def leads_of(world: World, year: int, group_index: int) -> set[int]:
    return set(
        GroupMembership.objects.filter(
            group_year__group=world.groups[group_index], year=year, is_lead=True
        ).values_list("unit_id", flat=True)
    )


def test_generate_carries_members_over_and_proposes_rotation_leads(world: World) -> None:
    year = world.group_years[0].year
    extra = make_unit(world.committee, "测试单位4", 4)
    GroupMembership.objects.create(
        committee=world.committee, group_year=world.group_years[0], unit=extra, year=year
    )
    proposals = actions.generate_year(world.committee, year + 1)
    assert len(proposals) == 2
    group_year = GroupYear.objects.get(group=world.groups[0], year=year + 1)
    members = list(
        group_year.memberships.order_by("unit__sort_order").values_list("unit_id", flat=True)
    )
    assert members == [world.units[0].pk, world.units[1].pk, extra.pk]
    # units[0] led this year: the rotation picks the two that have not led yet.
    assert leads_of(world, year + 1, 0) == {world.units[1].pk, extra.pk}
    assert leads_of(world, year + 1, 0) == set(next_leads(members, [{world.units[0].pk}]))
    assert group_year.leads_status == GroupYear.LeadsStatus.PROPOSED
    assert group_year.liaison_leader == world.user("leader")


def test_generate_replaces_merged_units_by_successor_and_drops_abolished(world: World) -> None:
    year = world.group_years[0].year
    merged, abolished = world.units[0], world.units[2]
    Unit.objects.filter(pk=merged.pk).update(
        status=Unit.Status.MERGED, status_date=datetime.date(year, 6, 1), successor=world.units[3]
    )
    Unit.objects.filter(pk=abolished.pk).update(
        status=Unit.Status.ABOLISHED, status_date=datetime.date(year, 6, 1)
    )
    actions.generate_year(world.committee, year + 1)
    group_one = set(
        GroupMembership.objects.filter(
            group_year__group=world.groups[0], year=year + 1
        ).values_list("unit_id", flat=True)
    )
    group_two = set(
        GroupMembership.objects.filter(
            group_year__group=world.groups[1], year=year + 1
        ).values_list("unit_id", flat=True)
    )
    # units[3] is the successor of units[0] but already sits in group two: one group a year.
    assert group_one == {world.units[1].pk}
    assert group_two == {world.units[3].pk}


def test_override_needs_a_reason_and_is_recorded(world: World) -> None:
    year = world.group_years[0].year
    actions.generate_year(world.committee, year + 1)
    group_year = GroupYear.objects.get(group=world.groups[0], year=year + 1)
    extra = make_unit(world.committee, "测试单位9", 9)
    GroupMembership.objects.create(
        committee=world.committee, group_year=group_year, unit=extra, year=year + 1
    )
    lead = Unit.objects.get(pk=next(iter(leads_of(world, year + 1, 0))))
    with pytest.raises(ValidationError):
        actions.override_lead(group_year, lead, extra, "   ", world.user("office"))
    assert not LeadOverride.objects.exists()
    actions.override_lead(
        group_year, lead, extra, "该单位今年承担全市重点任务", world.user("office")
    )
    assert extra.pk in leads_of(world, year + 1, 0)
    assert lead.pk not in leads_of(world, year + 1, 0)
    record = LeadOverride.objects.get()
    assert (record.replaced_unit, record.chosen_unit, record.created_by) == (
        lead,
        extra,
        world.user("office"),
    )


def test_override_refuses_a_non_member_and_a_unit_already_leading(world: World) -> None:
    year = world.group_years[0].year
    actions.generate_year(world.committee, year + 1)
    group_year = GroupYear.objects.get(group=world.groups[0], year=year + 1)
    lead_ids = sorted(leads_of(world, year + 1, 0))
    lead = Unit.objects.get(pk=lead_ids[0])
    with pytest.raises(ValidationError, match="不是本组今年的成员单位|not a member"):
        actions.override_lead(group_year, lead, world.units[2], "理由", world.user("office"))
    with pytest.raises(ValidationError):
        actions.override_lead(
            group_year, lead, Unit.objects.get(pk=lead_ids[-1]), "理由", world.user("office")
        )
    assert leads_of(world, year + 1, 0) == set(lead_ids)


def test_confirmed_leads_cannot_be_changed_or_regenerated(world: World) -> None:
    year = world.group_years[0].year
    actions.generate_year(world.committee, year + 1)
    assert actions.confirm_leads(world.committee, year + 1, world.user("office")) == 2
    group_year = GroupYear.objects.get(group=world.groups[0], year=year + 1)
    assert group_year.leads_status == GroupYear.LeadsStatus.CONFIRMED
    assert group_year.leads_confirmed_by == world.user("office")
    before = leads_of(world, year + 1, 0)
    with pytest.raises(ValidationError):
        actions.generate_year(world.committee, year + 1)
    with pytest.raises(ValidationError):
        actions.confirm_leads(world.committee, year + 1, world.user("office"))
    member = group_year.memberships.filter(is_lead=False).first()
    lead = group_year.memberships.filter(is_lead=True).first()
    if member and lead:
        with pytest.raises(ValidationError):
            actions.override_lead(group_year, lead.unit, member.unit, "理由", world.user("office"))
    assert leads_of(world, year + 1, 0) == before


def test_meeting_office_walks_the_rotation_screen(client, world: World) -> None:
    year = world.group_years[0].year + 1
    client.force_login(world.user("office"))
    response = client.get(reverse("org:leads"), {"year": year})
    assert response.status_code == 200
    assert "生成" in response.content.decode()
    response = client.post(reverse("org:leads_generate"), {"year": year}, follow=True)
    assert response.status_code == 200
    assert "已为2个组拟定" in response.content.decode()
    group_year = GroupYear.objects.get(group=world.groups[0], year=year)
    lead = group_year.memberships.filter(is_lead=True).first()
    assert lead is not None
    # A reason left blank: refused with a message saying what to do, nothing changed.
    other = make_unit(world.committee, "测试单位8", 8)
    GroupMembership.objects.create(
        committee=world.committee, group_year=group_year, unit=other, year=year
    )
    prefix = f"gy{group_year.pk}"
    response = client.post(
        reverse("org:leads_override", args=[group_year.pk]),
        {f"{prefix}-replaced": lead.unit_id, f"{prefix}-chosen": other.pk, f"{prefix}-reason": ""},
        follow=True,
    )
    assert "请填写调整牵头单位的理由" in response.content.decode()
    assert not LeadOverride.objects.exists()
    response = client.post(
        reverse("org:leads_override", args=[group_year.pk]),
        {
            f"{prefix}-replaced": lead.unit_id,
            f"{prefix}-chosen": other.pk,
            f"{prefix}-reason": "工作需要",
        },
        follow=True,
    )
    assert LeadOverride.objects.get().reason == "工作需要"
    response = client.post(reverse("org:leads_confirm"), {"year": year}, follow=True)
    assert "已确认2个组" in response.content.decode()
    assert not GroupYear.objects.filter(
        year=year, leads_status=GroupYear.LeadsStatus.PROPOSED
    ).exists()


def test_bad_year_is_refused_with_a_message(client, world: World) -> None:
    client.force_login(world.user("office"))
    response = client.post(reverse("org:leads_generate"), {"year": "abc"}, follow=True)
    assert "请选择 2000 至 2100 之间的年度" in response.content.decode()
    assert GroupYear.objects.count() == 2
