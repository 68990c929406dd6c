"""Writing a checked registry plan in one transaction, every change in the audit log.

Groups by number, units by name and people by username: existing records are updated
(only the fields that differ), new ones created. Nothing is deleted and no role is revoked.
Each record created or changed has its own audit row, as an edit through the forms has;
the import itself has one more (who, the file's name and digest, the counts), written last
in the same transaction. A role import is applied only once the security administrator
confirmed its preview, grant by grant through the roles screen's own action.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Model
from django.utils.translation import gettext as _

from heli.accounts.actions import grant_role
from heli.accounts.models import User
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.lib.dates import current_year
from heli.lib.sheets import Problem
from heli.lib.versioning import diff
from heli.org.actions import update_party_org
from heli.org.importer.plan import ImportApplyError, ImportPlan, ImportSummary
from heli.org.importer.specs import ORG_KIND_WORDS, REFUSALS
from heli.org.models import Group, GroupMembership, GroupYear, OrganPartyOrg, Unit

logger = logging.getLogger(__name__)

# A refused import's audit row names this many of its problems; the count says the rest.
AUDITED_PROBLEMS = 50


@transaction.atomic
def apply_import(plan: ImportPlan) -> ImportSummary:
    """Write a checked plan in one transaction; any failure leaves the registry as it was."""
    if plan.problems:
        raise ValueError("An import plan with problems cannot be applied.")
    if plan.grants_roles:
        raise ValueError("A role import is applied by apply_role_import, once confirmed.")
    summary = ImportSummary(year=current_year())
    groups = _apply_groups(plan, summary)
    units = _apply_units(plan, summary)
    _apply_memberships(plan, summary, groups, units)
    _apply_people(plan, summary)
    record_import(plan, summary)
    logger.info(
        "Registry import into %s by %s: groups %s, units %s, people %s, memberships set %s",
        plan.committee.code,
        plan.by.username,
        summary.groups,
        summary.units,
        summary.people,
        summary.memberships_set,
    )
    return summary


@transaction.atomic
def apply_role_import(plan: ImportPlan) -> ImportSummary:
    """Grant a confirmed role plan in one transaction, each grant as the roles screen makes it.

    ``grant_role`` applies the rules of granting again (no grant to oneself, no business
    role to an administrator) and the audit log records each grant; a secretary change is
    the party body's edit, audited as the form's is. If anything differs from the preview,
    nothing is written.
    """
    if plan.problems:
        raise ValueError("An import plan with problems cannot be applied.")
    summary = ImportSummary(year=current_year(), grants_roles=True, grants=list(plan.grants))
    for grant in plan.grants:
        if grant.held:
            summary.roles_unchanged += 1
        else:
            try:
                grant_role(
                    plan.by, grant.person, grant.role, department=grant.department, unit=grant.unit
                )
            except (ValidationError, PermissionDenied) as error:
                raise ImportApplyError(
                    _("Row %(row)s of the sheet 角色 can no longer be granted. %(reason)s")
                    % {"row": grant.row, "reason": _reason(error)}
                ) from error
            summary.roles_granted += 1
        if grant.org is not None:
            org = OrganPartyOrg.objects.select_for_update().get(pk=grant.org.pk)
            if org.secretary_id != getattr(grant.secretary_before, "pk", None):
                raise ImportApplyError(
                    _("The organ party secretary of %(unit)s changed after the preview.")
                    % {"unit": grant.unit}
                )
            update_party_org(org, org.version, {"secretary": grant.person}, plan.by)
            summary.secretaries_set += 1
    record_import(plan, summary)
    logger.info(
        "Role import into %s by %s: %s granted, %s held already, %s secretaries set",
        plan.committee.code,
        plan.by.username,
        summary.roles_granted,
        summary.roles_unchanged,
        summary.secretaries_set,
    )
    return summary


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return _("You may not grant roles to this account.")


# --- The audit log --------------------------------------------------------------------


def record_import(plan: ImportPlan, summary: ImportSummary) -> AuditEvent:
    """The import's own audit row: who, which file, what it changed."""
    return record(
        events.IMPORT,
        user=plan.by,
        committee=plan.committee,
        object_type="org.registry_import",
        object_repr=plan.source.name,
        detail={
            **plan.source.detail(),
            "kind": "roles" if plan.grants_roles else "registry",
            "counts": summary.counts(),
        },
    )


