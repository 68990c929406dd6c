"""Every import is audited: one row for the import (who, file, digest, counts) and one for
each record it created or changed, as an edit through the forms has."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from heli.accounts.models import User
from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib.dates import current_year
from heli.org.models import Group, GroupMembership, GroupYear, OrganPartyOrg, Unit
from heli.org.tests.test_import import UNIT_HEADERS, good_sheets, post, xlsx
from heli.testing import World

pytestmark = pytest.mark.django_db


def last_audit_pk() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def rows_since(mark: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(pk__gt=mark).order_by("pk"))


def audit_row(rows: list[AuditEvent], event: str, obj: Model) -> AuditEvent:
    found = [
        r
        for r in rows
        if (r.event, r.object_type, r.object_id) == (event, obj._meta.label_lower, str(obj.pk))
    ]
    assert len(found) == 1, (event, obj, [(r.event, r.object_type, r.object_id) for r in rows])
    return found[0]


@pytest.fixture
def admin(client: Client, world: World) -> Client:
    client.force_login(world.user("sysadmin"))
    return client


def test_every_record_an_import_creates_or_changes_has_its_audit_row(
    admin: Client, world: World
) -> None:
    committee, year = world.committee, current_year()
    sysadmin = world.user("sysadmin")
    data = xlsx(good_sheets())
    mark = last_audit_pk()
    summary = post(admin, data, "名册.xlsx").context["summary"]
    assert summary is not None
    rows = rows_since(mark)
    sha = hashlib.sha256(data).hexdigest()

    # Created: group 3, its group year, two units with their party bodies, their
    # memberships, two accounts.
    group3 = Group.objects.get(committee=committee, number=3)
    new_a = Unit.objects.get(committee=committee, name="新单位甲")
    new_b = Unit.objects.get(committee=committee, name="新单位乙")
    created: list[tuple[str, Model]] = [
        (events.RECORD_CREATED, group3),
        (events.RECORD_CREATED, GroupYear.objects.get(group=group3, year=year)),
        (events.ACCOUNT_CREATED, User.objects.get(username="zhangsan")),
        (events.ACCOUNT_CREATED, User.objects.get(username="lisi")),
    ]
    for unit in (new_a, new_b):
        created += [
            (events.RECORD_CREATED, unit),
            (events.RECORD_CREATED, unit.organ_party_org),
            (events.RECORD_CREATED, GroupMembership.objects.get(unit=unit, year=year)),
        ]
    for name, obj in created:
        row = audit_row(rows, name, obj)
        assert (row.user, row.committee_id, row.detail["import"]) == (sysadmin, committee.pk, sha)
        assert "fields" in row.detail
    assert audit_row(rows, events.RECORD_CREATED, new_a).detail["fields"]["code"] == (
        "11110000000000000X"
    )
    zhangsan = audit_row(rows, events.ACCOUNT_CREATED, User.objects.get(username="zhangsan"))
    assert zhangsan.detail["fields"]["full_name"] == "张三"
    assert "13812345678" not in str(zhangsan.detail)  # the phone number stays out of the log

    # Changed: group 1's description, unit 0 and its party body, unit 1's membership (moved),
    # the existing account of unit2_staff; each with what changed, as a form edit records it.
    changed = {
        (r.object_type, r.object_id): r.detail["changes"]
        for r in rows
        if r.event in (events.RECORD_UPDATED, events.ACCOUNT_UPDATED)
    }
    unit0 = world.units[0]
    moved = GroupMembership.objects.get(unit=world.units[1], year=year)
    assert changed == {
        ("org.group", str(world.groups[0].pk)): {"description": ["", "经济管理部门"]},
        ("org.unit", str(unit0.pk)): {
            "short_name": [unit0.short_name, "测试零"],
            "leading_body": [Unit.LeadingBody.PARTY_GROUP, Unit.LeadingBody.PARTY_COMMITTEE],
        },
        ("org.organpartyorg", str(unit0.organ_party_org.pk)): {"member_count": [None, 80]},
        ("org.groupmembership", str(moved.pk)): {
            "group_year": [world.group_years[0].pk, moved.group_year_id]
        },
        ("accounts.user", str(world.user("unit2_staff").pk)): {
            "full_name": ["unit2_staff", "王五"],
            "title": ["", "干事"],
        },
    }
    # Nothing unchanged is recorded, and nothing else is: no role, no secretary.
    assert {r.event for r in rows} == {
        events.RECORD_CREATED,
        events.RECORD_UPDATED,
        events.ACCOUNT_CREATED,
        events.ACCOUNT_UPDATED,
        events.IMPORT,
    }
    assert len(rows) == len(created) + len(changed) + 1

    # The import's own row comes last: who, the file, its digest, the counts.
    event = rows[-1]
    assert (event.event, event.result, event.user) == (
        events.IMPORT,
        AuditEvent.Result.SUCCESS,
        sysadmin,
    )
    assert event.detail["file_name"] == "名册.xlsx"
    assert (event.detail["sha256"], event.detail["size"]) == (sha, len(data))
    assert event.detail["counts"] == summary.counts()
    assert event.detail["counts"]["units"] == {"created": 2, "updated": 1, "unchanged": 1}
    assert event.detail["counts"]["people"] == {"created": 2, "updated": 1, "unchanged": 0}


def test_an_import_that_changes_nothing_leaves_only_its_own_row(
    admin: Client, world: World
) -> None:
    data = xlsx(good_sheets())
    post(admin, data)
    mark = last_audit_pk()
    post(admin, data)
    (event,) = rows_since(mark)
    assert event.event == events.IMPORT and event.result == AuditEvent.Result.SUCCESS
    assert event.detail["counts"]["units"] == {"created": 0, "updated": 0, "unchanged": 4}


def test_a_wrong_file_is_audited_as_failed_and_writes_no_record_rows(
    admin: Client, world: World
) -> None:
    mark = last_audit_pk()
    data = xlsx(
        {"单位": [UNIT_HEADERS, ["新单位甲", None, None, None, None, None, "很多", 9, None]]}
    )
    response = post(admin, data, "坏.xlsx")
    assert response.context["summary"] is None
    (event,) = rows_since(mark)
    assert (event.event, event.result) == (events.IMPORT, AuditEvent.Result.FAILURE)
    assert event.detail["file_name"] == "坏.xlsx"
    assert event.detail["problem_count"] == 2
    assert [p["code"] for p in event.detail["problems"]] == ["not_integer", "unknown_group"]
    assert not Unit.objects.filter(name="新单位甲").exists()


def test_renaming_groups_to_swap_names_records_the_real_old_names(
    admin: Client, world: World
) -> None:
    mark = last_audit_pk()
    data = xlsx({"分组": [["组号", "组名", "说明"], [1, "第二组", None], [2, "第一组", None]]})
    post(admin, data)
    changes: dict[str, Any] = {
        r.object_id: r.detail["changes"] for r in rows_since(mark) if r.object_type == "org.group"
    }
    assert changes == {
        str(world.groups[0].pk): {"name": ["第一组", "第二组"]},
        str(world.groups[1].pk): {"name": ["第二组", "第一组"]},
    }


def test_an_import_moves_the_version_of_what_it_changed(admin: Client, world: World) -> None:
    unit = world.units[0]
    org_version = OrganPartyOrg.objects.get(unit=unit).version
    data = xlsx(
        {"单位": [UNIT_HEADERS, ["测试单位0", "新简称", None, None, None, None, 9, None, None]]}
    )
    post(admin, data)
    assert Unit.objects.get(pk=unit.pk).version == unit.version + 1
    assert OrganPartyOrg.objects.get(unit=unit).version == org_version + 1
