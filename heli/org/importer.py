"""Excel import of the registry — groups, units and people — all or nothing.

``parse_workbook`` reads an uploaded workbook, checks every cell against the
format and against the committee's registry, and returns an ``ImportPlan``
holding the rows to apply and every problem found (sheet, row as Excel shows
it, column, reason). ``apply_import`` writes a plan without problems in one
transaction. ``build_template`` makes the downloadable template. Nothing here
knows about HTTP.

The workbook format is Chinese (sheet and column names are domain data, and
so is the template's 说明 sheet); the reasons a user reads on the page go
through gettext like the rest of the interface.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from heli.accounts.models import ADMIN_ROLES, Role, RoleAssignment, User
from heli.lib.dates import current_year
from heli.org.models import Committee, Group, GroupMembership, GroupYear, OrganPartyOrg, Unit

logger = logging.getLogger(__name__)

# Limits. The byte limit is a setting; the rest guard against pathological files:
# a few thousand rows is far beyond a real registry (~122 units), and a small
# .xlsx that inflates to tens of megabytes is a zip bomb, not a registry.
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_DESCRIPTION = 1000
MAX_COUNT = 1_000_000  # party members of one unit; far above any real number
MAX_SORT = 2_000_000_000  # fits the database's positive integer

# Rows whose first filled cell starts with this are the template's examples: skipped.
EXAMPLE_MARKS = ("（示例）", "(示例)")
EXAMPLE_MARK = EXAMPLE_MARKS[0]

SHEET_GROUPS, SHEET_UNITS, SHEET_PEOPLE, SHEET_HELP = "分组", "单位", "人员", "说明"
G_NUMBER, G_NAME, G_DESCRIPTION = "组号", "组名", "说明"
U_NAME, U_SHORT_NAME, U_CODE = "单位名称", "简称", "单位代码"
U_LEADING_BODY, U_ORG_KIND, U_ORG_NAME = "领导机构", "机关党组织类型", "机关党组织名称"
U_MEMBERS, U_GROUP, U_SORT = "党员人数", "所属组", "排序号"
P_NAME, P_USERNAME, P_UNIT, P_ROLE, P_TITLE, P_PHONE = (
    "姓名",
    "用户名",
    "所属单位",
    "角色",
    "职务",
    "手机号",
)

LEADING_BODIES: Mapping[str, str] = {
    "党组": Unit.LeadingBody.PARTY_GROUP,
    "党委": Unit.LeadingBody.PARTY_COMMITTEE,
}
ORG_KINDS: Mapping[str, str] = {
    "机关党委": OrganPartyOrg.Kind.COMMITTEE,
    "机关总支": OrganPartyOrg.Kind.GENERAL_BRANCH,
    "机关支部": OrganPartyOrg.Kind.BRANCH,
}
ORG_KIND_WORDS = {kind: word for word, kind in ORG_KINDS.items()}
ROLES: Mapping[str, str] = {
    "机关党委书记": Role.UNIT_SECRETARY,
    "机关党委工作人员": Role.UNIT_STAFF,
    "单位党组(党委)成员": Role.UNIT_LEADERSHIP,
}

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")

# Every reason a user may read, by problem code. Whole sentences: say what is wrong and
# how to fix it. Sheet and column names are filled in as they appear in the workbook.
REASONS: Mapping[str, Promise] = {
    "file_too_large": gettext_lazy(
        "The file is larger than %(limit)s. Split it into smaller files, or delete empty rows, "
        "pictures and formatting."
    ),
    "inflates_too_much": gettext_lazy(
        "The workbook unpacks to more than %(limit)s. Copy only the data into a new workbook "
        "made from the template and upload that."
    ),
    "not_excel": gettext_lazy(
        "This is not a valid Excel file (.xlsx). Save it from Excel or WPS as “Excel workbook "
        "(*.xlsx)” (not .xls or .csv) and upload it again."
    ),
    "no_sheets": gettext_lazy(
        "The workbook has none of the sheets 分组, 单位 or 人员. Download the template, copy "
        "your data into it and upload it again."
    ),
    "no_data": gettext_lazy(
        "The workbook has no data rows. Fill in the sheets 分组, 单位 or 人员 from row 3 on "
        "(row 2 is the example and is skipped)."
    ),
    "people_not_allowed": gettext_lazy(
        "Only the system administrator may import people and their accounts. Delete the rows "
        "of the sheet 人员 (keep row 1), or ask the system administrator to import them."
    ),
    "empty_sheet": gettext_lazy(
        "The sheet is empty: row 1 must hold the column names. Copy them from the template, "
        "or delete this sheet if you have nothing to import in it."
    ),
    "too_many_rows": gettext_lazy(
        "The sheet has more than %(max)s data rows. Split it into files of at most %(max)s "
        "rows each."
    ),
    "merged_cells": gettext_lazy(
        "Cells %(range)s are merged. Unmerge them and fill in every cell; merged cells cannot "
        "be imported."
    ),
    "formula": gettext_lazy(
        "Cell %(cell)s holds a formula. Formulas are not imported: replace it with its value "
        "(copy, then paste as values)."
    ),
    "duplicate_column": gettext_lazy(
        "The column “%(column)s” appears twice (again in column %(letter)s). Keep one and "
        "delete the other."
    ),
    "unknown_column": gettext_lazy(
        "Column %(letter)s is named “%(column)s”, which this sheet does not have. Its columns "
        "are: %(expected)s. Correct the name as in the template, or delete the column."
    ),
    "missing_column": gettext_lazy(
        "The required column “%(column)s” is missing. Add it to row 1 as in the template."
    ),
    "unnamed_column": gettext_lazy(
        "Cell %(cell)s holds data but its column has no name in row 1. Name the column as in "
        "the template, or delete the data."
    ),
    "required": gettext_lazy("“%(column)s” is required. Fill it in."),
    "too_long": gettext_lazy(
        "“%(column)s” has %(length)s characters; at most %(max)s are allowed. Shorten it."
    ),
    "not_integer": gettext_lazy(
        "“%(column)s” must be a whole number, not “%(value)s”. Write it in digits only."
    ),
    "out_of_range": gettext_lazy(
        "“%(column)s” must be between %(low)s and %(high)s; it is %(value)s."
    ),
    "invalid_choice": gettext_lazy(
        "“%(value)s” is not a valid %(column)s. Write one of: %(choices)s."
    ),
    "invalid_role": gettext_lazy(
        "“%(value)s” is not a role that can be imported. Write one of: %(choices)s."
    ),
    "invalid_username": gettext_lazy(
        "The username “%(value)s” may only contain letters, digits and @ . + - _ (no spaces). "
        "Correct it."
    ),
    "invalid_phone": gettext_lazy(
        "“%(value)s” is not a phone number. Write an 11-digit mobile number (13812345678) or a "
        "landline with its area code (010-12345678); format the column as text so that Excel "
        "keeps the leading 0."
    ),
    "duplicate_group": gettext_lazy(
        "Group number %(number)s is already in row %(row)s. Write each group in one row only."
    ),
    "duplicate_group_name": gettext_lazy(
        "The group name “%(name)s” is also the name of group %(other)s. Group names must "
        "differ: choose another name."
    ),
    "duplicate_unit": gettext_lazy(
        "The unit “%(name)s” is already in row %(row)s. Write each unit in one row only."
    ),
    "unknown_group": gettext_lazy(
        "There is no group “%(value)s”. Write the number or name of a group in the sheet 分组 "
        "or already in the registry (%(groups)s), or add the group to the sheet 分组."
    ),
    "inactive_unit": gettext_lazy(
        "The unit “%(name)s” has been merged or abolished; it cannot be put in a group or given "
        "people. Use its successor instead."
    ),
    "lead_unit_move": gettext_lazy(
        "“%(name)s” is a lead unit of group %(was)s in %(year)s and cannot be moved to another "
        "group by an import. Change the lead units first, or leave 所属组 empty."
    ),
    "unknown_unit": gettext_lazy(
        "The unit “%(name)s” is neither in the sheet 单位 nor in the registry. Write the unit's "
        "full name, or add the unit to the sheet 单位."
    ),
    "duplicate_username": gettext_lazy(
        "The username “%(value)s” is already in row %(row)s. Each person takes one row, and "
        "different people need different usernames."
    ),
    "username_taken": gettext_lazy(
        "The username “%(value)s” is already taken. Choose another one."
    ),
    "admin_account": gettext_lazy(
        "“%(value)s” is a system, security or audit administrator account, which cannot hold a "
        "unit role. Give this person a separate username."
    ),
    "secretary_conflict": gettext_lazy(
        "Row %(row)s already names the organ party secretary of “%(unit)s”; a unit has one "
        "secretary. Keep one of the two rows, or give one person another role."
    ),
}


def _max_length(model: Any, name: str) -> int:
    length: int = model._meta.get_field(name).max_length
    return length


# --- The format: one spec per sheet, used to read files and to write the template ---


@dataclass(frozen=True)
class Column:
    header: str
    required: bool
    note: str  # shown as the header cell's note and on the 说明 sheet
    example: str | int
    choices: tuple[str, ...] = ()
    whole: tuple[int, int] | None = None  # integer range, for the template's validation
    text: bool = False  # keep as text in the template (codes, phone numbers)
    width: int = 16


@dataclass(frozen=True)
class SheetSpec:
    name: str
    columns: tuple[Column, ...]
    note: str

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


# fmt: off
GROUPS_SPEC = SheetSpec(SHEET_GROUPS, (
    Column(G_NUMBER, True, "必填。1～99 的整数；按组号匹配已有分组：已有则更新，没有则新建。", 1, whole=(1, 99), width=10),
    Column(G_NAME, True, "必填。不超过 50 字，同一工委内不能重名。", "第一组", width=18),
    Column(G_DESCRIPTION, False, "选填。该组单位的性质等说明，不超过 1000 字。", "经济管理部门", width=40),
), "每行一个分组。")
UNITS_SPEC = SheetSpec(SHEET_UNITS, (
    Column(U_NAME, True, "必填。单位全称，不超过 100 字，在本表中不能重复；与已有单位同名则更新，否则新建。", "市发展和改革委员会", width=30),
    Column(U_SHORT_NAME, False, "选填。不超过 50 字。", "市发展改革委"),
    Column(U_CODE, False, "选填。如统一社会信用代码，不超过 30 个字符；请按文本填写。", "11110000000000000X", text=True, width=22),
    Column(U_LEADING_BODY, False, "选填。填“党组”或“党委”；新建单位留空时为“党组”。", "党组", choices=tuple(LEADING_BODIES), width=10),
    Column(U_ORG_KIND, False, "选填。填“机关党委”“机关总支”或“机关支部”；新建单位留空时为“机关党委”。", "机关党委", choices=tuple(ORG_KINDS), width=14),
    Column(U_ORG_NAME, False, "选填。不超过 150 字；新建单位留空时为“单位名称+机关党组织类型”。", "中共市发展和改革委员会机关委员会", width=34),
    Column(U_MEMBERS, False, "选填。机关党员人数，0 或正整数。", 156, whole=(0, MAX_COUNT), width=10),
    Column(U_GROUP, False, "选填。组号（如 1）或组名（如 第一组），须是“分组”表中或系统中已有的组；单位编入当前工作年度的该组。留空则不改变分组。", 1, width=10),
    Column(U_SORT, False, "选填。排序号，0 或正整数，越小越靠前；新建单位留空时排在最后。", 1, whole=(0, MAX_SORT), width=10),
), "每行一个单位。")
PEOPLE_SPEC = SheetSpec(SHEET_PEOPLE, (
    Column(P_NAME, True, "必填。不超过 50 字。", "张三", width=12),
    Column(P_USERNAME, True, "必填。登录用的用户名：字母、数字及 @ . + - _，不超过 150 个字符，在本表中不能重复；已有则更新该账号，没有则新建账号（新账号须由系统管理员设置初始密码后才能登录）。", "zhangsan", text=True),
    Column(P_UNIT, True, "必填。单位全称，须是“单位”表中或系统中已有的单位。", "市发展和改革委员会", width=30),
    Column(P_ROLE, True, "必填。填“机关党委书记”“机关党委工作人员”或“单位党组(党委)成员”；机关党委书记同时登记为该单位机关党组织的书记，每个单位只能有一名。", "机关党委书记", choices=tuple(ROLES), width=20),
    Column(P_TITLE, False, "选填。职务，不超过 100 字。", "机关党委专职副书记", width=20),
    Column(P_PHONE, False, "选填。11 位手机号（如 13812345678）或带区号的座机（如 010-12345678）；请按文本填写。", "13812345678", text=True),
), "每行一个人员账号。")
# fmt: on
SPECS = (GROUPS_SPEC, UNITS_SPEC, PEOPLE_SPEC)
SHEET_ORDER = {spec.name: i for i, spec in enumerate(SPECS)}


# --- Results ----------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; ``sheet`` is empty for the file as a whole."""

    code: str
    reason: str
    sheet: str = ""
    row: int | None = None
    column: str = ""

    def sort_key(self) -> tuple[int, int]:
        return (SHEET_ORDER.get(self.sheet, -1), self.row or 0)