def record_refused_import(plan: ImportPlan, *, reason: str = "") -> AuditEvent:
    """A file that changed nothing: denied when it asked for what the uploader may not
    import (a role grant by the system administrator), failed when it was only wrong."""
    problems: Sequence[Problem] = plan.problems
    denied = any(p.code in REFUSALS for p in problems)
    detail: dict[str, Any] = {
        **plan.source.detail(),
        "kind": "roles" if plan.roles else "registry",
        "problem_count": len(problems),
        "problems": [
            {"sheet": p.sheet, "row": p.row, "column": p.column, "code": p.code}
            for p in problems[:AUDITED_PROBLEMS]
        ],
    }
    if reason:
        detail["reason"] = reason
    return record(
        events.IMPORT,
        user=plan.by,
        committee=plan.committee,
        object_type="org.registry_import",
        object_repr=plan.source.name,
        result=AuditEvent.Result.DENIED if denied else AuditEvent.Result.FAILURE,
        detail=detail,
    )


def _audit_created(
    plan: ImportPlan, obj: Model, fields: Mapping[str, Any], event: str = ""
) -> None:
    record(
        event or events.RECORD_CREATED,
        user=plan.by,
        obj=obj,
        committee=plan.committee,
        detail={"fields": _plain(fields), "import": plan.source.sha256},
    )


def _audit_changed(
    plan: ImportPlan, obj: Model, changes: Mapping[str, list[Any]], event: str = ""
) -> None:
    if changes:
        record(
            event or events.RECORD_UPDATED,
            user=plan.by,
            obj=obj,
            committee=plan.committee,
            detail={"changes": dict(changes), "import": plan.source.sha256},
        )


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: getattr(v, "pk", v) for k, v in values.items()}


# --- Writing ----------------------------------------------------------------------------


