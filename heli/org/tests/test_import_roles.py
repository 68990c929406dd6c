"""Role grants by Excel import: the security administrator's alone, previewed, then confirmed.

The attack this answers: the system administrator imported a sheet that made an account a
unit's organ party secretary, then set that account's one-time password and signed in as
it. Now the system administrator's import creates accounts with no role; a role in any
import by anyone but the security administrator refuses the whole file, row by row.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from heli.accounts.models import Role, RoleAssignment, User
from heli.audit import events
from heli.audit.models import AuditEvent
from heli.org.importer import PEOPLE_SPEC, ROLES_SPEC, parse_workbook
from heli.org.models import OrganPartyOrg
from heli.org.tests.test_import import TEMPLATE_URL, URL, post, snapshot, upload, xlsx
from heli.testing import World, grant

pytestmark = pytest.mark.django_db

ROLE_HEADERS = list(ROLES_SPEC.headers)
# The 人员 sheet as it was when it granted roles: 所属单位 and 角色 after 用户名.
OLD_PEOPLE_HEADERS = ["姓名", "用户名", "所属单位", "角色", "职务", "手机号"]


def signed_in(client: Client, world: World, name: str) -> Client:
    client.force_login(world.user(name))
    return client


def imports(result: str | None = None) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(event=events.IMPORT).order_by("pk")
    return list(rows.filter(result=result) if result else rows)


def last_audit_pk() -> int:
    """Audit rows after this one are the test's (building the world records grants too)."""
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def audited_since(mark: int, *names: str) -> Any:
    return AuditEvent.objects.filter(pk__gt=mark, event__in=names).order_by("pk")


def org0(world: World) -> OrganPartyOrg:
    return OrganPartyOrg.objects.get(unit=world.units[0])


def role_sheet(*rows: list[Any]) -> bytes:
    return xlsx({"角色": [ROLE_HEADERS, *rows]})


def confirm(client: Client, response: Any) -> Any:
    token = response.context["confirm_form"].initial["token"]
    return client.post(URL, {"token": token})


# --- The system administrator's import grants nothing -----------------------------------


def test_sysadmin_import_with_a_role_column_is_refused_and_changes_nothing(
    client: Client, world: World
) -> None:
    admin = signed_in(client, world, "sysadmin")
    # The attack: a new account made the secretary of unit 0, replacing unit0_secretary.
    data = xlsx(
        {
            "人员": [
                OLD_PEOPLE_HEADERS,
                ["冒名者", "mole", "测试单位1", None, None, None],
                ["内鬼", "insider", "测试单位0", "机关党委书记", None, "13812345678"],
            ]
        }
    )
    before = snapshot(world)
    mark = last_audit_pk()
    with translation.override("zh-hans"):
        response = post(admin, data, "人员.xlsx")
    assert response.context["summary"] is None
    found = [(p.sheet, p.row, p.column, p.code) for p in response.context["problems"]]
    assert found == [
        ("人员", 2, "所属单位", "unit_column_refused"),
        ("人员", 3, "所属单位", "unit_column_refused"),
        ("人员", 3, "角色", "role_column_refused"),
    ]
    reason = response.context["problems"][2].reason
    assert reason.startswith("系统管理员的导入不能授予角色，角色授权请由安全管理员导入并确认。")
    page = response.content.decode()
    assert "系统管理员的导入不能授予角色" in page and 'data-row="3"' in page
    # Nothing changed: no account, no role, the same secretary.
    assert snapshot(world) == before
    assert not User.objects.filter(username__in=["mole", "insider"]).exists()
    assert org0(world).secretary == world.user("unit0_secretary")
    # The audit log shows the refusal, with the file and the refused cells.
    (event,) = imports()
    assert (event.result, event.user, event.detail["file_name"]) == (
        AuditEvent.Result.DENIED,
        world.user("sysadmin"),
        "人员.xlsx",
    )
    assert {"sheet": "人员", "row": 3, "column": "角色", "code": "role_column_refused"} in (
        event.detail["problems"]
    )
    changes = (events.ROLE_GRANTED, events.ACCOUNT_CREATED, events.RECORD_UPDATED)
    assert not audited_since(mark, *changes).exists()


