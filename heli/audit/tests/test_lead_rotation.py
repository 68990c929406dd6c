"""Generating, overriding and confirming lead units leave audit rows saying what changed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit import chain, events
from heli.audit.models import AuditEvent
from heli.org.models import GroupMembership, GroupYear, LeadOverride
from heli.testing import World, make_unit

pytestmark = pytest.mark.django_db


def new_rows(after: int, *names: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=after, event__in=names).order_by("pk"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_lead_rotation_changes_are_audited(world: World) -> None:
    office = world.user("office")
    client = Client(REMOTE_ADDR="10.7.0.1")
    client.force_login(office)
    year = world.group_years[0].year + 1
    extra = make_unit(world.committee, "测试单位4", 4)
    GroupMembership.objects.create(
        committee=world.committee, group_year=world.group_years[0], unit=extra, year=year - 1
    )

    start = last_id()
    client.post(reverse("org:leads_generate"), {"year": year})
    created = new_rows(start, events.RECORD_CREATED)
    assert [r.object_type for r in created] == ["org.groupyear", "org.groupyear"]
    first = GroupYear.objects.get(group=world.groups[0], year=year)
    row = next(r for r in created if r.object_id == str(first.pk))
    leads = sorted(
        GroupMembership.objects.filter(group_year=first, is_lead=True).values_list(
            "unit_id", flat=True
        )
    )
    assert row.detail["leads"] == leads and row.detail["year"] == year
    assert row.detail["members"] == sorted([world.units[0].pk, world.units[1].pk, extra.pk])
    assert (row.user_id, row.source_ip, row.committee_id) == (
        office.pk,
        "10.7.0.1",
        world.committee.pk,
    )

    start = last_id()
    # units[0] led this year, so the rotation proposed the other two; put it back in.
    assert leads == sorted([world.units[1].pk, extra.pk])
    replaced, chosen = extra, world.units[0]
    after = sorted([world.units[1].pk, chosen.pk])
    client.post(
        reverse("org:leads_override", args=[first.pk]),
        {
            f"gy{first.pk}-replaced": replaced.pk,
            f"gy{first.pk}-chosen": chosen.pk,
            f"gy{first.pk}-reason": "该单位今年承担重大任务",
        },
    )
    [override_row] = new_rows(start, events.RECORD_CREATED)
    override = LeadOverride.objects.get(group_year=first)
    assert (override_row.object_type, override_row.object_id) == (
        "org.leadoverride",
        str(override.pk),
    )
    assert override_row.detail["changes"] == {"leads": [leads, after]}
    assert override_row.detail["reason"] == "该单位今年承担重大任务"

    start = last_id()
    client.post(reverse("org:leads_generate"), {"year": year})
    regenerated = new_rows(start, events.RECORD_UPDATED)
    row = next(r for r in regenerated if r.object_id == str(first.pk))
    # Generating again goes back to the rotation and drops the override: both are said.
    assert row.detail["changes"] == {
        "leads": [after, leads],
        "lead_overrides_removed": [1, 0],
    }

    start = last_id()
    client.post(reverse("org:leads_confirm"), {"year": year})
    confirmed = new_rows(start, events.RECORD_UPDATED)
    assert len(confirmed) == 2
    row = next(r for r in confirmed if r.object_id == str(first.pk))
    assert row.detail["changes"]["leads_status"] == ["proposed", "confirmed"]
    assert row.detail["changes"]["leads_confirmed_by"] == [None, office.pk]
    assert row.user_id == office.pk
    assert chain.verify().ok


def test_a_refused_rotation_step_leaves_no_audit_row(world: World) -> None:
    from django.core.exceptions import ValidationError

    from heli.org import actions

    start = last_id()
    with pytest.raises(ValidationError):
        actions.confirm_leads(world.committee, 2099, world.user("office"))
    assert new_rows(start, events.RECORD_UPDATED, events.RECORD_CREATED) == []