def _save_changes(obj: Model, changes: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Set the fields that differ (``None``: keep) and save only those; returns field →
    [old, new] of what changed. A versioned record's version moves on, so that a form
    opened before the import does not overwrite it unawares."""
    changed = diff(obj, {k: v for k, v in changes.items() if v is not None})
    if not changed:
        return changed
    for name in changed:
        setattr(obj, name, changes[name])
    fields = list(changed)
    names = {f.name for f in obj._meta.concrete_fields}
    if "updated_at" in names:
        fields.append("updated_at")
    if "version" in names:
        obj.version += 1  # type: ignore[attr-defined]
        fields.append("version")
    obj.save(update_fields=fields)
    return changed


def _apply_groups(plan: ImportPlan, summary: ImportSummary) -> dict[int, Group]:
    committee = plan.committee
    groups = {g.number: g for g in Group.objects.select_for_update().filter(committee=committee)}
    names = {number: group.name for number, group in groups.items()}
    # Free the names of renamed groups first, so that two groups can swap names.
    for row in plan.groups:
        group = groups.get(row.number)
        if group is not None and group.name != row.name:
            group.name = f"~import~{group.pk}"
            group.save(update_fields=["name"])
    for row in plan.groups:
        group = groups.get(row.number)
        if group is None:
            groups[row.number] = group = Group.objects.create(
                committee=committee,
                number=row.number,
                name=row.name,
                description=row.description or "",
            )
            _audit_created(
                plan,
                group,
                {"number": row.number, "name": row.name, "description": row.description},
            )
            summary.groups.count(created=True, changed=True)
        else:
            changes = _save_changes(group, {"name": row.name, "description": row.description})
            if "name" in changes:
                changes["name"][0] = names[row.number]  # not the name it held for the swap
                if changes["name"][0] == row.name:
                    del changes["name"]
            _audit_changed(plan, group, changes)
            summary.groups.count(created=False, changed=bool(changes))
    return groups


def _apply_units(plan: ImportPlan, summary: ImportSummary) -> dict[str, Unit]:
    committee = plan.committee
    names = [row.name for row in plan.units]
    units = {
        u.name: u
        for u in Unit.objects.select_for_update().filter(committee=committee, name__in=names)
    }
    orgs = {
        o.unit_id: o
        for o in OrganPartyOrg.objects.select_for_update().filter(unit__in=list(units.values()))
    }
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
            fields = {
                "name": row.name,
                "short_name": row.short_name or "",
                "code": row.code or "",
                "leading_body": row.leading_body or Unit.LeadingBody.PARTY_GROUP,
                "sort_order": sort_order,
            }
            unit = units[row.name] = Unit.objects.create(committee=committee, **fields)
            _audit_created(plan, unit, fields)
            changed = True
        else:
            unit_changes = _save_changes(
                unit,
                {
                    "short_name": row.short_name,
                    "code": row.code,
                    "leading_body": row.leading_body,
                    "sort_order": row.sort_order,
                },
            )
            _audit_changed(plan, unit, unit_changes)
            changed = bool(unit_changes)
        org = orgs.get(unit.pk)
        if org is None:
            kind = row.org_kind or OrganPartyOrg.Kind.COMMITTEE
            org_fields = {
                "unit": unit,
                "kind": kind,
                "name": row.org_name or f"{unit.name}{ORG_KIND_WORDS[kind]}",
                "member_count": row.member_count,
            }
            orgs[unit.pk] = org = OrganPartyOrg.objects.create(committee=committee, **org_fields)
            _audit_created(plan, org, org_fields)
            changed = True
        else:
            org_changes = _save_changes(
                org,
                {"kind": row.org_kind, "name": row.org_name, "member_count": row.member_count},
            )
            _audit_changed(plan, org, org_changes)
            changed = bool(org_changes) or changed
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
            _audit_created(plan, group_year, {"group": group, "year": year})
            summary.group_years_created += 1
        membership = memberships.get(unit.pk)
        if membership is None:
            fields = {"group_year": group_year, "unit": unit, "year": year, "is_lead": False}
            memberships[unit.pk] = membership = GroupMembership.objects.create(
                committee=committee, **fields
            )
            _audit_created(plan, membership, fields)
            summary.memberships_added += 1
        elif membership.group_year_id != group_year.pk:
            if membership.is_lead:
                raise ImportApplyError(
                    _("%(unit)s became a lead unit while the file was being checked.")
                    % {"unit": unit.name}
                )
            moved = {"group_year": [membership.group_year_id, group_year.pk]}
            membership.group_year = group_year
            membership.save(update_fields=["group_year"])
            _audit_changed(plan, membership, moved)
            summary.memberships_moved += 1
        else:
            summary.memberships_unchanged += 1


def _apply_people(plan: ImportPlan, summary: ImportSummary) -> None:
    """Create and update accounts. No role and no secretary: those are not the account
    keeper's to give (三员分立)."""
    committee = plan.committee
    if not plan.people:
        return
    usernames = [p.username for p in plan.people]
    users = {u.username: u for u in User.objects.select_for_update().filter(username__in=usernames)}
    for person in plan.people:
        user = users.get(person.username)
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
            # As the account form records it; the phone number stays out of the log.
            _audit_created(
                plan,
                user,
                {
                    "username": user.username,
                    "full_name": user.full_name,
                    "title": user.title,
                    "phone_given": bool(user.phone),
                },
                event=events.ACCOUNT_CREATED,
            )
            summary.people.count(created=True, changed=True)
            continue
        if user.committee_id != committee.pk:
            raise ImportApplyError(
                _("The username %(value)s was taken while the file was being checked.")
                % {"value": person.username}
            )
        changes = _save_changes(
            user, {"full_name": person.full_name, "title": person.title, "phone": person.phone}
        )
        if "phone" in changes:
            changes["phone"] = ["***", "***"]  # changed; personal data stays out of the log
        _audit_changed(plan, user, changes, event=events.ACCOUNT_UPDATED)
        summary.people.count(created=False, changed=bool(changes))
