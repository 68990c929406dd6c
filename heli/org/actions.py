"""State changes of the organisation registry. Views and commands call these."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import scope_of
from heli.audit import events
from heli.audit.actions import record
from heli.lib.versioning import diff, update_versioned
from heli.org.models import (
    Committee,
    Group,
    GroupMembership,
    GroupYear,
    LeadOverride,
    OrganPartyOrg,
    Unit,
)
from heli.org.rotation import next_leads


@dataclass
class LeadProposal:
    group_year: GroupYear
    leads: list[Unit]


def lead_history(committee: Committee, before_year: int) -> dict[int, list[set[int]]]:
    """For each group, the lead unit ids of every earlier year, oldest first."""
    rows = (
        GroupMembership.objects.filter(committee=committee, is_lead=True, year__lt=before_year)
        .order_by("year")
        .values_list("group_year__group_id", "year", "unit_id")
    )
    by_group: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for group_id, year, unit_id in rows:
        by_group[group_id][year].add(unit_id)
    return {g: [years[y] for y in sorted(years)] for g, years in by_group.items()}


def _carried_members(previous: GroupYear | None) -> tuple[list[Unit], list[Unit]]:
    """Last year's members that stay, and the successors of those that were merged."""
    if previous is None:
        return [], []
    stayed: list[Unit] = []
    successors: list[Unit] = []
    for membership in previous.memberships.select_related("unit__successor").order_by(
        "unit__sort_order", "unit_id"
    ):
        unit: Unit | None = membership.unit
        if unit is not None and unit.status == Unit.Status.ACTIVE:
            stayed.append(unit)
            continue
        while unit is not None and unit.status == Unit.Status.MERGED:
            unit = unit.successor
        if unit is not None and unit.status == Unit.Status.ACTIVE:
            successors.append(unit)
    return stayed, successors


@transaction.atomic
def generate_year(committee: Committee, year: int) -> list[LeadProposal]:
    """Create ``year``'s group years from the year before and propose their lead units.

    Members are carried over (merged units replaced by their successors, abolished
    ones dropped); the leads come from the rotation and wait for confirmation.
    Refused once the year's leads are confirmed.
    """
    existing = GroupYear.objects.filter(committee=committee, year=year)
    if existing.filter(leads_status=GroupYear.LeadsStatus.CONFIRMED).exists():
        raise ValidationError(
            _("The lead units of %(year)s are already confirmed and cannot be generated again.")
            % {"year": year}
        )
    history = lead_history(committee, year)
    taken: set[int] = set(
        GroupMembership.objects.filter(committee=committee, year=year).values_list(
            "unit_id", flat=True
        )
    )
    groups = list(Group.objects.filter(committee=committee).order_by("number"))
    group_years = []
    carried: dict[int, tuple[list[Unit], list[Unit]]] = {}
    # What a regenerated year looked like before, for the audit log.
    before_leads: dict[int, list[int]] = defaultdict(list)
    for gy_id, unit_id in GroupMembership.objects.filter(
        group_year__in=existing, is_lead=True
    ).values_list("group_year_id", "unit_id"):
        before_leads[gy_id].append(unit_id)
    before_status = dict(existing.values_list("pk", "leads_status"))
    before_overrides = Counter(
        LeadOverride.objects.filter(group_year__in=existing).values_list("group_year_id", flat=True)
    )
    for group in groups:
        previous = GroupYear.objects.filter(group=group, year__lt=year).order_by("-year").first()
        group_year, created = GroupYear.objects.get_or_create(
            committee=committee,
            group=group,
            year=year,
            defaults={"liaison_leader": previous.liaison_leader if previous else None},
        )
        group_years.append(group_year)
        if created:
            carried[group_year.pk] = _carried_members(previous)
    # Units that stay in their group come first; a merged unit's successor joins its
    # predecessor's group only when it is not in a group of its own this year.
    for pass_index in (0, 1):
        for group_year in group_years:
            for unit in carried.get(group_year.pk, ([], []))[pass_index]:
                if unit.pk in taken:
                    continue
                GroupMembership.objects.create(
                    committee=committee, group_year=group_year, unit=unit, year=year
                )
                taken.add(unit.pk)
    proposals = [propose_leads(gy, history.get(gy.group_id, [])) for gy in group_years]
    members: dict[int, list[int]] = defaultdict(list)
    for gy_id, unit_id in GroupMembership.objects.filter(
        group_year__in=[gy.pk for gy in group_years if gy.pk in carried]
    ).values_list("group_year_id", "unit_id"):
        members[gy_id].append(unit_id)
    for proposal in proposals:
        gy = proposal.group_year
        leads = sorted(u.pk for u in proposal.leads)
        if gy.pk in carried:
            detail: dict[str, object] = {
                "year": year,
                "group": gy.group_id,
                "members": sorted(members[gy.pk]),
                "leads": leads,
                "leads_status": gy.leads_status,
            }
            record(events.RECORD_CREATED, obj=gy, committee=committee, detail=detail)
            continue
        changes: dict[str, object] = {}
        if sorted(before_leads[gy.pk]) != leads:
            changes["leads"] = [sorted(before_leads[gy.pk]), leads]
        if before_status.get(gy.pk) != gy.leads_status:
            changes["leads_status"] = [before_status.get(gy.pk), gy.leads_status]
        if before_overrides[gy.pk]:
            changes["lead_overrides_removed"] = [before_overrides[gy.pk], 0]
        record(
            events.RECORD_UPDATED,
            obj=gy,
            committee=committee,
            detail={"changes": changes, "action": "generate_year"},
        )
    return proposals


