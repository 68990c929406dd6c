"""Reading an uploaded registry workbook into a checked ``ImportPlan``.

Each sheet is read only if the uploader may import it; the rows of a sheet they may not
import are refused row by row, so the file changes nothing and says why (三员分立: whoever
keeps the accounts grants no role, and role grants are the security administrator's).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from heli.accounts.models import User
from heli.lib.sheets import Sheet, cell_text, is_blank, read_workbook
from heli.org.importer.check import check_plan
from heli.org.importer.plan import (
    GroupRow,
    ImportPlan,
    PersonRow,
    Rights,
    RoleRow,
    Source,
    UnitRow,
    rights_of,
)
from heli.org.importer.specs import (
    ADMIN_ROLE_WORDS,
    G_DESCRIPTION,
    G_NAME,
    G_NUMBER,
    LANDLINE_RE,
    LEADING_BODIES,
    MOBILE_RE,
    ORG_KINDS,
    P_NAME,
    P_PHONE,
    P_ROLE,
    P_TITLE,
    P_UNIT,
    P_USERNAME,
    R_DEPARTMENT,
    R_NAME,
    R_ROLE,
    R_UNIT,
    R_USERNAME,
    READ_SPECS,
    REASONS,
    ROLES,
    SHEET_GROUPS,
    SHEET_PEOPLE,
    SHEET_ROLES,
    SHEET_UNITS,
    U_CODE,
    U_GROUP,
    U_LEADING_BODY,
    U_MEMBERS,
    U_NAME,
    U_ORG_KIND,
    U_ORG_NAME,
    U_SHORT_NAME,
    U_SORT,
    problem,
)


def parse_workbook(
    file: IO[bytes],
    by: User,
    *,
    file_name: str = "",
    rights: Rights | None = None,
    max_bytes: int | None = None,
) -> ImportPlan:
    """Read and check an upload by ``by``; every problem found goes into the plan.

    What ``by`` may import is asked of the access policy unless ``rights`` is given.
    """
    if by.committee is None:
        raise ValueError("Only a member of a committee imports into its registry.")
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    data = file.read(limit + 1)
    plan = ImportPlan(
        committee=by.committee,
        by=by,
        rights=rights_of(by) if rights is None else rights,
        source=Source.of(file_name or getattr(file, "name", "") or "", data),
    )
    sheets = read_workbook(
        io.BytesIO(data), READ_SPECS, plan.problems, max_bytes=limit, reasons=REASONS
    )
    if sheets is None:
        return plan
    rights = plan.rights
    groups, units = sheets.get(SHEET_GROUPS), sheets.get(SHEET_UNITS)
    people, roles = sheets.get(SHEET_PEOPLE), sheets.get(SHEET_ROLES)
    registry = [sheet for sheet in (groups, units) if sheet is not None and sheet.rows]
    if registry and not rights.registry:
        for sheet in registry:
            _refuse_rows(plan, sheet, "registry_not_allowed", "", sheet=sheet.spec.name)
    else:
        _parse_groups(groups, plan)
        _parse_units(units, plan)
    if people is not None and people.rows and not rights.people:
        plan.problems.append(problem("people_not_allowed", SHEET_PEOPLE, people.rows[0][0]))
    else:
        _parse_people(people, plan)
    if roles is not None and roles.rows and not rights.roles:
        _refuse_rows(plan, roles, "role_sheet_refused", R_ROLE, who=rights.who)
    else:
        _parse_roles(roles, plan)
    if not (plan.groups or plan.units or plan.people or plan.roles):
        if not plan.problems:
            plan.problems.append(problem("no_data"))
        return plan
    check_plan(plan)
    return plan


def check_again(plan: ImportPlan) -> ImportPlan:
    """The same rows checked against the registry as it is now (before a confirmation)."""
    fresh = ImportPlan(
        committee=plan.committee,
        by=plan.by,
        rights=rights_of(plan.by),
        source=plan.source,
        groups=list(plan.groups),
        units=list(plan.units),
        people=list(plan.people),
        roles=list(plan.roles),
    )
    if plan.roles and not fresh.rights.roles:
        fresh.problems.extend(
            problem("role_sheet_refused", SHEET_ROLES, row.row, R_ROLE, who=fresh.rights.who)
            for row in plan.roles
        )
        return fresh
    check_plan(fresh)
    return fresh


def _refuse_rows(plan: ImportPlan, data: Sheet, code: str, column: str, **params: str) -> None:
    """Name every data row of a sheet the uploader may not import (the first, for a whole
    sheet of registry rows: one line is enough to say the sheet is not theirs)."""
    rows: Iterable[tuple[int, object]] = data.rows if column else data.rows[:1]
    for row, _values in rows:
        plan.problems.append(problem(code, data.spec.name, row, column, **params))


def _parse_groups(sheet: Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    for row in sheet.readers(plan.problems, REASONS):
        number = row.integer(G_NUMBER)
        name = row.text(G_NAME)
        description = row.text(G_DESCRIPTION)
        if number is not None:
            # Kept even without a name, so units naming the group are not reported twice.
            plan.groups.append(GroupRow(row.row, number, name or "", description))


def _parse_units(sheet: Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    for row in sheet.readers(plan.problems, REASONS):
        plan.units.append(
            UnitRow(
                row=row.row,
                name=row.text(U_NAME) or "",
                short_name=row.text(U_SHORT_NAME),
                code=row.text(U_CODE),
                leading_body=row.choice(U_LEADING_BODY, LEADING_BODIES),
                org_kind=row.choice(U_ORG_KIND, ORG_KINDS),
                org_name=row.text(U_ORG_NAME),
                member_count=row.integer(U_MEMBERS),
                group_ref=row.text(U_GROUP),
                sort_order=row.integer(U_SORT),
            )
        )


def _parse_people(sheet: Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    validate_username = UnicodeUsernameValidator()
    for row in sheet.readers(plan.problems, REASONS):
        full_name = row.text(P_NAME)
        username = row.text(P_USERNAME)
        if username is not None:
            try:
                validate_username(username)
            except ValidationError:
                row.problem("invalid_username", P_USERNAME, value=username)
                username = None
        # An account is made without rights: a role, or the unit that comes with one, is
        # not the account keeper's to give.
        if not is_blank(row.values.get(P_UNIT)):
            row.problem("unit_column_refused", P_UNIT)
        if not is_blank(row.values.get(P_ROLE)):
            row.problem("role_column_refused", P_ROLE, who=plan.rights.who)
        title = row.text(P_TITLE)
        phone = row.text(P_PHONE)
        if phone is not None:
            compact = re.sub(r"\s+", "", phone)
            if MOBILE_RE.fullmatch(compact) or LANDLINE_RE.fullmatch(compact):
                phone = compact
            else:
                row.problem("invalid_phone", P_PHONE, value=phone)
                phone = None
        plan.people.append(
            PersonRow(
                row=row.row,
                full_name=full_name or "",
                username=username or "",
                title=title,
                phone=phone,
            )
        )


def _parse_roles(sheet: Sheet | None, plan: ImportPlan) -> None:
    if sheet is None:
        return
    for row in sheet.readers(plan.problems, REASONS):
        written = cell_text(row.values.get(R_ROLE))
        if written in ADMIN_ROLE_WORDS:
            row.problem("admin_role_not_importable", R_ROLE, value=written)
            role = None
        else:
            role = row.choice(R_ROLE, ROLES, code="invalid_role")
        plan.roles.append(
            RoleRow(
                row=row.row,
                username=row.text(R_USERNAME) or "",
                full_name=row.text(R_NAME),
                role=role or "",
                unit_name=row.text(R_UNIT),
                department_name=row.text(R_DEPARTMENT),
            )
        )