def test_sysadmin_import_with_a_role_sheet_is_refused_and_changes_nothing(
    client: Client, world: World
) -> None:
    admin = signed_in(client, world, "sysadmin")
    data = xlsx(
        {
            "人员": [list(PEOPLE_SPEC.headers), ["内鬼", "insider", None, None]],
            "角色": [
                ROLE_HEADERS,
                ["insider", None, "机关党委书记", "测试单位0", None],
                ["nobody", None, "工委领导", None, None],
            ],
        }
    )
    before = snapshot(world)
    with translation.override("zh-hans"):
        response = post(admin, data)
    found = [(p.sheet, p.row, p.column, p.code) for p in response.context["problems"]]
    assert found == [
        ("角色", 2, "角色", "role_sheet_refused"),
        ("角色", 3, "角色", "role_sheet_refused"),
    ]
    assert response.context["problems"][0].reason.startswith(
        "系统管理员的导入不能授予角色，角色授权请由安全管理员导入并确认。"
    )
    assert response.context["summary"] is None and response.context["preview"] is None
    assert snapshot(world) == before
    assert not User.objects.filter(username="insider").exists()
    assert org0(world).secretary == world.user("unit0_secretary")
    (event,) = imports()
    assert event.result == AuditEvent.Result.DENIED
    assert event.detail["problem_count"] == 2


def test_meeting_office_import_with_a_role_sheet_is_refused(client: Client, world: World) -> None:
    office = signed_in(client, world, "office")
    before = snapshot(world)
    with translation.override("zh-hans"):
        response = post(office, role_sheet(["nobody", None, "工委领导", None, None]))
    (problem,) = response.context["problems"]
    assert (problem.sheet, problem.row, problem.column, problem.code) == (
        "角色",
        2,
        "角色",
        "role_sheet_refused",
    )
    assert problem.reason.startswith("联席会议办公室的导入不能授予角色")
    assert snapshot(world) == before
    assert imports(AuditEvent.Result.DENIED)


# --- The security administrator's role import: preview, then confirm -------------------


def good_roles() -> bytes:
    return role_sheet(
        # replaces unit0_secretary as the secretary of unit 0
        ["nobody", "无角色", "机关党委书记", "测试单位0", None],
        # a unit with no secretary yet
        ["unit2_staff", None, "机关党委书记", "测试单位1", None],
        ["staff", None, "工委处室人员", None, "组织部"],
        ["leader", "李领导", "工委领导", None, None],  # held already
    )


def test_secadmin_role_import_previews_then_grants_once_confirmed(
    client: Client, world: World
) -> None:
    secadmin = signed_in(client, world, "secadmin")
    before = snapshot(world)
    mark = last_audit_pk()
    last_role = RoleAssignment.objects.order_by("-pk").values_list("pk", flat=True)[0]
    response = post(secadmin, good_roles(), "角色.xlsx")
    assert response.context["problems"] == []
    preview = response.context["preview"]
    assert response.context["summary"] is None
    # The preview names every grant and every secretary change; nothing is written yet.
    assert [(g.row, g.person.username, g.role, g.held) for g in preview.grants] == [
        (2, "nobody", Role.UNIT_SECRETARY, False),
        (3, "unit2_staff", Role.UNIT_SECRETARY, False),
        (4, "staff", Role.COMMITTEE_STAFF, False),
        (5, "leader", Role.COMMITTEE_LEADER, True),
    ]
    assert [(g.row, g.secretary_before) for g in preview.grants if g.changes_secretary] == [
        (2, world.user("unit0_secretary")),
        (3, None),
    ]
    page = response.content.decode()
    assert 'id="import-preview"' in page and 'id="import-confirm"' in page
    assert "unit0_secretary" in page  # the secretary it replaces is named
    assert snapshot(world) == before
    assert imports() == []
    assert not audited_since(mark, events.ROLE_GRANTED).exists()

    response = confirm(secadmin, response)
    summary = response.context["summary"]
    assert (summary.roles_granted, summary.roles_unchanged, summary.secretaries_set) == (3, 1, 2)
    nobody, unit2_staff = world.user("nobody"), world.user("unit2_staff")
    assert RoleAssignment.objects.filter(
        user=nobody, role=Role.UNIT_SECRETARY, unit=world.units[0]
    ).exists()
    assert RoleAssignment.objects.filter(
        user=world.user("staff"), role=Role.COMMITTEE_STAFF, department=world.office
    ).exists()
    assert org0(world).secretary == nobody
    assert OrganPartyOrg.objects.get(unit=world.units[1]).secretary == unit2_staff
    # Each grant audited as the roles screen's are, each secretary change as the form's,
    # then the import itself with the file and the counts.
    granted = audited_since(mark, events.ROLE_GRANTED)
    new = RoleAssignment.objects.filter(pk__gt=last_role)
    assert new.count() == 3
    assert sorted(granted.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in new.values_list("pk", flat=True)
    )
    assert {e.user for e in granted} == {world.user("secadmin")}
    changes = {
        e.object_id: e.detail["changes"]
        for e in audited_since(mark, events.RECORD_UPDATED).filter(object_type="org.organpartyorg")
    }
    assert changes == {
        str(org0(world).pk): {"secretary": [world.user("unit0_secretary").pk, nobody.pk]},
        str(OrganPartyOrg.objects.get(unit=world.units[1]).pk): {
            "secretary": [None, unit2_staff.pk]
        },
    }
    (event,) = imports()
    assert (event.result, event.user, event.detail["kind"]) == (
        AuditEvent.Result.SUCCESS,
        world.user("secadmin"),
        "roles",
    )
    assert event.detail["file_name"] == "角色.xlsx" and len(event.detail["sha256"]) == 64
    assert event.detail["counts"] == {
        "roles_granted": 3,
        "roles_unchanged": 1,
        "secretaries_set": 2,
    }
    assert event.pk > max(granted.values_list("pk", flat=True))


