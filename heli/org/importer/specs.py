"""The workbook of the registry import: its sheets and columns, words and reasons.

The workbook format is Chinese (sheet and column names are domain data, and so is the
template's 说明 sheet); the reasons a user reads go through gettext.

Who fills in which sheet follows 三员分立: groups and units are the system administrator's
and the joint-meeting office's, accounts (人员, without any role) the system
administrator's, role grants (角色) the security administrator's alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy

from heli.accounts.models import Role, User
from heli.lib import sheets
from heli.lib.sheets import Column, Problem, Reason, SheetSpec
from heli.org.models import Department, Group, OrganPartyOrg, Unit

# Limits of the registry's values; the reader's own limits (rows, bytes) are in heli.lib.sheets.
MAX_DESCRIPTION = 1000
MAX_COUNT = 1_000_000  # party members of one unit; far above any real number
MAX_SORT = 2_000_000_000  # fits the database's positive integer

SHEET_GROUPS, SHEET_UNITS, SHEET_PEOPLE, SHEET_ROLES, SHEET_HELP = (
    "分组",
    "单位",
    "人员",
    "角色",
    "说明",
)
G_NUMBER, G_NAME, G_DESCRIPTION = "组号", "组名", "说明"
U_NAME, U_SHORT_NAME, U_CODE = "单位名称", "简称", "单位代码"
U_LEADING_BODY, U_ORG_KIND, U_ORG_NAME = "领导机构", "机关党组织类型", "机关党组织名称"
U_MEMBERS, U_GROUP, U_SORT = "党员人数", "所属组", "排序号"
P_NAME, P_USERNAME, P_TITLE, P_PHONE = "姓名", "用户名", "职务", "手机号"
# Columns the 人员 sheet had when it also granted roles: still recognised, so that an old
# file is refused cell by cell with the reason instead of as an unknown column.
P_UNIT, P_ROLE = "所属单位", "角色"
R_USERNAME, R_NAME, R_ROLE, R_UNIT, R_DEPARTMENT = "用户名", "姓名", "角色", "所属单位", "所属处室"

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
# The roles a role sheet may grant: every business role. The three administrator roles
# are granted one by one on the person's page, never in bulk.
ROLES: Mapping[str, str] = {
    "工委领导": Role.COMMITTEE_LEADER,
    "工委处室人员": Role.COMMITTEE_STAFF,
    "联席会议办公室": Role.MEETING_OFFICE,
    "单位党组(党委)成员": Role.UNIT_LEADERSHIP,
    "机关党委书记": Role.UNIT_SECRETARY,
    "机关党委工作人员": Role.UNIT_STAFF,
}
ROLE_WORDS = {role: word for word, role in ROLES.items()}
ADMIN_ROLE_WORDS = ("系统管理员", "安全管理员", "审计管理员", "安全审计员")

MOBILE_RE = re.compile(r"1[3-9]\d{9}")
LANDLINE_RE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")

# The reader's reasons, and those of the registry, by problem code. Whole sentences: say
# what is wrong and how to fix it.
REASONS: Mapping[str, Reason] = {
    **sheets.REASONS,
    "no_sheets": gettext_lazy(
        "The workbook has none of the sheets of the template (%(sheets)s). Download the "
        "template, copy your data into it and upload it again."
    ),
    "no_data": gettext_lazy(
        "The workbook has no data rows. Fill in the template's sheets from row 3 on (row 2 is "
        "the example and is skipped)."
    ),
    "people_not_allowed": gettext_lazy(
        "Only the system administrator may import people and their accounts. Delete the rows "
        "of the sheet 人员 (keep row 1), or ask the system administrator to import them."
    ),
    "registry_not_allowed": gettext_lazy(
        "Groups and units are imported by the system administrator or the joint-meeting office; "
        "the security administrator imports role grants only. Delete the rows of the sheet "
        "%(sheet)s (keep row 1) and upload the file again."
    ),
    # 三员分立: whoever keeps the accounts cannot also give them rights.
    "role_column_refused": gettext_lazy(
        "An import by the %(who)s cannot grant roles; role grants are imported and confirmed by "
        "the security administrator. Delete the column 角色 and upload the file again."
    ),
    "role_sheet_refused": gettext_lazy(
        "An import by the %(who)s cannot grant roles; role grants are imported and confirmed by "
        "the security administrator. Delete the rows of the sheet 角色 (keep row 1) and upload "
        "the file again."
    ),
    "unit_column_refused": gettext_lazy(
        "The sheet 人员 creates accounts only: a person joins a unit with a unit role, which the "
        "security administrator imports and confirms. Delete the column 所属单位 and upload the "
        "file again."
    ),
    "invalid_role": gettext_lazy(
        "“%(value)s” is not a role that can be imported. Write one of: %(choices)s."
    ),
    "admin_role_not_importable": gettext_lazy(
        "“%(value)s” is an administrator role, which is not granted by an import. Grant it on "
        "the person's page, one account at a time, or delete this row."
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
    "duplicate_username": gettext_lazy(
        "The username “%(value)s” is already in row %(row)s. Each person takes one row, and "
        "different people need different usernames."
    ),
    "username_taken": gettext_lazy(
        "The username “%(value)s” is already taken. Choose another one."
    ),
    "admin_account": gettext_lazy(
        "“%(value)s” is a system, security or audit administrator account, which an import does "
        "not change. Delete this row, or give this person a separate username."
    ),
    "unknown_account": gettext_lazy(
        "There is no account “%(value)s” in this committee. Check the username; the account of "
        "a new person is first created by the system administrator."
    ),
    "name_mismatch": gettext_lazy(
        "The account “%(username)s” belongs to %(name)s, not to “%(value)s”. Check the username "
        "and the name, or leave 姓名 empty."
    ),
    "own_account": gettext_lazy(
        "“%(value)s” is your own account: no one grants a role to themselves. Delete this row; "
        "another security administrator must grant it."
    ),
    "admin_holds_no_role": gettext_lazy(
        "“%(value)s” is a system, security or audit administrator account, which holds no "
        "business role. Grant the role to the person's own account."
    ),
    "unit_required": gettext_lazy(
        "“%(role)s” is held in a unit: write the unit's full name in 所属单位."
    ),
    "department_required": gettext_lazy(
        "“%(role)s” is held in a department of the committee: write the department's name in "
        "所属处室."
    ),
    "scope_not_taken": gettext_lazy(
        "“%(role)s” does not take a %(column)s: leave this cell empty."
    ),
    "unknown_role_unit": gettext_lazy(
        "There is no unit “%(name)s” in the registry. Write the unit's full name as the unit "
        "list shows it."
    ),
    "unknown_department": gettext_lazy(
        "There is no department “%(name)s”. Write one of: %(choices)s."
    ),
    "duplicate_grant": gettext_lazy(
        "Row %(row)s already grants the same role to the same account. Write each grant once."
    ),
    "secretary_conflict": gettext_lazy(
        "Row %(row)s already names the organ party secretary of “%(unit)s”; a unit has one "
        "secretary. Keep one of the two rows, or give one person another role."
    ),
}

# Problems that are a refusal by the rules of who imports what, not a mistake in the file:
# the audit log records them as denied.
REFUSALS = frozenset(
    {
        "people_not_allowed",
        "registry_not_allowed",
        "role_column_refused",
        "role_sheet_refused",
        "unit_column_refused",
        "own_account",
        "admin_holds_no_role",
        "admin_role_not_importable",
        "admin_account",
    }
)


def problem(
    code: str, sheet: str = "", row: int | None = None, column: str = "", /, **params: Any
) -> Problem:
    """A problem of the registry import with its reason in the active language."""
    return sheets.make_problem(REASONS, code, sheet, row, column, **params)


def _max_length(model: Any, name: str) -> int:
    length: int = model._meta.get_field(name).max_length
    return length


# --- One spec per sheet, used to read files and to write the template -------------------

# fmt: off
GROUPS_SPEC = SheetSpec(SHEET_GROUPS, (
    Column(G_NUMBER, True, "必填。1～99 的整数；按组号匹配已有分组：已有则更新，没有则新建。", 1, whole=(1, 99), width=10),
    Column(G_NAME, True, "必填。不超过 50 字，同一工委内不能重名。", "第一组", max_length=_max_length(Group, "name"), width=18),
    Column(G_DESCRIPTION, False, "选填。该组单位的性质等说明，不超过 1000 字。", "经济管理部门", max_length=MAX_DESCRIPTION, width=40),
), "每行一个分组。")
UNITS_SPEC = SheetSpec(SHEET_UNITS, (
    Column(U_NAME, True, "必填。单位全称，不超过 100 字，在本表中不能重复；与已有单位同名则更新，否则新建。", "市发展和改革委员会", max_length=_max_length(Unit, "name"), width=30),
    Column(U_SHORT_NAME, False, "选填。不超过 50 字。", "市发展改革委", max_length=_max_length(Unit, "short_name")),
    Column(U_CODE, False, "选填。如统一社会信用代码，不超过 30 个字符；请按文本填写。", "11110000000000000X", max_length=_max_length(Unit, "code"), text=True, width=22),
    Column(U_LEADING_BODY, False, "选填。填“党组”或“党委”；新建单位留空时为“党组”。", "党组", choices=tuple(LEADING_BODIES), width=10),
    Column(U_ORG_KIND, False, "选填。填“机关党委”“机关总支”或“机关支部”；新建单位留空时为“机关党委”。", "机关党委", choices=tuple(ORG_KINDS), width=14),
    Column(U_ORG_NAME, False, "选填。不超过 150 字；新建单位留空时为“单位名称+机关党组织类型”。", "中共市发展和改革委员会机关委员会", max_length=_max_length(OrganPartyOrg, "name"), width=34),
    Column(U_MEMBERS, False, "选填。机关党员人数，0 或正整数。", 156, whole=(0, MAX_COUNT), width=10),
    Column(U_GROUP, False, "选填。组号（如 1）或组名（如 第一组），须是“分组”表中或系统中已有的组；单位编入当前工作年度的该组。留空则不改变分组。", 1, max_length=_max_length(Group, "name"), width=10),
    Column(U_SORT, False, "选填。排序号，0 或正整数，越小越靠前；新建单位留空时排在最后。", 1, whole=(0, MAX_SORT), width=10),
), "每行一个单位。")
PEOPLE_SPEC = SheetSpec(SHEET_PEOPLE, (
    Column(P_NAME, True, "必填。不超过 50 字。", "张三", max_length=_max_length(User, "full_name"), width=12),
    Column(P_USERNAME, True, "必填。登录用的用户名：字母、数字及 @ . + - _，不超过 150 个字符，在本表中不能重复；已有则更新该账号，没有则新建账号（新账号须由系统管理员设置初始密码后才能登录）。", "zhangsan", max_length=_max_length(User, "username"), text=True),
    Column(P_TITLE, False, "选填。职务，不超过 100 字。", "机关党委专职副书记", max_length=_max_length(User, "title"), width=20),
    Column(P_PHONE, False, "选填。11 位手机号（如 13812345678）或带区号的座机（如 010-12345678）；请按文本填写。", "13812345678", max_length=_max_length(User, "phone"), text=True),
), "每行一个人员账号。本表只建立和更新账号，不授予角色；角色由安全管理员在“角色”表中导入并确认。")
ROLES_SPEC = SheetSpec(SHEET_ROLES, (
    Column(R_USERNAME, True, "必填。已有账号的用户名（新人员的账号先由系统管理员建立）。", "zhangsan", max_length=_max_length(User, "username"), text=True),
    Column(R_NAME, False, "选填。填写则须与该账号的姓名一致，用来核对用户名没有写错。", "张三", max_length=_max_length(User, "full_name"), width=12),
    Column(R_ROLE, True, "必填。填“工委领导”“工委处室人员”“联席会议办公室”“单位党组(党委)成员”“机关党委书记”或“机关党委工作人员”。机关党委书记同时登记为该单位机关党组织的书记（替换原书记），每个单位只能有一名。管理员角色不能导入。", "机关党委书记", choices=tuple(ROLES), width=20),
    Column(R_UNIT, False, "单位角色（单位党组(党委)成员、机关党委书记、机关党委工作人员）必填，其他角色留空。单位全称，须是系统中已有的单位。", "市发展和改革委员会", max_length=_max_length(Unit, "name"), width=30),
    Column(R_DEPARTMENT, False, "工委处室人员必填，其他角色留空。须是系统中已有的处室名称。", "", max_length=_max_length(Department, "name"), width=16),
), "每行给一个已有账号授予一个角色。上传后先预览每一项授权和每一处机关党委书记的变更，安全管理员确认后才写入。")
# fmt: on
# The 人员 sheet as it is read: the template's columns, and the two that once granted roles.
PEOPLE_READ_SPEC = SheetSpec(
    SHEET_PEOPLE,
    (
        *PEOPLE_SPEC.columns,
        Column(P_UNIT, False, "", ""),
        Column(P_ROLE, False, "", ""),
    ),
    PEOPLE_SPEC.note,
)
SPECS = (GROUPS_SPEC, UNITS_SPEC, PEOPLE_SPEC, ROLES_SPEC)
READ_SPECS = (GROUPS_SPEC, UNITS_SPEC, PEOPLE_READ_SPEC, ROLES_SPEC)
SHEET_NAMES = tuple(spec.name for spec in SPECS)