def problem(
    code: str, sheet: str = "", row: int | None = None, column: str = "", /, **params: Any
) -> Problem:
    """A problem with its reason in the active language."""
    return Problem(code, str(REASONS[code]) % params, sheet, row, column)


def too_large_problem(limit: int) -> Problem:
    return problem("file_too_large", limit=filesizeformat(limit))


@dataclass(frozen=True)
class GroupRow:
    row: int
    number: int
    name: str
    description: str | None


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str
    short_name: str | None
    code: str | None
    leading_body: str | None
    org_kind: str | None
    org_name: str | None
    member_count: int | None
    group_ref: str | None  # the 所属组 cell as written: a group number or name
    sort_order: int | None
    group_number: int | None = None  # resolved against the file and the registry


@dataclass(frozen=True)
class PersonRow:
    row: int
    full_name: str
    username: str
    unit_name: str
    role: str
    title: str | None
    phone: str | None


@dataclass
class ImportPlan:
    """What a workbook asks for, or why it cannot be imported.

    Empty cells of optional columns are ``None``: keep the existing value (or the
    default, for a new record).
    """

    committee: Committee
    groups: list[GroupRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if not p.sheet]

    @property
    def sheet_problems(self) -> list[Problem]:
        return sorted((p for p in self.problems if p.sheet), key=Problem.sort_key)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


