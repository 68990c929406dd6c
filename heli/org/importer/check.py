"""Checks of a read plan against itself and the committee's registry.

A unit or a username twice in the file, groups that would share a name, a group that does
not exist, an inactive unit, a lead unit moved, an account that is not the committee's or
is an administrator's; in a role sheet, an account that does not exist, a grant the rules
of granting refuse (one's own account, a business role to an administrator), a unit or
department missing or not the role's, two secretaries of one unit: each becomes a problem
in the plan. The role sheet's rows become the ``grants`` the preview shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from heli.accounts.models import (
    ADMIN_ROLES,
    DEPARTMENT_SCOPED,
    UNIT_SCOPED,
    Role,
    RoleAssignment,
    User,
)
from heli.lib.dates import current_year
from heli.org.importer.plan import GroupRow, ImportPlan, RoleGrant, UnitRow
from heli.org.importer.specs import (
    G_NAME,
    G_NUMBER,
    P_USERNAME,
    R_DEPARTMENT,
    R_NAME,
    R_ROLE,
    R_UNIT,
    R_USERNAME,
    ROLE_WORDS,
    SHEET_GROUPS,
    SHEET_PEOPLE,
    SHEET_ROLES,
    SHEET_UNITS,
    U_GROUP,
    U_NAME,
    problem,
)
from heli.org.models import Department, Group, GroupMembership, OrganPartyOrg, Unit


def check_plan(plan: ImportPlan) -> None:
    """Check the rows read into ``plan``; resolves each unit's group as it goes."""
    final_groups = check_groups(plan)
    units = {
        u.name: u
        for u in Unit.objects.filter(committee=plan.committee).only("id", "name", "status")
    }
    check_units(plan, final_groups, units)
    check_people(plan)
    check_roles(plan, units)


def check_groups(plan: ImportPlan) -> dict[int, str]:
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


def check_units(
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


def check_people(plan: ImportPlan) -> None:
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
    for person in plan.people:
        if not person.username:
            continue
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
                    "username_taken", SHEET_PEOPLE, person.row, P_USERNAME, value=person.username
                )
            )
        elif person.username in admins:
            plan.problems.append(
                problem(
                    "admin_account", SHEET_PEOPLE, person.row, P_USERNAME, value=person.username
                )
            )


def check_roles(plan: ImportPlan, units: Mapping[str, Unit]) -> None:
    """Check each grant of the sheet 角色 by the rules of granting, and say what it does.

    The same rules as ``heli.accounts.actions.grant_role``, which applies each grant: here
    they are checked first so that every refused row is named before anything is written.
    """
    if not plan.roles:
        return
    committee = plan.committee
    usernames = sorted({r.username for r in plan.roles if r.username})
    people = {
        u.username: u for u in User.objects.filter(committee=committee, username__in=usernames)
    }
    held: dict[int, set[tuple[str, int | None, int | None]]] = {}
    for holder, held_role, held_department, held_unit in RoleAssignment.objects.filter(
        user__in=list(people.values())
    ).values_list("user_id", "role", "department_id", "unit_id"):
        held.setdefault(holder, set()).add((held_role, held_department, held_unit))
    departments = {d.name: d for d in Department.objects.filter(committee=committee)}
    orgs = {
        o.unit_id: o
        for o in OrganPartyOrg.objects.filter(committee=committee).select_related("secretary")
    }
    first_rows: dict[tuple[str, str, int | None, int | None], int] = {}
    secretaries: dict[int, tuple[int, str]] = {}  # unit id → (row, username)
    for row in plan.roles:
        reported = len(plan.problems)
        person = people.get(row.username) if row.username else None
        word = ROLE_WORDS.get(row.role, row.role)
        if row.username and person is None:
            _refuse(plan, row.row, "unknown_account", R_USERNAME, value=row.username)
        elif person is not None:
            roles_held = {r for r, _d, _u in held.get(person.pk, set())}
            if person.pk == plan.by.pk:
                _refuse(plan, row.row, "own_account", R_USERNAME, value=row.username)
            elif roles_held & ADMIN_ROLES:
                _refuse(plan, row.row, "admin_holds_no_role", R_USERNAME, value=row.username)
            if row.full_name and row.full_name != person.full_name:
                _refuse(
                    plan, row.row, "name_mismatch", R_NAME,
                    username=row.username, name=person.full_name, value=row.full_name,
                )  # fmt: skip
        unit = units.get(row.unit_name) if row.unit_name else None
        department = departments.get(row.department_name) if row.department_name else None
        if row.role in UNIT_SCOPED:
            if not row.unit_name:
                _refuse(plan, row.row, "unit_required", R_UNIT, role=word)
            elif unit is None:
                _refuse(plan, row.row, "unknown_role_unit", R_UNIT, name=row.unit_name)
            elif not unit.is_active:
                _refuse(plan, row.row, "inactive_unit", R_UNIT, name=unit.name)
        elif row.unit_name and row.role:
            _refuse(plan, row.row, "scope_not_taken", R_UNIT, role=word, column=R_UNIT)
        if row.role in DEPARTMENT_SCOPED:
            if not row.department_name:
                _refuse(plan, row.row, "department_required", R_DEPARTMENT, role=word)
            elif department is None:
                _refuse(
                    plan, row.row, "unknown_department", R_DEPARTMENT,
                    name=row.department_name, choices="、".join(departments) or "—",
                )  # fmt: skip
        elif row.department_name and row.role:
            _refuse(plan, row.row, "scope_not_taken", R_DEPARTMENT, role=word, column=R_DEPARTMENT)
        if not row.role or person is None or len(plan.problems) > reported:
            continue
        unit = unit if row.role in UNIT_SCOPED else None
        department = department if row.role in DEPARTMENT_SCOPED else None
        unit_id, department_id = getattr(unit, "pk", None), getattr(department, "pk", None)
        grant_key = (row.username, row.role, department_id, unit_id)
        if grant_key in first_rows:
            _refuse(plan, row.row, "duplicate_grant", R_ROLE, row=first_rows[grant_key])
            continue
        first_rows[grant_key] = row.row
        org = None
        if row.role == Role.UNIT_SECRETARY and unit is not None:
            earlier = secretaries.setdefault(unit.pk, (row.row, row.username))
            if earlier[1] != row.username:
                _refuse(plan, row.row, "secretary_conflict", R_ROLE, row=earlier[0], unit=unit.name)
                continue
            org = orgs.get(unit.pk)
            if org is not None and org.secretary_id == person.pk:
                org = None  # already the secretary
        plan.grants.append(
            RoleGrant(
                row=row.row,
                person=person,
                role=row.role,
                unit=unit,
                department=department,
                held=(row.role, department_id, unit_id) in held.get(person.pk, set()),
                org=org,
                secretary_before=org.secretary if org is not None else None,
            )
        )


def _refuse(plan: ImportPlan, row: int, code: str, column: str, /, **params: object) -> None:
    plan.problems.append(problem(code, SHEET_ROLES, row, column, **params))
