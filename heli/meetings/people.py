"""Whom the meeting area tells: a unit's secretary and staff, the office, a group's lead
units and its liaison leader. One place, so every step tells the same people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from heli.accounts.models import Role, RoleAssignment, User
from heli.org.models import GroupMembership, GroupYear


def _people(committee_id: int, roles: Iterable[str], **where: Any) -> list[User]:
    rows = (
        RoleAssignment.objects.filter(
            committee_id=committee_id, role__in=list(roles), user__is_active=True, **where
        )
        .select_related("user")
        .order_by("user_id")
    )
    found: list[User] = []
    for row in rows:
        if row.user not in found:
            found.append(row.user)
    return found


def unit_people(committee_id: int, unit_ids: Iterable[int]) -> dict[int, list[User]]:
    """Each unit's organ party secretary and party-affairs staff, by unit id."""
    people: dict[int, list[User]] = defaultdict(list)
    rows = (
        RoleAssignment.objects.filter(
            committee_id=committee_id,
            role__in=[Role.UNIT_SECRETARY, Role.UNIT_STAFF],
            unit_id__in=list(unit_ids),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    for row in rows:
        if row.unit_id is not None and row.user not in people[row.unit_id]:
            people[row.unit_id].append(row.user)
    return people


def units_people(committee_id: int, unit_ids: Iterable[int]) -> list[User]:
    """The secretaries and staff of these units, each person once."""
    found: list[User] = []
    for users in unit_people(committee_id, unit_ids).values():
        found.extend(u for u in users if u not in found)
    return found


def secretaries(committee_id: int, unit_ids: Iterable[int]) -> dict[int, User]:
    """Each unit's organ party secretary (the first one on record), by unit id."""
    found: dict[int, User] = {}
    rows = (
        RoleAssignment.objects.filter(
            committee_id=committee_id,
            role=Role.UNIT_SECRETARY,
            unit_id__in=list(unit_ids),
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user_id")
    )
    for row in rows:
        if row.unit_id is not None:
            found.setdefault(row.unit_id, row.user)
    return found


def office(committee_id: int) -> list[User]:
    """The joint-meeting office."""
    return _people(committee_id, [Role.MEETING_OFFICE])


def department_staff(committee_id: int, department_ids: Iterable[int]) -> list[User]:
    return _people(committee_id, [Role.COMMITTEE_STAFF], department_id__in=list(department_ids))


def lead_unit_ids(group_year: GroupYear) -> list[int]:
    return list(
        GroupMembership.objects.filter(group_year=group_year, is_lead=True)
        .order_by("unit__sort_order")
        .values_list("unit_id", flat=True)
    )


def lead_people(group_year: GroupYear) -> list[User]:
    """The secretaries and staff of the group year's lead units."""
    return units_people(group_year.committee_id, lead_unit_ids(group_year))


def liaison_leader(group_year: GroupYear) -> list[User]:
    leader = group_year.liaison_leader
    return [leader] if leader is not None and leader.is_active else []


def name_of(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())