@dataclass
class ImportSummary:
    """What an import changed."""

    year: int
    groups: Tally = field(default_factory=Tally)
    units: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    group_years_created: int = 0
    memberships_added: int = 0
    memberships_moved: int = 0
    memberships_unchanged: int = 0
    roles_granted: int = 0
    secretaries_set: int = 0
    new_accounts: list[User] = field(default_factory=list)  # they have no password yet

    @property
    def memberships_set(self) -> int:
        return self.memberships_added + self.memberships_moved


class ImportApplyError(Exception):
    """The registry changed between checking and applying; nothing was written."""


# --- Reading ----------------------------------------------------------------------

_FORMULA = object()  # a formula cell, already reported; readers treat it as empty


def parse_workbook(
    file: IO[bytes],
    committee: Committee,
    *,
    may_import_people: bool,
    max_bytes: int | None = None,
) -> ImportPlan:
    """Read and check an uploaded workbook; every problem found goes into the plan.

    ``may_import_people`` says whether the uploader may create and update accounts
    (the 人员 sheet); the caller asks the access policy.
    """
    plan = ImportPlan(committee)
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    data = file.read(limit + 1)
    if len(data) > limit:
        plan.problems.append(too_large_problem(limit))
        return plan
    workbook = _open_workbook(data, plan.problems)
    if workbook is None:
        return plan
    try:
        sheets = _read_sheets(workbook, plan.problems)
    finally:
        workbook.close()
    if sheets is None:
        return plan
    _parse_groups(sheets.get(SHEET_GROUPS), plan)
    _parse_units(sheets.get(SHEET_UNITS), plan)
    people = sheets.get(SHEET_PEOPLE)
    if people is not None and people.rows and not may_import_people:
        plan.problems.append(problem("people_not_allowed", SHEET_PEOPLE, people.rows[0][0]))
    else:
        _parse_people(people, plan)
    if not (plan.groups or plan.units or plan.people):
        if not plan.problems:
            plan.problems.append(problem("no_data"))
        return plan
    final_groups = _check_groups(plan)
    units = {
        u.name: u for u in Unit.objects.filter(committee=committee).only("id", "name", "status")
    }
    _check_units(plan, final_groups, units)
    _check_people(plan, units)
    return plan