def propose_leads(group_year: GroupYear, history: list[set[int]]) -> LeadProposal:
    """Set the rotation's lead units on a group year that is not confirmed yet."""
    memberships = list(
        group_year.memberships.select_related("unit").order_by("unit__sort_order", "unit_id")
    )
    members = [m.unit_id for m in memberships]
    leads = set(next_leads(members, history, group_year.committee.leads_per_group))
    group_year.lead_overrides.all().delete()
    GroupMembership.objects.filter(group_year=group_year).update(is_lead=False)
    GroupMembership.objects.filter(group_year=group_year, unit_id__in=leads).update(is_lead=True)
    group_year.leads_status = GroupYear.LeadsStatus.PROPOSED
    group_year.leads_confirmed_at = None
    group_year.leads_confirmed_by = None
    group_year.save(update_fields=["leads_status", "leads_confirmed_at", "leads_confirmed_by"])
    return LeadProposal(group_year, [m.unit for m in memberships if m.unit_id in leads])


@transaction.atomic
def override_lead(
    group_year: GroupYear, replaced: Unit, chosen: Unit, reason: str, by: User
) -> LeadOverride:
    """Replace one proposed lead unit by another member, recording why."""
    reason = reason.strip()
    if group_year.leads_status == GroupYear.LeadsStatus.CONFIRMED:
        raise ValidationError(_("These lead units are confirmed; they can no longer be changed."))
    if not reason:
        raise ValidationError(_("Please give the reason for changing the lead unit."))
    memberships = {m.unit_id: m for m in group_year.memberships.select_for_update()}
    old = memberships.get(replaced.pk)
    new = memberships.get(chosen.pk)
    if old is None or not old.is_lead:
        raise ValidationError(
            _("%(unit)s is not a proposed lead unit of this group.") % {"unit": replaced}
        )
    if new is None:
        raise ValidationError(
            _("%(unit)s is not a member of this group this year; choose one of its members.")
            % {"unit": chosen}
        )
    if new.is_lead:
        raise ValidationError(_("%(unit)s is already a lead unit.") % {"unit": chosen})
    old.is_lead = False
    old.save(update_fields=["is_lead"])
    new.is_lead = True
    new.save(update_fields=["is_lead"])
    override = LeadOverride.objects.create(
        committee=group_year.committee,
        group_year=group_year,
        replaced_unit=replaced,
        chosen_unit=chosen,
        reason=reason,
        created_by=by,
    )
    leads_after = sorted(u for u, m in memberships.items() if m.is_lead)
    leads_before = sorted([u for u in leads_after if u != chosen.pk] + [replaced.pk])
    record(
        events.RECORD_CREATED,
        user=by,
        obj=override,
        detail={
            "group_year": group_year.pk,
            "year": group_year.year,
            "replaced_unit": replaced.pk,
            "chosen_unit": chosen.pk,
            "reason": reason,
            "changes": {"leads": [leads_before, leads_after]},
        },
    )
    return override


@transaction.atomic
def confirm_leads(committee: Committee, year: int, by: User) -> int:
    """Confirm every proposed lead unit of ``year``; returns how many groups were confirmed."""
    group_years = list(
        GroupYear.objects.select_for_update().filter(
            committee=committee, year=year, leads_status=GroupYear.LeadsStatus.PROPOSED
        )
    )
    if not group_years:
        raise ValidationError(
            _("There are no proposed lead units for %(year)s to confirm.") % {"year": year}
        )
    now = timezone.now()
    for group_year in group_years:
        count = group_year.memberships.filter(is_lead=True).count()
        expected = min(committee.leads_per_group, group_year.memberships.count())
        if count != expected:
            raise ValidationError(
                _("%(group)s has %(count)s lead units; it needs %(expected)s.")
                % {"group": group_year.group, "count": count, "expected": expected}
            )
        group_year.leads_status = GroupYear.LeadsStatus.CONFIRMED
        group_year.leads_confirmed_at = now
        group_year.leads_confirmed_by = by
        group_year.save(update_fields=["leads_status", "leads_confirmed_at", "leads_confirmed_by"])
    leads: dict[int, list[int]] = defaultdict(list)
    for gy_id, unit_id in GroupMembership.objects.filter(
        group_year__in=group_years, is_lead=True
    ).values_list("group_year_id", "unit_id"):
        leads[gy_id].append(unit_id)
    for group_year in group_years:
        record(
            events.RECORD_UPDATED,
            user=by,
            obj=group_year,
            detail={
                "changes": {
                    "leads_status": [GroupYear.LeadsStatus.PROPOSED, group_year.leads_status],
                    "leads_confirmed_by": [None, by.pk],
                },
                "leads": sorted(leads[group_year.pk]),
            },
        )
    return len(group_years)


