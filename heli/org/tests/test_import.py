"""Excel import of units, groups and accounts: all or nothing, every problem listed.

Role grants are imported by the security administrator (test_import_roles.py); what every
import leaves in the audit log is in test_import_audit.py.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from typing import Any

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from heli.accounts.models import Role, RoleAssignment, User
from heli.lib import sheets
from heli.lib.dates import current_year
from heli.org import importer
from heli.org.importer import (
    EXAMPLE_MARKS,
    GROUPS_SPEC,
    PEOPLE_SPEC,
    UNITS_SPEC,
    ImportPlan,
    apply_import,
    parse_workbook,
)
from heli.org.importer import apply as importer_apply
from heli.org.models import Group, GroupMembership, GroupYear, OrganPartyOrg, Unit
from heli.testing import WORLD_USERS, World

pytestmark = pytest.mark.django_db

URL = "/org/import/"
TEMPLATE_URL = "/org/import/template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

GROUP_HEADERS = list(GROUPS_SPEC.headers)
UNIT_HEADERS = list(UNITS_SPEC.headers)
PEOPLE_HEADERS = list(PEOPLE_SPEC.headers)


def xlsx(sheets: Mapping[str, Any], merge: dict[str, str] | None = None) -> bytes:
    """A workbook with the given sheets and rows, built in memory."""
    workbook = Workbook()
    default = workbook.worksheets[0]
    for name, rows in sheets.items():
        ws = workbook.create_sheet(name)
        for row in rows:
            ws.append(row)
    workbook.remove(default)
    for name, cells in (merge or {}).items():
        workbook[name].merge_cells(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_sheets() -> dict[str, list[list[Any]]]:
    """Updates group 1, creates group 3, two units and two people, moves a unit, updates a person."""
    return {
        "分组": [
            GROUP_HEADERS,
            [1, "第一组", "经济管理部门"],
            [3, "第三组", "新设的组"],
        ],
        "单位": [
            UNIT_HEADERS,
            ["测试单位0", "测试零", None, "党委", None, None, 80, 1, None],
            ["新单位甲", "新甲", "11110000000000000X", "党组", "机关总支", None, 30, 3, 10],
            ["新单位乙", None, None, None, None, "中共新单位乙机关委员会", None, "第三组", None],
            ["测试单位1", None, None, None, None, None, None, "3", None],
        ],
        "人员": [
            PEOPLE_HEADERS,
            ["张三", "zhangsan", "机关党委专职副书记", "13812345678"],
            ["李四", "lisi", None, "010-12345678"],
            ["王五", "unit2_staff", "干事", None],
        ],
    }


def upload(data: bytes, name: str = "import.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def post(client: Client, data: bytes, name: str = "import.xlsx") -> Any:
    return client.post(URL, {"file": upload(data, name)})


def snapshot(world: World) -> dict[str, Any]:
    """Every row an import may touch, to prove that a refused import changed nothing."""
    c = world.committee
    return {
        "units": list(
            Unit.objects.filter(committee=c)
            .order_by("name")
            .values_list("name", "short_name", "code", "leading_body", "sort_order")
        ),
        "orgs": list(
            OrganPartyOrg.objects.filter(committee=c)
            .order_by("unit__name")
            .values_list("unit__name", "kind", "name", "member_count", "secretary_id")
        ),
        "groups": list(
            Group.objects.filter(committee=c)
            .order_by("number")
            .values_list("number", "name", "description")
        ),
        "group_years": list(
            GroupYear.objects.filter(committee=c).order_by("id").values_list("group_id", "year")
        ),
        "memberships": list(
            GroupMembership.objects.filter(committee=c)
            .order_by("unit_id", "year")
            .values_list("unit_id", "group_year_id", "year", "is_lead")
        ),
        "users": list(
            User.objects.order_by("username").values_list("username", "full_name", "title", "phone")
        ),
        "roles": list(
            RoleAssignment.objects.order_by("id").values_list("user_id", "role", "unit_id")
        ),
    }


def problems_of(response: Any) -> list[tuple[str, str, int | None, str]]:
    return [(p.sheet, p.code, p.row, p.column) for p in response.context["problems"]]


def plan_for(world: World, sheets: Mapping[str, Any], **kwargs: Any) -> ImportPlan:
    return parse(world, xlsx(sheets, **kwargs))


def parse(world: World, data: bytes, by: str = "sysadmin") -> ImportPlan:
    return parse_workbook(io.BytesIO(data), world.user(by), file_name="import.xlsx")


def codes(plan: ImportPlan) -> set[str]:
    return {p.code for p in plan.problems}


@pytest.fixture
def admin(client: Client, world: World) -> Client:
    client.force_login(world.user("sysadmin"))
    return client


# --- A good file --------------------------------------------------------------------


def test_good_file_creates_and_updates_units_groups_people_and_memberships(
    admin: Client, world: World
) -> None:
    year = current_year()
    response = post(admin, xlsx(good_sheets()))
    assert response.status_code == 200
    assert response.context["problems"] == []
    summary = response.context["summary"]
    assert summary is not None
    assert (summary.groups.created, summary.groups.updated) == (1, 1)
    assert (summary.units.created, summary.units.updated, summary.units.unchanged) == (2, 1, 1)
    assert (summary.people.created, summary.people.updated) == (2, 1)
    assert (
        summary.memberships_added,
        summary.memberships_moved,
        summary.memberships_unchanged,
    ) == (2, 1, 1)
    assert summary.group_years_created == 1
    assert {u.username for u in summary.new_accounts} == {"zhangsan", "lisi"}
    assert 'id="import-summary"' in response.content.decode()
    assert "zhangsan" in response.content.decode()

    group_one = Group.objects.get(committee=world.committee, number=1)
    assert group_one.description == "经济管理部门"
    group_three = Group.objects.get(committee=world.committee, number=3)
    assert group_three.name == "第三组"

    unit0 = Unit.objects.get(pk=world.units[0].pk)
    assert (unit0.short_name, unit0.leading_body) == ("测试零", Unit.LeadingBody.PARTY_COMMITTEE)
    assert unit0.organ_party_org.member_count == 80
    assert unit0.organ_party_org.name == "测试单位0机关党委"  # empty cell: unchanged

    new_a = Unit.objects.get(committee=world.committee, name="新单位甲")
    assert (new_a.code, new_a.sort_order) == ("11110000000000000X", 10)
    assert new_a.organ_party_org.kind == OrganPartyOrg.Kind.GENERAL_BRANCH
    assert new_a.organ_party_org.name == "新单位甲机关总支"
    new_b = Unit.objects.get(committee=world.committee, name="新单位乙")
    assert new_b.leading_body == Unit.LeadingBody.PARTY_GROUP
    assert new_b.organ_party_org.name == "中共新单位乙机关委员会"
    assert new_b.sort_order > max(u.sort_order for u in world.units)

    def membership(unit: Unit) -> GroupMembership:
        return GroupMembership.objects.get(committee=world.committee, year=year, unit=unit)

    assert membership(new_a).group_year.group == group_three
    assert membership(new_b).group_year.group == group_three
    moved = membership(world.units[1])
    assert moved.group_year.group == group_three and not moved.is_lead
    assert not membership(new_a).is_lead
    # The lead unit stays where it was, still leading.
    assert membership(world.units[0]).group_year == world.group_years[0]
    assert membership(world.units[0]).is_lead

    zhangsan = User.objects.get(username="zhangsan")
    assert zhangsan.committee == world.committee
    assert not is_password_usable(zhangsan.password)
    assert (zhangsan.full_name, zhangsan.title, zhangsan.phone) == (
        "张三",
        "机关党委专职副书记",
        "13812345678",
    )
    lisi = User.objects.get(username="lisi")
    assert lisi.phone == "010-12345678"
    # Accounts only: no role, no secretary (those are the security administrator's).
    assert not RoleAssignment.objects.filter(user__in=[zhangsan, lisi]).exists()
    assert new_a.organ_party_org.secretary is None

    existing = User.objects.get(username="unit2_staff")
    assert (existing.full_name, existing.title) == ("王五", "干事")
    assert is_password_usable(existing.password)  # an existing account keeps its password
    assert set(existing.role_assignments.values_list("role", flat=True)) == {Role.UNIT_STAFF}


def test_importing_the_same_file_again_changes_nothing(admin: Client, world: World) -> None:
    data = xlsx(good_sheets())
    post(admin, data)
    before = snapshot(world)
    response = post(admin, data)
    summary = response.context["summary"]
    assert snapshot(world) == before
    for tally in (summary.groups, summary.units, summary.people):
        assert (tally.created, tally.updated) == (0, 0)
    assert (summary.units.unchanged, summary.people.unchanged) == (4, 3)
    assert summary.memberships_set == 0 and summary.memberships_unchanged == 4
    assert summary.new_accounts == []


def test_office_may_import_groups_and_units_but_not_people(client: Client, world: World) -> None:
    client.force_login(world.user("office"))
    sheets = good_sheets()
    before = snapshot(world)
    response = post(client, xlsx(sheets))
    assert problems_of(response) == [("人员", "people_not_allowed", 2, "")]
    assert snapshot(world) == before

    sheets["人员"] = [PEOPLE_HEADERS]  # the sheet may stay, without data rows
    response = post(client, xlsx(sheets))
    assert response.context["problems"] == []
    summary = response.context["summary"]
    assert (summary.groups.created, summary.units.created, summary.people.created) == (1, 2, 0)


def test_group_names_can_be_swapped(admin: Client, world: World) -> None:
    sheets = {"分组": [GROUP_HEADERS, [1, "第二组", None], [2, "第一组", None]]}
    response = post(admin, xlsx(sheets))
    assert response.context["problems"] == []
    names = dict(Group.objects.filter(committee=world.committee).values_list("number", "name"))
    assert names == {1: "第二组", 2: "第一组"}


def test_headers_may_carry_spaces_and_a_required_star(world: World) -> None:
    sheets = {"分组": [["组号*", " 组 名 ", "说明"], [5, "第五组", None]]}
    plan = plan_for(world, sheets)
    assert plan.ok, plan.problems
    assert [(g.number, g.name) for g in plan.groups] == [(5, "第五组")]


# --- Refused files: nothing changes, every problem is listed --------------------------


def test_wrong_and_missing_columns_are_named(admin: Client, world: World) -> None:
    before = snapshot(world)
    sheets = {"单位": [["单位名", "简称", "所属组"], ["新单位甲", "甲", 1]]}
    response = post(admin, xlsx(sheets))
    assert snapshot(world) == before
    assert response.context["summary"] is None
    found = problems_of(response)
    assert ("单位", "unknown_column", 1, "单位名") in found
    assert ("单位", "missing_column", 1, "单位名称") in found
    page = response.content.decode()
    assert 'data-code="unknown_column"' in page and 'data-code="missing_column"' in page
    assert "单位名称" in page


def test_duplicate_columns_are_refused(world: World) -> None:
    plan = plan_for(world, {"分组": [["组号", "组名", "组名"], [5, "第五组", "又一个"]]})
    assert [(p.code, p.column) for p in plan.sheet_problems] == [("duplicate_column", "组名")]


def test_duplicate_unit_names_in_the_file(admin: Client, world: World) -> None:
    before = snapshot(world)
    sheets = {
        "单位": [
            UNIT_HEADERS,
            ["新单位甲", None, None, None, None, None, None, None, None],
            ["新单位乙", None, None, None, None, None, None, None, None],
            ["新单位甲", None, None, None, None, None, None, None, None],
        ]
    }
    response = post(admin, xlsx(sheets))
    assert problems_of(response) == [("单位", "duplicate_unit", 4, "单位名称")]
    assert "2" in response.context["problems"][0].reason  # names the first row
    assert snapshot(world) == before


def test_unknown_group(admin: Client, world: World) -> None:
    before = snapshot(world)
    sheets = {
        "单位": [
            UNIT_HEADERS,
            ["新单位甲", None, None, None, None, None, None, 9, None],
            ["新单位乙", None, None, None, None, None, None, "第九组", None],
        ]
    }
    response = post(admin, xlsx(sheets))
    assert problems_of(response) == [
        ("单位", "unknown_group", 2, "所属组"),
        ("单位", "unknown_group", 3, "所属组"),
    ]
    assert snapshot(world) == before


def test_an_empty_sheet_is_refused(admin: Client, world: World) -> None:
    before = snapshot(world)
    response = post(admin, xlsx({"单位": []}))
    assert problems_of(response) == [("单位", "empty_sheet", 1, "")]
    assert snapshot(world) == before


def test_a_workbook_without_data_rows_is_refused(admin: Client, world: World) -> None:
    response = post(admin, xlsx({"分组": [GROUP_HEADERS], "单位": [UNIT_HEADERS]}))
    assert response.context["summary"] is None
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1
    assert codes(plan_for(world, {"分组": [GROUP_HEADERS]})) == {"no_data"}


def test_a_workbook_without_known_sheets_is_refused(world: World) -> None:
    assert codes(plan_for(world, {"Sheet1": [["a", "b"], [1, 2]]})) == {"no_sheets"}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("registry.csv", "单位名称,简称\n测试单位9,测九\n".encode()),
        ("renamed.xlsx", b"this is plain text, not a workbook"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip archive"),
    ],
)
def test_a_file_that_is_not_excel_is_refused(
    admin: Client, world: World, name: str, data: bytes
) -> None:
    before = snapshot(world)
    response = post(admin, data, name)
    assert response.status_code == 200
    assert response.context["summary"] is None
    errors = response.context["form"].errors["file"]
    assert len(errors) == 1 and ".xlsx" in errors[0]
    assert 'class="form-control is-invalid"' in response.content.decode()
    assert snapshot(world) == before
    assert codes(parse(world, data)) == {"not_excel"}


def test_a_zip_that_is_not_a_workbook_is_refused(world: World) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert codes(parse(world, buffer.getvalue())) == {"not_excel"}


def test_a_file_over_the_size_limit_is_refused_unread(
    admin: Client, world: World, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = xlsx(good_sheets())
    settings.IMPORT_MAX_BYTES = len(data) - 1

    def must_not_parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an oversized file must not be parsed")

    monkeypatch.setattr("heli.org.import_views.parse_workbook", must_not_parse)
    before = snapshot(world)
    response = post(admin, data)
    assert response.context["summary"] is None
    assert len(response.context["form"].errors["file"]) == 1
    assert snapshot(world) == before
    monkeypatch.undo()
    assert codes(parse(world, data)) == {"file_too_large"}


def test_a_zip_bomb_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_UNCOMPRESSED_BYTES", 1000)
    assert codes(plan_for(world, good_sheets())) == {"inflates_too_much"}


def test_too_many_rows_are_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    rows = [[f"新单位{i}", None, None, None, None, None, None, None, None] for i in range(4)]
    plan = plan_for(world, {"单位": [UNIT_HEADERS, *rows]})
    assert [(p.code, p.row) for p in plan.sheet_problems] == [("too_many_rows", 5)]


def test_formulas_are_refused_with_their_cell(admin: Client, world: World) -> None:
    before = snapshot(world)
    sheets = {
        "单位": [
            UNIT_HEADERS,
            ["新单位甲", None, None, None, None, None, "=10+20", None, None],
            [
                '=HYPERLINK("http://example.com","点我")',
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
            ],
        ]
    }
    response = post(admin, xlsx(sheets))
    found = problems_of(response)
    assert ("单位", "formula", 2, "党员人数") in found
    assert ("单位", "formula", 3, "单位名称") in found
    reasons = " ".join(p.reason for p in response.context["problems"])
    assert "G2" in reasons and "A3" in reasons
    assert snapshot(world) == before


def test_merged_cells_are_refused_with_their_range(admin: Client, world: World) -> None:
    before = snapshot(world)
    sheets = {
        "单位": [
            UNIT_HEADERS,
            ["新单位甲", "甲", None, None, None, None, None, None, None],
            ["新单位乙", None, None, None, None, None, None, None, None],
        ]
    }
    response = post(admin, xlsx(sheets, merge={"单位": "B2:C3"}))
    found = problems_of(response)
    assert ("单位", "merged_cells", 2, "简称") in found
    assert any("B2:C3" in p.reason for p in response.context["problems"])
    assert snapshot(world) == before


def test_values_too_long_and_not_integer(world: World) -> None:
    sheets = {
        "单位": [
            UNIT_HEADERS,
            ["单" * 101, None, None, None, None, None, "很多", None, None],
            ["新单位乙", None, None, None, None, None, 12.5, None, -1],
        ]
    }
    plan = plan_for(world, sheets)
    assert [(p.code, p.row, p.column) for p in plan.sheet_problems] == [
        ("too_long", 2, "单位名称"),
        ("not_integer", 2, "党员人数"),
        ("not_integer", 3, "党员人数"),
        ("out_of_range", 3, "排序号"),
    ]


def test_bad_rows_among_good_rows_save_nothing_and_every_problem_is_listed(
    admin: Client, world: World
) -> None:
    sheets = good_sheets()
    sheets["分组"].append([100, "第一百组", None])  # row 4: out of range
    sheets["单位"].insert(
        3, ["新单位丙", None, None, "党支部", None, None, "三十", None, None]
    )  # row 4
    sheets["人员"].append(["赵六", "zhao liu", None, "12345"])  # row 5
    sheets["人员"].append(["", "sysadmin", None, None])  # row 6
    sheets["人员"].append(["外人", "outsider", None, None])  # row 7
    sheets["人员"].append(["张三", "zhangsan", None, None])  # row 8
    sheets["人员"].append(["孙七", "sunqi", "干" * 101, None])  # row 9
    before = snapshot(world)
    response = post(admin, xlsx(sheets))
    assert snapshot(world) == before
    assert response.context["summary"] is None
    assert problems_of(response) == [
        ("分组", "out_of_range", 4, "组号"),
        ("单位", "invalid_choice", 4, "领导机构"),
        ("单位", "not_integer", 4, "党员人数"),
        ("人员", "invalid_username", 5, "用户名"),
        ("人员", "invalid_phone", 5, "手机号"),
        ("人员", "required", 6, "姓名"),
        ("人员", "admin_account", 6, "用户名"),
        ("人员", "username_taken", 7, "用户名"),
        ("人员", "duplicate_username", 8, "用户名"),
        ("人员", "too_long", 9, "职务"),
    ]
    page = response.content.decode()
    assert page.count('data-code="') == 10
    assert 'data-row="9"' in page


def test_a_lead_unit_cannot_be_moved_by_an_import(world: World) -> None:
    sheets = {"单位": [UNIT_HEADERS, ["测试单位0", None, None, None, None, None, None, 2, None]]}
    plan = plan_for(world, sheets)
    assert [(p.code, p.row) for p in plan.sheet_problems] == [("lead_unit_move", 2)]


def test_group_names_must_stay_unique(world: World) -> None:
    plan = plan_for(
        world,
        {"分组": [GROUP_HEADERS, [3, "第一组", None], [4, "第四组", None], [4, "又一个", None]]},
    )
    assert [(p.code, p.row) for p in plan.sheet_problems] == [
        ("duplicate_group_name", 2),
        ("duplicate_group", 4),
    ]


def test_an_inactive_unit_cannot_be_put_in_a_group(world: World) -> None:
    Unit.objects.filter(pk=world.units[3].pk).update(
        status=Unit.Status.ABOLISHED, status_date="2020-01-01"
    )
    sheets = {
        "单位": [UNIT_HEADERS, ["测试单位3", None, None, None, None, None, None, 1, None]],
    }
    assert [(p.code, p.sheet) for p in plan_for(world, sheets).sheet_problems] == [
        ("inactive_unit", "单位"),
    ]


def test_a_database_failure_rolls_everything_back(
    admin: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("disk full")

    # Groups and units are written before people; the failure comes after them.
    monkeypatch.setattr(importer_apply, "_apply_people", fail)
    before = snapshot(world)
    response = post(admin, xlsx(good_sheets()))
    assert response.status_code == 200
    assert response.context["summary"] is None
    assert response.context["failed"] and not response.context["failed_reason"]
    assert 'id="import-failed"' in response.content.decode()
    assert snapshot(world) == before


def test_a_unit_made_lead_after_checking_rolls_the_import_back(world: World) -> None:
    plan = plan_for(world, good_sheets())
    assert plan.ok
    # While the file was being checked, someone made units[1] a lead unit of group 1.
    GroupMembership.objects.filter(unit=world.units[1]).update(is_lead=True)
    before = snapshot(world)
    with pytest.raises(importer.ImportApplyError):
        apply_import(plan)
    assert snapshot(world) == before


def test_only_the_first_problems_are_shown_when_there_are_very_many(
    admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("heli.org.import_views.MAX_SHOWN", 2)
    rows = [[f"新单位{i}", None, None, None, None, None, "很多", None, None] for i in range(5)]
    response = post(admin, xlsx({"单位": [UNIT_HEADERS, *rows]}))
    assert len(response.context["problems"]) == 2
    assert response.context["problem_count"] == 5
    assert response.content.decode().count('data-code="not_integer"') == 2


def test_a_plan_with_problems_cannot_be_applied(world: World) -> None:
    plan = plan_for(world, {"单位": []})
    with pytest.raises(ValueError):
        apply_import(plan)


# --- The template ---------------------------------------------------------------------


def test_template_downloads_as_xlsx_with_the_expected_sheets(admin: Client) -> None:
    response = admin.get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["说明", "分组", "单位", "人员"]
    for spec in (GROUPS_SPEC, UNITS_SPEC, PEOPLE_SPEC):
        ws = workbook[spec.name]
        headers = [c.value for c in ws[1]]
        assert headers == list(spec.headers)
        assert all(c.comment is not None and c.comment.text for c in ws[1])
        assert str(ws["A2"].value).startswith(EXAMPLE_MARKS)
        if spec is not PEOPLE_SPEC:  # the sheet 人员 has neither choices nor numbers
            assert ws.data_validations.dataValidation  # dropdowns and number checks
    # The account keeper's template grants no role: the sheet 人员 has no role column.
    assert "角色" not in [c.value for c in workbook["人员"][1]]
    assert "导入说明" in str(workbook["说明"]["A1"].value)


def test_the_untouched_template_imports_nothing(admin: Client, world: World) -> None:
    template = admin.get(TEMPLATE_URL).content
    before = snapshot(world)
    response = post(admin, template)
    assert response.context["summary"] is None
    assert len(response.context["form"].errors["file"]) == 1  # no data rows: examples are skipped
    assert snapshot(world) == before


def test_the_template_examples_import_once_unmarked(admin: Client, world: World) -> None:
    workbook = load_workbook(io.BytesIO(admin.get(TEMPLATE_URL).content))
    for name in ("分组", "单位", "人员"):
        cell = workbook[name]["A2"]
        for mark in EXAMPLE_MARKS:
            cell.value = str(cell.value).removeprefix(mark)
        if name == "分组":
            cell.value = int(cell.value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = post(admin, buffer.getvalue())
    assert response.context["problems"] == []
    summary = response.context["summary"]
    assert (summary.units.created, summary.people.created, summary.memberships_added) == (1, 1, 1)
    unit = Unit.objects.get(committee=world.committee, name="市发展和改革委员会")
    assert unit.organ_party_org.secretary is None
    assert not RoleAssignment.objects.filter(user__username="zhangsan").exists()


# --- Who may import -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sysadmin", "office", "secadmin"])
def test_import_page_opens_for_each_importer(client: Client, world: World, name: str) -> None:
    client.force_login(world.user(name))
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("org:import_template") in page
    assert 'accept=".xlsx' in page and 'enctype="multipart/form-data"' in page
    # Accounts are the sysadmin's, role grants the secadmin's: the meeting office imports
    # groups and units only.
    rights = response.context["rights"]
    assert (rights.registry, rights.people, rights.roles) == {
        "sysadmin": (True, True, False),
        "office": (True, False, False),
        "secadmin": (False, False, True),
    }[name]
    sheets = load_workbook(io.BytesIO(client.get(TEMPLATE_URL).content)).sheetnames
    assert (
        sheets
        == {
            "sysadmin": ["说明", "分组", "单位", "人员"],
            "office": ["说明", "分组", "单位"],
            "secadmin": ["说明", "角色"],
        }[name]
    )


@pytest.mark.parametrize(
    "name",
    [name for name in WORLD_USERS if name not in ("sysadmin", "office", "secadmin")],
)
def test_everyone_else_gets_404(client: Client, world: World, name: str) -> None:
    client.force_login(world.user(name))
    before = snapshot(world)
    assert client.get(URL).status_code == 404
    assert post(client, xlsx(good_sheets())).status_code == 404
    assert client.get(TEMPLATE_URL).status_code == 404
    assert snapshot(world) == before


def test_anonymous_is_sent_to_sign_in(client: Client, world: World) -> None:
    login = reverse("accounts:login")
    for response in (client.get(URL), client.get(TEMPLATE_URL), post(client, xlsx(good_sheets()))):
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_post_needs_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("sysadmin"))
    before = snapshot(world)
    assert post(client, xlsx(good_sheets())).status_code == 403
    assert snapshot(world) == before


def test_other_methods_are_refused(admin: Client) -> None:
    assert admin.put(URL).status_code == 405
    assert admin.post(TEMPLATE_URL).status_code == 405