def _open_workbook(data: bytes, problems: list[Problem]) -> Workbook | None:
    buffer = io.BytesIO(data)
    try:
        with zipfile.ZipFile(buffer) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.append(problem("not_excel"))
        return None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        problems.append(problem("inflates_too_much", limit=filesizeformat(MAX_UNCOMPRESSED_BYTES)))
        return None
    buffer.seek(0)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about the features it drops (extensions, some formats).
            warnings.simplefilter("ignore")
            # Not read-only: merged-cell ranges exist only on full worksheets.
            return load_workbook(buffer, read_only=False, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file
        logger.info("Import: could not open the workbook", exc_info=True)
        problems.append(problem("not_excel"))
        return None


@dataclass
class _Sheet:
    spec: SheetSpec
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, header → cell value)


def _normal_header(value: Any) -> str:
    """A header without spaces or the asterisk some people add to required ones."""
    return re.sub(r"\s+", "", _text(value)).rstrip("*＊")


def _read_sheets(workbook: Workbook, problems: list[Problem]) -> dict[str, _Sheet] | None:
    by_name = {ws.title.strip(): ws for ws in workbook.worksheets}
    found = [spec for spec in SPECS if spec.name in by_name]
    if not found:
        problems.append(problem("no_sheets"))
        return None
    sheets = {}
    for spec in found:
        sheet = _read_sheet(by_name[spec.name], spec, problems)
        if sheet is not None:
            sheets[spec.name] = sheet
    return sheets


def _is_formula(cell: Any) -> bool:
    value = cell.value
    return (
        getattr(cell, "data_type", None) == "f"
        or isinstance(value, ArrayFormula | DataTableFormula)
        or (isinstance(value, str) and value.startswith("="))
    )


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_example(cells: Iterable[Any]) -> bool:
    for cell in cells:
        if not _is_blank(cell.value):
            return isinstance(cell.value, str) and cell.value.strip().startswith(EXAMPLE_MARKS)
    return False


def _formula(cell: Any, sheet: str, column: str) -> Problem:
    return problem("formula", sheet, cell.row, column, cell=cell.coordinate)


def _read_sheet(ws: Worksheet, spec: SheetSpec, problems: list[Problem]) -> _Sheet | None:
    """The sheet's data rows, or None when its columns are wrong (then only they are reported)."""
    name = spec.name
    for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        column = _normal_header(ws.cell(row=1, column=merged.min_col).value)
        problems.append(problem("merged_cells", name, merged.min_row, column, range=merged.coord))
    rows = ws.iter_rows()
    header_cells = next(rows, ())
    if all(_is_blank(c.value) for c in header_cells):
        problems.append(problem("empty_sheet", name, 1))
        return None
    headers: list[str] = []
    columns: dict[str, int] = {}
    header_ok = True
    for index, cell in enumerate(header_cells):
        header = "" if _is_formula(cell) else _normal_header(cell.value)
        headers.append(header)
        letter = get_column_letter(index + 1)
        if _is_formula(cell):
            problems.append(_formula(cell, name, ""))
        elif not header:
            continue
        elif header in columns:
            problems.append(
                problem("duplicate_column", name, 1, header, column=header, letter=letter)
            )
        elif header not in spec.headers:
            expected = "、".join(spec.headers)
            problems.append(
                problem(
                    "unknown_column",
                    name,
                    1,
                    header,
                    column=header,
                    letter=letter,
                    expected=expected,
                )
            )
        else:
            columns[header] = index
            continue
        header_ok = False
    for required in (c.header for c in spec.columns if c.required):
        if required not in columns:
            problems.append(problem("missing_column", name, 1, required, column=required))
            header_ok = False
    data: list[tuple[int, dict[str, Any]]] = []
    unnamed_reported: set[int] = set()
    for cells in rows:
        if all(_is_blank(c.value) for c in cells) or _is_example(cells):
            continue
        row_number = cells[0].row or 0
        if len(data) >= MAX_ROWS:
            problems.append(problem("too_many_rows", name, row_number, max=MAX_ROWS))
            return None
        values: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            header = headers[index] if index < len(headers) else ""
            if _is_formula(cell):
                problems.append(_formula(cell, name, header))
                values[header] = _FORMULA
            elif columns.get(header) == index:
                values[header] = cell.value
            elif not header and not _is_blank(cell.value) and index not in unnamed_reported:
                unnamed_reported.add(index)
                problems.append(problem("unnamed_column", name, row_number, cell=cell.coordinate))
        data.append((row_number, values))
    # Rows cannot be read reliably until the columns are right; report the columns only.
    return _Sheet(spec, data) if header_ok else None


# --- Cell values ------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None or value is _FORMULA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _choice_key(value: str) -> str:
    return re.sub(r"\s+", "", value).replace("（", "(").replace("）", ")")


