"""Writing a checked registry plan in one transaction.

Groups by number, units by name and people by username: existing records are updated
(only the fields that differ), new ones created. Nothing is deleted and no role is revoked.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.lib.dates import current_year
from heli.org.importer.plan import ImportApplyError, ImportPlan, ImportSummary
from heli.org.importer.specs import ORG_KIND_WORDS
from heli.org.models import Group, GroupMembership, GroupYear, OrganPartyOrg, Unit

logger = logging.getLogger(__name__)


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
