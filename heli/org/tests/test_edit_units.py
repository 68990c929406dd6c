"""Adding and editing units: one record per submission, stale edits refused, nothing half-saved."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.accounts.models import Role
from heli.audit.models import AuditEvent
from heli.org import actions
from heli.org.models import OrganPartyOrg, Unit
from heli.testing import World, grant, make_user

pytestmark = pytest.mark.django_db

NEW_UNIT: dict[str, object] = {
    "name": "北京市新设单位",
    "short_name": "新设单位",
    "code": "BJ900",
    "leading_body": "party_group",
    "sort_order": 900,
}


def test_same_form_submitted_twice_creates_one_unit(client, world: World) -> None:
    client.force_login(world.user("office"))
    page = client.get(reverse("org:unit_create"))
    token = page.context["token"]
    first = client.post(reverse("org:unit_create"), {**NEW_UNIT, "submission": token})
    second = client.post(reverse("org:unit_create"), {**NEW_UNIT, "submission": token}, follow=True)
    assert Unit.objects.filter(name=NEW_UNIT["name"]).count() == 1
    unit = Unit.objects.get(name=NEW_UNIT["name"])
    assert first["Location"] == reverse("org:unit_detail", args=[unit.pk])
    assert second.redirect_chain[-1][0] == reverse("org:unit_detail", args=[unit.pk])
    assert "此表单已提交过" in second.content.decode()
    assert OrganPartyOrg.objects.filter(unit=unit).exists()


def test_duplicate_name_is_refused_next_to_the_field_and_keeps_the_input(
    client, world: World
) -> None:
    client.force_login(world.user("office"))
    data = {**NEW_UNIT, "name": "测试单位1", "address": "北京市通州区运河东大街"}
    response = client.post(reverse("org:unit_create"), {**data, "submission": "t1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "已有名为测试单位1的单位" in body
    assert "北京市通州区运河东大街" in body  # what was typed is kept
    assert Unit.objects.filter(name="测试单位1").count() == 1


def test_failure_after_the_first_write_leaves_nothing_half_saved(world: World, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("injected failure after the unit row was written")

    monkeypatch.setattr(actions, "record", broken)
    with pytest.raises(RuntimeError):
        actions.create_unit(world.committee, NEW_UNIT, world.user("office"))
    assert not Unit.objects.filter(name=NEW_UNIT["name"]).exists()
    assert not OrganPartyOrg.objects.filter(name__contains=str(NEW_UNIT["name"])).exists()


def test_second_of_two_concurrent_edits_is_refused_and_the_first_kept(client, world: World) -> None:
    unit = world.units[1]
    form = {
        "name": unit.name,
        "short_name": "",
        "code": "",
        "leading_body": "party_group",
        "sort_order": 1,
    }
    alice, bob = client, type(client)()
    alice.force_login(world.user("office"))
    bob.force_login(world.user("sysadmin"))
    version = alice.get(reverse("org:unit_edit", args=[unit.pk])).context["form"].initial["version"]
    assert (
        bob.get(reverse("org:unit_edit", args=[unit.pk])).context["form"].initial["version"]
        == version
    )
    first = alice.post(
        reverse("org:unit_edit", args=[unit.pk]), {**form, "short_name": "甲", "version": version}
    )
    assert first.status_code == 302
    second = bob.post(
        reverse("org:unit_edit", args=[unit.pk]), {**form, "short_name": "乙", "version": version}
    )
    assert second.status_code == 200
    body = second.content.decode()
    assert "您编辑期间" in body and "乙" in body  # refused, and bob's input is still on the form
    unit.refresh_from_db()
    assert unit.short_name == "甲"
    assert unit.version == version + 1


def test_edit_is_audited_with_what_changed(client, world: World) -> None:
    unit = world.units[1]
    client.force_login(world.user("office"))
    client.post(
        reverse("org:unit_edit", args=[unit.pk]),
        {
            "name": unit.name,
            "short_name": "新简称",
            "code": "",
            "leading_body": "party_committee",
            "sort_order": 1,
            "version": unit.version,
        },
    )
    row = AuditEvent.objects.filter(event="record.updated", object_id=str(unit.pk)).get()
    assert row.detail["changes"]["short_name"][1] == "新简称"
    assert row.detail["changes"]["leading_body"] == ["party_group", "party_committee"]
    assert row.username == "office"


def test_unit_secretary_edits_own_party_org_but_not_another_units(client, world: World) -> None:
    client.force_login(world.user("unit2_secretary"))
    org = world.units[2].organ_party_org
    response = client.post(
        reverse("org:party_org_edit", args=[world.units[2].pk]),
        {
            "kind": "general_branch",
            "name": org.name,
            "secretary": world.user("unit2_secretary").pk,
            "member_count": 42,
            "branch_count": 3,
            "version": org.version,
        },
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.kind, org.member_count) == ("general_branch", 42)
    assert client.get(reverse("org:party_org_edit", args=[world.units[0].pk])).status_code == 404
    assert client.get(reverse("org:unit_edit", args=[world.units[2].pk])).status_code == 404


def test_secretary_must_hold_the_secretary_role_of_the_unit(client, world: World) -> None:
    client.force_login(world.user("office"))
    org = world.units[2].organ_party_org
    response = client.post(
        reverse("org:party_org_edit", args=[world.units[2].pk]),
        {
            "kind": "committee",
            "name": org.name,
            "secretary": world.user("unit0_secretary").pk,
            "version": org.version,
        },
    )
    assert response.status_code == 200
    assert "选择" in response.content.decode()
    org.refresh_from_db()
    assert org.secretary == world.user("unit2_secretary")


@pytest.mark.frozen_clock  # "tomorrow" and "a past date" are relative to today
def test_merger_needs_a_successor_and_a_past_date(client, world: World) -> None:
    unit = world.units[1]
    client.force_login(world.user("office"))
    url = reverse("org:unit_end", args=[unit.pk])
    base = {"status": "merged", "version": unit.version, "confirm": "on"}
    response = client.post(url, {**base, "date": "2026-01-01"})
    assert "请选择并入的单位" in response.content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)
    response = client.post(
        url, {**base, "date": tomorrow.isoformat(), "successor": world.units[0].pk}
    )
    assert "日期不能晚于今天" in response.content.decode()
    unit.refresh_from_db()
    assert unit.is_active
    response = client.post(url, {**base, "date": "2026-01-01", "successor": world.units[0].pk})
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.status, unit.successor) == (Unit.Status.MERGED, world.units[0])
    assert client.get(url).status_code == 404  # it cannot end twice


def test_readers_cannot_edit(client, world: World) -> None:
    for name in ("leader", "staff", "auditor", "secadmin", "unit0_staff"):
        client.force_login(world.user(name))
        assert client.get(reverse("org:unit_edit", args=[world.units[0].pk])).status_code == 404, (
            name
        )
        assert client.get(reverse("org:unit_create")).status_code == 404, name
        assert client.get(reverse("org:unit_end", args=[world.units[0].pk])).status_code == 404, (
            name
        )


def test_refused_edit_is_audited(client, world: World) -> None:
    client.force_login(world.user("leader"))
    assert client.get(reverse("org:unit_edit", args=[world.units[0].pk])).status_code == 404
    row = AuditEvent.objects.get(event="permission.denied")
    assert (row.username, row.result, row.object_id) == ("leader", "denied", str(world.units[0].pk))


def test_sysadmin_cannot_change_a_units_secretary(client: Client, world: World) -> None:
    """三员分立: the system administrator keeps the registry, not who a unit's secretary is."""
    unit = world.units[0]
    org = unit.organ_party_org
    before = org.secretary_id
    other = make_user(world.committee, "second_secretary", "另一书记")
    grant(other, Role.UNIT_SECRETARY, unit=unit)
    client.force_login(world.user("sysadmin"))
    url = reverse("org:party_org_edit", args=[unit.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].fields["secretary"].disabled
    posted = {"kind": org.kind, "name": org.name, "secretary": other.pk, "version": org.version}
    client.post(url, posted)
    org.refresh_from_db()
    assert org.secretary_id == before
    with pytest.raises(ValidationError) as refused:
        actions.update_party_org(org, org.version, {"secretary": other}, world.user("sysadmin"))
    assert "系统管理员" in str(refused.value)
    # The meeting office may.
    actions.update_party_org(org, org.version, {"secretary": other}, world.user("office"))
    org.refresh_from_db()
    assert org.secretary_id == other.pk