# --- Editing the registry ------------------------------------------------------------

UNIT_FIELDS = ("name", "short_name", "code", "leading_body", "sort_order", "address", "notes")
PARTY_ORG_FIELDS = ("kind", "name", "secretary", "member_count", "branch_count")


def _check_unit_name(committee: Committee, name: str, exclude_pk: int | None = None) -> None:
    clash = Unit.objects.filter(committee=committee, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"name": _("A unit named %(name)s already exists. Use another name.") % {"name": name}}
        )


@transaction.atomic
def create_unit(committee: Committee, data: dict[str, object], by: User) -> Unit:
    """Register a new unit with its organ party organisation."""
    name = str(data["name"])
    _check_unit_name(committee, name)
    unit = Unit.objects.create(
        committee=committee, **{f: data[f] for f in UNIT_FIELDS if f in data}
    )
    OrganPartyOrg.objects.create(
        committee=committee, unit=unit, name=_("%(unit)s organ party committee") % {"unit": name}
    )
    record(events.RECORD_CREATED, user=by, obj=unit, detail={"fields": _jsonable(data)})
    return unit


@transaction.atomic
def update_unit(unit: Unit, version: int, data: dict[str, object], by: User) -> Unit:
    """Save a unit's details, refusing a stale edit."""
    changes = {f: data[f] for f in UNIT_FIELDS if f in data}
    if "name" in changes:
        _check_unit_name(unit.committee, str(changes["name"]), exclude_pk=unit.pk)
    changed = diff(unit, changes)
    update_versioned(unit, version, changes)
    if changed:
        record(events.RECORD_UPDATED, user=by, obj=unit, detail={"changes": changed})
    return unit


def names_secretary(user: User) -> bool:
    """Who the secretary of a unit is, is business: never the system administrator's."""
    return not scope_of(user).has(Role.SYSADMIN)


@transaction.atomic
def update_party_org(
    org: OrganPartyOrg, version: int, data: dict[str, object], by: User
) -> OrganPartyOrg:
    """Save an organ party organisation's details, refusing a stale edit."""
    changes = {f: data[f] for f in PARTY_ORG_FIELDS if f in data}
    secretary = cast(User | None, changes.get("secretary"))
    if "secretary" in changes and secretary != org.secretary and not names_secretary(by):
        raise ValidationError(
            {
                "secretary": _(
                    "The system administrator keeps the registry but does not choose a unit's "
                    "secretary: that is for the joint-meeting office or the unit itself."
                )
            }
        )
    if (
        secretary is not None
        and not RoleAssignment.objects.filter(
            user=secretary, unit_id=org.unit_id, role=Role.UNIT_SECRETARY
        ).exists()
    ):
        raise ValidationError(
            {
                "secretary": _(
                    "%(person)s is not an organ party secretary of this unit. Ask the security "
                    "administrator to grant the role first, or choose another person."
                )
                % {"person": secretary}
            }
        )
    changed = diff(org, changes)
    update_versioned(org, version, changes)
    if changed:
        record(events.RECORD_UPDATED, user=by, obj=org, detail={"changes": changed})
    return org


@transaction.atomic
def end_unit(
    unit: Unit,
    version: int,
    status: str,
    date: datetime.date,
    successor: Unit | None,
    by: User,
) -> Unit:
    """Record that a unit was merged into another or abolished. Its history stays."""
    if status not in (Unit.Status.MERGED, Unit.Status.ABOLISHED):
        raise ValidationError(_("Choose whether the unit was merged or abolished."))
    if not unit.is_active:
        raise ValidationError(
            _("%(unit)s is already merged or abolished; its status cannot change again.")
            % {"unit": unit}
        )
    if date > timezone.localdate():
        raise ValidationError(
            {"date": _("The date cannot be in the future. Record it on the day.")}
        )
    if status == Unit.Status.MERGED and successor is None:
        raise ValidationError({"successor": _("Choose the unit it was merged into.")})
    if successor is not None and (
        successor.pk == unit.pk
        or successor.committee_id != unit.committee_id
        or not successor.is_active
    ):
        raise ValidationError(
            {"successor": _("The successor must be another active unit of this committee.")}
        )
    changes = {"status": status, "status_date": date, "successor": successor}
    changed = diff(unit, changes)
    update_versioned(unit, version, changes)
    record(events.RECORD_UPDATED, user=by, obj=unit, detail={"changes": changed})
    return unit


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    return {
        k: (v.pk if hasattr(v, "pk") else v if isinstance(v, str | int | None) else str(v))
        for k, v in data.items()
    }
