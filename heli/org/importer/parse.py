"""Reading an uploaded registry workbook into a checked ``ImportPlan``."""

from __future__ import annotations

import re
from typing import IO

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from heli.lib.sheets import Sheet, read_workbook
from heli.org.importer.check import check_plan
from heli.org.importer.plan import GroupRow, ImportPlan, PersonRow, UnitRow
from heli.org.importer.specs import (
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
    REASONS,
    ROLES,
    SHEET_GROUPS,
    SHEET_PEOPLE,
    SHEET_UNITS,
    SPECS,
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
from heli.org.models import Committee


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
    sheets = read_workbook(file, SPECS, plan.problems, max_bytes=limit, reasons=REASONS)
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
    check_plan(plan)
    return plan


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
        unit_name = row.text(P_UNIT)
        role = row.choice(P_ROLE, ROLES, code="invalid_role")
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
                unit_name=unit_name or "",
                role=role or "",
                title=title,
                phone=phone,
            )
        )