class _Row:
    """Reads the cells of one data row, recording a problem for each bad one."""

    def __init__(self, sheet: str, row: int, values: dict[str, Any], problems: list[Problem]):
        self.sheet = sheet
        self.row = row
        self.values = values
        self.problems = problems

    def problem(self, code: str, column: str, /, **params: Any) -> None:
        self.problems.append(problem(code, self.sheet, self.row, column, **params))

    def _present(self, column: str, required: bool) -> Any:
        value = self.values.get(column)
        if value is _FORMULA:
            return None
        if _is_blank(value):
            if required:
                self.problem("required", column, column=column)
            return None
        return value

    def text(self, column: str, max_length: int, *, required: bool = False) -> str | None:
        value = self._present(column, required)
        if value is None:
            return None
        text = _text(value)
        if len(text) > max_length:
            self.problem("too_long", column, column=column, length=len(text), max=max_length)
            return None
        return text

    def integer(self, column: str, low: int, high: int, *, required: bool = False) -> int | None:
        value = self._present(column, required)
        if value is None:
            return None
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            number = int(value.strip())
        if number is None:
            self.problem("not_integer", column, column=column, value=_text(value))
        elif not low <= number <= high:
            self.problem("out_of_range", column, column=column, low=low, high=high, value=number)
            number = None
        return number

    def choice(
        self,
        column: str,
        choices: Mapping[str, str],
        *,
        required: bool = False,
        code: str = "invalid_choice",
    ) -> str | None:
        value = self._present(column, required)
        if value is None:
            return None
        keys = {_choice_key(label): key for label, key in choices.items()}
        key = keys.get(_choice_key(_text(value)))
        if key is None:
            self.problem(
                code, column, column=column, value=_text(value), choices="、".join(choices)
            )
        return key


# --- Sheets -----------------------------------------------------------------------


