"""Checks of a read plan against itself and the committee's registry.

A unit or a username twice in the file, groups that would share a name, a group that does
not exist, an inactive unit, a lead unit moved, an account that is not the committee's or
is an administrator's, two secretaries of one unit: each becomes a problem in the plan.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from heli.accounts.models import ADMIN_ROLES, Role, RoleAssignment, User
from heli.lib.dates import current_year
from heli.org.importer.plan import GroupRow, ImportPlan, UnitRow
from heli.org.importer.specs import (
    G_NAME,
    G_NUMBER,
    P_ROLE,
    P_UNIT,
    P_USERNAME,
    SHEET_GROUPS,
    SHEET_PEOPLE,
    SHEET_UNITS,
    U_GROUP,
    U_NAME,
    problem,
)
from heli.org.models import Group, GroupMembership, Unit


def check_plan(plan: ImportPlan) -> None:
    """Check the rows read into ``plan``; resolves each unit's group as it goes."""
    final_groups = check_groups(plan)
    units = {
        u.name: u
        for u in Unit.objects.filter(committee=plan.committee).only("id", "name", "status")
    }
    check_units(plan, final_groups, units)
    check_people(plan, units)


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


def check_people(plan: ImportPlan, existing: Mapping[str, Unit]) -> None:
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