def test_a_confirmation_applies_its_own_preview_once(client: Client, world: World) -> None:
    secadmin = signed_in(client, world, "secadmin")
    response = post(secadmin, good_roles())
    before = snapshot(world)
    # A made-up token confirms nothing.
    forged = secadmin.post(URL, {"token": "x" * 22})
    assert forged.context["expired"] and forged.context["summary"] is None
    assert snapshot(world) == before
    assert confirm(secadmin, response).context["summary"] is not None
    after = snapshot(world)
    # Posting the same confirmation again grants nothing twice.
    again = confirm(secadmin, response)
    assert again.context["expired"] and again.context["summary"] is None
    assert snapshot(world) == after
    assert len(imports()) == 1


def test_a_preview_confirmed_by_another_person_grants_nothing(client: Client, world: World) -> None:
    secadmin = signed_in(client, world, "secadmin")
    response = post(secadmin, good_roles())
    token = response.context["confirm_form"].initial["token"]
    other = Client()
    other.force_login(world.user("sysadmin"))
    before = snapshot(world)
    refused = other.post(URL, {"token": token})
    assert refused.context["expired"] and refused.context["summary"] is None
    assert snapshot(world) == before


def test_a_registry_change_after_the_preview_asks_for_a_new_confirmation(
    client: Client, world: World
) -> None:
    secadmin = signed_in(client, world, "secadmin")
    response = post(secadmin, good_roles())
    # Meanwhile unit 0's secretary is changed through the form's action.
    org = org0(world)
    OrganPartyOrg.objects.filter(pk=org.pk).update(secretary=None)
    before = snapshot(world)
    response = confirm(secadmin, response)
    assert response.context["preview_changed"] and response.context["summary"] is None
    assert snapshot(world) == before
    first = response.context["preview"].grants[0]
    assert first.changes_secretary and first.secretary_before is None
    response = confirm(secadmin, response)
    assert response.context["summary"].roles_granted == 3
    assert org0(world).secretary == world.user("nobody")


def test_the_rules_of_granting_are_checked_again_at_confirmation(
    client: Client, world: World
) -> None:
    secadmin = signed_in(client, world, "secadmin")
    response = post(secadmin, role_sheet(["nobody", None, "工委领导", None, None]))
    assert response.context["preview"] is not None
    # Before the confirmation, the account became an administrator.
    grant(world.user("nobody"), Role.AUDITOR)
    response = confirm(secadmin, response)
    assert [p.code for p in response.context["problems"]] == ["admin_holds_no_role"]
    assert response.context["summary"] is None
    assert not RoleAssignment.objects.filter(
        user=world.user("nobody"), role=Role.COMMITTEE_LEADER
    ).exists()
    assert imports(AuditEvent.Result.DENIED)