def _parse_groups(sheet: _Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    for row_number, values in sheet.rows:
        row = _Row(SHEET_GROUPS, row_number, values, plan.problems)
        number = row.integer(G_NUMBER, 1, 99, required=True)
        name = row.text(G_NAME, _max_length(Group, "name"), required=True)
        description = row.text(G_DESCRIPTION, MAX_DESCRIPTION)
        if number is not None:
            # Kept even without a name, so units naming the group are not reported twice.
            plan.groups.append(GroupRow(row_number, number, name or "", description))


def _parse_units(sheet: _Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    for row_number, values in sheet.rows:
        row = _Row(SHEET_UNITS, row_number, values, plan.problems)
        plan.units.append(
            UnitRow(
                row=row_number,
                name=row.text(U_NAME, _max_length(Unit, "name"), required=True) or "",
                short_name=row.text(U_SHORT_NAME, _max_length(Unit, "short_name")),
                code=row.text(U_CODE, _max_length(Unit, "code")),
                leading_body=row.choice(U_LEADING_BODY, LEADING_BODIES),
                org_kind=row.choice(U_ORG_KIND, ORG_KINDS),
                org_name=row.text(U_ORG_NAME, _max_length(OrganPartyOrg, "name")),
                member_count=row.integer(U_MEMBERS, 0, MAX_COUNT),
                group_ref=row.text(U_GROUP, _max_length(Group, "name")),
                sort_order=row.integer(U_SORT, 0, MAX_SORT),
            )
        )


def _parse_people(sheet: _Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    validate_username = UnicodeUsernameValidator()
    for row_number, values in sheet.rows:
        row = _Row(SHEET_PEOPLE, row_number, values, plan.problems)
        full_name = row.text(P_NAME, _max_length(User, "full_name"), required=True)
        username = row.text(P_USERNAME, _max_length(User, "username"), required=True)
        if username is not None:
            try:
                validate_username(username)
            except ValidationError:
                row.problem("invalid_username", P_USERNAME, value=username)
                username = None
        unit_name = row.text(P_UNIT, _max_length(Unit, "name"), required=True)
        role = row.choice(P_ROLE, ROLES, required=True, code="invalid_role")
        title = row.text(P_TITLE, _max_length(User, "title"))
        phone = row.text(P_PHONE, _max_length(User, "phone"))
        if phone is not None:
            compact = re.sub(r"\s+", "", phone)
            if MOBILE_RE.fullmatch(compact) or LANDLINE_RE.fullmatch(compact):
                phone = compact
            else:
                row.problem("invalid_phone", P_PHONE, value=phone)
                phone = None
        plan.people.append(
            PersonRow(
                row=row_number,
                full_name=full_name or "",
                username=username or "",
                unit_name=unit_name or "",
                role=role or "",
                title=title,
                phone=phone,
            )
        )


# --- Checks against the registry ----------------------------------------------------


def _check_groups(plan: ImportPlan) -> dict[int, str]:
    """Check group numbers and names; returns the groups as the import leaves them."""
    final = dict(Group.objects.filter(committee=plan.committee).values_list("number", "name"))
    first_rows: dict[int, int] = {}
    kept: list[GroupRow] = []
    for group in plan.groups:
        if group.number in first_rows:
            plan.problems.append(
                problem(
                    "duplicate_group", SHEET_GROUPS, group.row, G_NUMBER,
                    number=group.number, row=first_rows[group.number],
                )
            )  # fmt: skip
            continue
        first_rows[group.number] = group.row
        kept.append(group)
        if group.name:
            final[group.number] = group.name
    for group in kept:
        others = sorted(n for n, name in final.items() if name == group.name and n != group.number)
        if group.name and others:
            plan.problems.append(
                problem(
                    "duplicate_group_name", SHEET_GROUPS, group.row, G_NAME,
                    name=group.name, other="、".join(map(str, others)),
                )
            )  # fmt: skip
    return final


def _resolve_group(ref: str, final: Mapping[int, str]) -> int | None:
    if re.fullmatch(r"\d+", ref):
        return int(ref) if int(ref) in final else None
    return next((number for number, name in final.items() if name == ref), None)


def _check_units(
    plan: ImportPlan, final_groups: Mapping[int, str], existing: Mapping[str, Unit]
) -> None:
    year = current_year()
    current = {
        unit_id: (number, is_lead)
        for unit_id, number, is_lead in GroupMembership.objects.filter(
            committee=plan.committee, year=year
        ).values_list("unit_id", "group_year__group__number", "is_lead")
    }
    groups_text = "、".join(f"{n} {name}" for n, name in sorted(final_groups.items())) or "—"
    first_rows: dict[str, int] = {}
    resolved: list[UnitRow] = []
    for row in plan.units:
        if row.name in first_rows:
            plan.problems.append(
                problem(
                    "duplicate_unit",
                    SHEET_UNITS,
                    row.row,
                    U_NAME,
                    name=row.name,
                    row=first_rows[row.name],
                )
            )
        elif row.name:
            first_rows[row.name] = row.row
        number = _resolve_group(row.group_ref, final_groups) if row.group_ref else None
        unit = existing.get(row.name)
        if row.group_ref and number is None:
            plan.problems.append(
                problem(
                    "unknown_group",
                    SHEET_UNITS,
                    row.row,
                    U_GROUP,
                    value=row.group_ref,
                    groups=groups_text,
                )
            )
        elif number is not None and unit is not None and not unit.is_active:
            plan.problems.append(
                problem("inactive_unit", SHEET_UNITS, row.row, U_GROUP, name=unit.name)
            )
        elif number is not None and unit is not None and unit.pk in current:
            was, is_lead = current[unit.pk]
            if is_lead and was != number:
                plan.problems.append(
                    problem(
                        "lead_unit_move",
                        SHEET_UNITS,
                        row.row,
                        U_GROUP,
                        name=unit.name,
                        was=was,
                        year=year,
                    )
                )
        resolved.append(replace(row, group_number=number))
    plan.units = resolved


def _check_people(plan: ImportPlan, existing: Mapping[str, Unit]) -> None:
    in_file = {u.name for u in plan.units if u.name}
    usernames = [p.username for p in plan.people if p.username]
    committees = dict(
        User.objects.filter(username__in=usernames).values_list("username", "committee_id")
    )
    admins = set(
        RoleAssignment.objects.filter(
            user__username__in=usernames, role__in=sorted(ADMIN_ROLES)
        ).values_list("user__username", flat=True)
    )
    first_rows: dict[str, int] = {}
    secretaries: dict[str, tuple[int, str]] = {}  # unit name → (row, username)
    for person in plan.people:
        unit = existing.get(person.unit_name)
        if person.unit_name and unit is None and person.unit_name not in in_file:
            plan.problems.append(
                problem("unknown_unit", SHEET_PEOPLE, person.row, P_UNIT, name=person.unit_name)
            )
        elif unit is not None and not unit.is_active:
            plan.problems.append(
                problem("inactive_unit", SHEET_PEOPLE, person.row, P_UNIT, name=unit.name)
            )
        if person.username:
            if person.username in first_rows:
                plan.problems.append(
                    problem(
                        "duplicate_username", SHEET_PEOPLE, person.row, P_USERNAME,
                        value=person.username, row=first_rows[person.username],
                    )
                )  # fmt: skip
            first_rows.setdefault(person.username, person.row)
            if person.username in committees and committees[person.username] != plan.committee.pk:
                plan.problems.append(
                    problem(
                        "username_taken",
                        SHEET_PEOPLE,
                        person.row,
                        P_USERNAME,
                        value=person.username,
                    )
                )
            elif person.username in admins:
                plan.problems.append(
                    problem(
                        "admin_account", SHEET_PEOPLE, person.row, P_USERNAME, value=person.username
                    )
                )
        if person.role == Role.UNIT_SECRETARY and person.unit_name:
            earlier = secretaries.setdefault(person.unit_name, (person.row, person.username))
            if earlier[1] != person.username:
                plan.problems.append(
                    problem(
                        "secretary_conflict", SHEET_PEOPLE, person.row, P_ROLE,
                        row=earlier[0], unit=person.unit_name,
                    )
                )  # fmt: skip


# --- Applying ---------------------------------------------------------------------


@transaction.atomic
def apply_import(plan: ImportPlan, by: User) -> ImportSummary:
    """Write a checked plan in one transaction; any failure leaves the registry as it was."""
    if plan.problems:
        raise ValueError("An import plan with problems cannot be applied.")
    summary = ImportSummary(year=current_year())
    groups = _apply_groups(plan, summary)
    units = _apply_units(plan, summary)
    _apply_memberships(plan, summary, groups, units)
    _apply_people(plan, summary, units)
    logger.info(
        "Registry import into %s by %s: groups %s, units %s, people %s, memberships set %s",
        plan.committee.code,
        by.username,
        summary.groups,
        summary.units,
        summary.people,
        summary.memberships_set,
    )
    return summary


def _save_changes(obj: Any, changes: Mapping[str, Any]) -> bool:
    """Set the fields that differ (``None``: keep) and save only those; True if any changed."""
    fields = [
        name for name, value in changes.items() if value is not None and getattr(obj, name) != value
    ]
    for name in fields:
        setattr(obj, name, changes[name])
    if fields:
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            fields.append("updated_at")
        obj.save(update_fields=fields)
    return bool(fields)


def _apply_groups(plan: ImportPlan, summary: ImportSummary) -> dict[int, Group]:
    committee = plan.committee
    groups = {g.number: g for g in Group.objects.select_for_update().filter(committee=committee)}
    # Free the names of renamed groups first, so that two groups can swap names.
    for row in plan.groups:
        group = groups.get(row.number)
        if group is not None and group.name != row.name:
            group.name = f"~import~{group.pk}"
            group.save(update_fields=["name"])
    for row in plan.groups:
        group = groups.get(row.number)
        if group is None:
            groups[row.number] = Group.objects.create(
                committee=committee,
                number=row.number,
                name=row.name,
                description=row.description or "",
            )
            summary.groups.count(created=True, changed=True)
        else:
            changed = _save_changes(group, {"name": row.name, "description": row.description})
            summary.groups.count(created=False, changed=changed)
    return groups


def _apply_units(plan: ImportPlan, summary: ImportSummary) -> dict[str, Unit]:
    committee = plan.committee
    names = [row.name for row in plan.units]
    units = {
        u.name: u
        for u in Unit.objects.select_for_update().filter(committee=committee, name__in=names)
    }
    orgs = {o.unit_id: o for o in OrganPartyOrg.objects.filter(unit__in=list(units.values()))}
    next_sort = (
        Unit.objects.filter(committee=committee).aggregate(m=Max("sort_order"))["m"] or 0
    ) + 1
    for row in plan.units:
        unit = units.get(row.name)
        created = unit is None
        if unit is None:
            sort_order = row.sort_order
            if sort_order is None:  # new units without a number go last, in file order
                sort_order, next_sort = next_sort, next_sort + 1
            unit = units[row.name] = Unit.objects.create(
                committee=committee,
                name=row.name,
                short_name=row.short_name or "",
                code=row.code or "",
                leading_body=row.leading_body or Unit.LeadingBody.PARTY_GROUP,
                sort_order=sort_order,
            )
            changed = True
        else:
            changed = _save_changes(
                unit,
                {
                    "short_name": row.short_name,
                    "code": row.code,
                    "leading_body": row.leading_body,
                    "sort_order": row.sort_order,
                },
            )
        org = orgs.get(unit.pk)
        if org is None:
            kind = row.org_kind or OrganPartyOrg.Kind.COMMITTEE
            orgs[unit.pk] = OrganPartyOrg.objects.create(
                committee=committee,
                unit=unit,
                kind=kind,
                name=row.org_name or f"{unit.name}{ORG_KIND_WORDS[kind]}",
                member_count=row.member_count,
            )
            changed = True
        else:
            org_changes = {
                "kind": row.org_kind,
                "name": row.org_name,
                "member_count": row.member_count,
            }
            changed = _save_changes(org, org_changes) or changed
        summary.units.count(created=created, changed=changed)
    return units


def _apply_memberships(
    plan: ImportPlan, summary: ImportSummary, groups: Mapping[int, Group], units: Mapping[str, Unit]
) -> None:
    """Put units in this year's groups; a unit is in one group a year, so a move updates its row."""
    committee, year = plan.committee, summary.year
    rows = [(row, row.group_number) for row in plan.units if row.group_number is not None]
    if not rows:
        return
    group_years = {
        gy.group_id: gy for gy in GroupYear.objects.filter(committee=committee, year=year)
    }
    memberships = {
        m.unit_id: m
        for m in GroupMembership.objects.select_for_update().filter(
            committee=committee, year=year, unit__in=[units[row.name] for row, _n in rows]
        )
    }
    for row, number in rows:
        group, unit = groups[number], units[row.name]
        group_year = group_years.get(group.pk)
        if group_year is None:
            group_year = group_years[group.pk] = GroupYear.objects.create(
                committee=committee, group=group, year=year
            )
            summary.group_years_created += 1
        membership = memberships.get(unit.pk)
        if membership is None:
            memberships[unit.pk] = GroupMembership.objects.create(
                committee=committee, group_year=group_year, unit=unit, year=year, is_lead=False
            )
            summary.memberships_added += 1
        elif membership.group_year_id != group_year.pk:
            if membership.is_lead:
                raise ImportApplyError(
                    _("%(unit)s became a lead unit while the file was being checked.")
                    % {"unit": unit.name}
                )
            membership.group_year = group_year
            membership.save(update_fields=["group_year"])
            summary.memberships_moved += 1
        else:
            summary.memberships_unchanged += 1


def _apply_people(plan: ImportPlan, summary: ImportSummary, units: Mapping[str, Unit]) -> None:
    committee = plan.committee
    if not plan.people:
        return
    all_units = dict(units)
    missing = sorted({p.unit_name for p in plan.people} - set(all_units))
    all_units.update(
        (u.name, u) for u in Unit.objects.filter(committee=committee, name__in=missing)
    )
    usernames = [p.username for p in plan.people]
    users = {u.username: u for u in User.objects.select_for_update().filter(username__in=usernames)}
    for person in plan.people:
        unit = all_units.get(person.unit_name)
        if unit is None:
            raise ImportApplyError(
                _("The unit %(unit)s was renamed while the file was being checked.")
                % {"unit": person.unit_name}
            )
        user = users.get(person.username)
        created = user is None
        if user is None:
            user = users[person.username] = User(
                username=person.username,
                committee=committee,
                full_name=person.full_name,
                title=person.title or "",
                phone=person.phone or "",
            )
            # No password until an administrator issues one: nobody can sign in as them yet.
            user.set_unusable_password()
            user.save()
            summary.new_accounts.append(user)
            changed = True
        elif user.committee_id != committee.pk:
            raise ImportApplyError(
                _("The username %(value)s was taken while the file was being checked.")
                % {"value": person.username}
            )
        else:
            person_changes = {
                "full_name": person.full_name,
                "title": person.title,
                "phone": person.phone,
            }
            changed = _save_changes(user, person_changes)
        _assignment, granted = RoleAssignment.objects.get_or_create(
            user=user, committee=committee, role=person.role, unit=unit, department=None
        )
        if granted:
            summary.roles_granted += 1
            changed = True
        if person.role == Role.UNIT_SECRETARY:
            org, _created = OrganPartyOrg.objects.get_or_create(
                unit=unit, defaults={"committee": committee, "name": f"{unit.name}机关党委"}
            )
            if org.secretary_id != user.pk:
                org.secretary = user
                org.save(update_fields=["secretary", "updated_at"])
                summary.secretaries_set += 1
                changed = True
        summary.people.count(created=created, changed=changed)


# --- The template -----------------------------------------------------------------

_REQUIRED_FILL = PatternFill("solid", fgColor="B22222")
_OPTIONAL_FILL = PatternFill("solid", fgColor="D9D9D9")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def template_instructions(year: int | None = None) -> list[str]:
    """The paragraphs of the 说明 sheet (the workbook format is Chinese)."""
    year = year or current_year()
    return [
        "本模板用于向“合力”平台批量导入分组、单位和人员，共三张数据表：分组、单位、人员。"
        "可以只填写其中一张或几张；不需要的表保留列名行即可，也可以删除，但整个文件至少要有一行数据。",
        "每张数据表的第 1 行是列名，请不要修改；深红底色的列为必填。把鼠标停在列名上可看到该列的填写说明。"
        f"第 2 行是示例（第一格以“{EXAMPLE_MARK}”开头），导入时自动跳过；请从第 3 行起填写。",
        "导入“要么全部成功，要么什么都不做”：只要有一处错误，系统不保存任何数据，并列出每个错误所在的"
        "工作表、行号、列名和原因；改正后重新上传即可。",
        "匹配规则：分组按“组号”匹配，单位按“单位名称”匹配，人员按“用户名”匹配——已有的更新，没有的新建。"
        "非必填的单元格留空表示“不修改”（新建时取默认值）。",
        "导入不会删除任何分组、单位或人员，也不会撤销已有的角色；文件中没有的单位保持不变。",
        f"单位的“所属组”写入当前工作年度（{year} 年）的分组：单位本年度已在别的组的，改到新组；"
        "牵头单位不能通过导入调组，请先调整牵头单位。",
        "“角色”只能是单位角色：机关党委书记、机关党委工作人员、单位党组(党委)成员。"
        "机关党委书记同时登记为所属单位机关党组织的书记，每个单位只能有一名。",
        "新建的人员账号没有密码，须由系统管理员设置初始密码后才能登录。",
        "请不要使用公式（以“=”开头的单元格）和合并单元格；单位代码、用户名、手机号请按文本填写。"
        f"文件须为 .xlsx 格式，不超过 {_megabytes(settings.IMPORT_MAX_BYTES)}，"
        f"每张表不超过 {MAX_ROWS} 行数据。",
    ]


def build_template() -> bytes:
    """The downloadable import template: instructions, then one sheet per kind of row."""
    workbook = Workbook()
    help_sheet = workbook.worksheets[0]  # a new workbook has one empty sheet
    help_sheet.title = SHEET_HELP
    _write_instructions(help_sheet)
    for spec in SPECS:
        _write_data_sheet(workbook.create_sheet(spec.name), spec)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_instructions(ws: Worksheet) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 30
    ws.append(["导入说明"])
    ws["A1"].font = Font(bold=True, size=14)
    for number, paragraph in enumerate(template_instructions(), start=1):
        ws.append([f"{number}.", None, paragraph])
        ws.cell(row=ws.max_row, column=3).alignment = wrap
    for spec in SPECS:
        ws.append([])
        ws.append([f"工作表“{spec.name}”：{spec.note}"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        ws.append(["列名", "必填", "填写说明", "示例"])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = _OPTIONAL_FILL
        for column in spec.columns:
            ws.append(
                [column.header, "是" if column.required else "否", column.note, str(column.example)]
            )
            for cell in ws[ws.max_row]:
                cell.alignment = wrap


def _example_value(index: int, column: Column) -> str | int:
    return f"{EXAMPLE_MARK}{column.example}" if index == 0 else column.example


def _write_data_sheet(ws: Worksheet, spec: SheetSpec) -> None:
    last = MAX_ROWS + 2
    ws.append(list(spec.headers))
    ws.append([_example_value(i, c) for i, c in enumerate(spec.columns)])
    ws.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(row=1, column=index)
        header.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
        header.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        comment = Comment(column.note, "合力")
        comment.width = 320
        comment.height = 120
        header.comment = comment
        ws.cell(row=2, column=index).font = _EXAMPLE_FONT
        ws.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{last}"
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=index).number_format = "@"
        validation: DataValidation | None = None
        if column.choices:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            validation.error = "请从下拉列表中选择：" + "、".join(column.choices)
        elif column.whole is not None:
            low, high = column.whole
            validation = DataValidation(
                type="whole",
                operator="between",
                formula1=str(low),
                formula2=str(high),
                allow_blank=True,
            )
            validation.error = f"请填写 {low}～{high} 的整数。"
        if validation is not None:
            validation.errorTitle = column.header
            validation.showErrorMessage = True
            validation.prompt = column.note
            validation.promptTitle = column.header
            validation.showInputMessage = True
            ws.add_data_validation(validation)
            # Row 2 holds the marked example, which would fail the check; start below it.
            validation.add(f"{letter}3:{letter}{last}" if index == 1 else cells)