def test_role_import_refuses_what_the_roles_screen_refuses(client: Client, world: World) -> None:
    from heli.org.models import Unit

    Unit.objects.filter(pk=world.units[3].pk).update(
        status=Unit.Status.ABOLISHED, status_date="2020-01-01"
    )
    secadmin = signed_in(client, world, "secadmin")
    rows = [
        ["secadmin", None, "工委领导", None, None],  # 2: one's own account
        ["sysadmin", None, "机关党委工作人员", "测试单位0", None],  # 3: an administrator
        ["nobody", None, "安全管理员", None, None],  # 4: an administrator role
        ["ghost", None, "工委领导", None, None],  # 5: no such account
        ["outsider", None, "工委领导", None, None],  # 6: another committee's account
        ["nobody", None, "机关党委工作人员", None, None],  # 7: a unit role without a unit
        ["nobody", None, "工委处室人员", None, "不存在处"],  # 8: no such department
        ["nobody", None, "工委领导", "测试单位0", None],  # 9: a committee role with a unit
        ["nobody", None, "机关党委工作人员", "测试单位3", None],  # 10: an abolished unit
        ["nobody", "别人", "机关党委工作人员", "测试单位1", None],  # 11: the wrong name
        ["leader", None, "单位党组(党委)成员", "测试单位1", None],  # 12
        ["leader", None, "单位党组（党委）成员", "测试单位1", None],  # 13: the same again
        ["nobody", None, "机关党委书记", "测试单位2", None],  # 14
        ["leader", None, "机关党委书记", "测试单位2", None],  # 15: a second secretary
        ["nobody", None, "书记", "测试单位2", None],  # 16: not a role
    ]
    before = snapshot(world)
    response = post(secadmin, role_sheet(*rows))
    found = [(p.row, p.column, p.code) for p in response.context["problems"]]
    assert found == [
        (2, "用户名", "own_account"),
        (3, "用户名", "admin_holds_no_role"),
        (4, "角色", "admin_role_not_importable"),
        (5, "用户名", "unknown_account"),
        (6, "用户名", "unknown_account"),
        (7, "所属单位", "unit_required"),
        (8, "所属处室", "unknown_department"),
        (9, "所属单位", "scope_not_taken"),
        (10, "所属单位", "inactive_unit"),
        (11, "姓名", "name_mismatch"),
        (13, "角色", "duplicate_grant"),
        (15, "角色", "secretary_conflict"),
        (16, "角色", "invalid_role"),
    ]
    assert response.context["preview"] is None and response.context["summary"] is None
    assert snapshot(world) == before
    (event,) = imports()
    assert event.result == AuditEvent.Result.DENIED
    assert event.detail["problem_count"] == len(found)


def test_secadmin_cannot_import_groups_units_or_people(client: Client, world: World) -> None:
    from heli.org.tests.test_import import good_sheets

    secadmin = signed_in(client, world, "secadmin")
    before = snapshot(world)
    response = post(secadmin, xlsx(good_sheets()))
    assert [(p.sheet, p.code) for p in response.context["problems"]] == [
        ("分组", "registry_not_allowed"),
        ("单位", "registry_not_allowed"),
        ("人员", "people_not_allowed"),
    ]
    assert snapshot(world) == before


def test_the_secadmins_template_holds_the_role_sheet_and_imports_once_unmarked(
    client: Client, world: World
) -> None:
    secadmin = signed_in(client, world, "secadmin")
    response = secadmin.get(TEMPLATE_URL)
    assert (
        "角色授权" in response["Content-Disposition"]
        or "filename*" in (response["Content-Disposition"])
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["说明", "角色"]
    assert [c.value for c in workbook["角色"][1]] == ROLE_HEADERS
    choices = [dv for dv in workbook["角色"].data_validations.dataValidation if dv.type == "list"]
    assert choices and "机关党委书记" in (choices[0].formula1 or "")
    assert "系统管理员" not in (choices[0].formula1 or "")
    instructions = " ".join(str(c.value) for row in workbook["说明"].iter_rows() for c in row)
    assert "预览" in instructions and "确认" in instructions
    # The example row, unmarked and pointed at a real account and unit, previews.
    ws = workbook["角色"]
    ws["A2"] = "unit2_staff"
    ws["B2"] = None
    ws["D2"] = "测试单位1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = secadmin.post(URL, {"file": upload(buffer.getvalue())}).context["preview"]
    assert [(g.person.username, g.role) for g in preview.grants] == [
        ("unit2_staff", Role.UNIT_SECRETARY)
    ]


def test_parse_names_the_file_by_its_digest(world: World) -> None:
    import hashlib

    data = good_roles()
    plan = parse_workbook(io.BytesIO(data), world.user("secadmin"), file_name="a.xlsx")
    assert plan.ok, plan.problems
    assert plan.source.sha256 == hashlib.sha256(data).hexdigest()
    assert (plan.source.name, plan.source.size) == ("a.xlsx", len(data))
