"""State changes of the organisation registry. Views and commands call these."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.accounts.models import User
from heli.org.models import Committee, Group, GroupMembership, GroupYear, LeadOverride, Unit
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
    return LeadOverride.objects.create(
        committee=group_year.committee,
        group_year=group_year,
        replaced_unit=replaced,
        chosen_unit=chosen,
        reason=reason,
        created_by=by,
    )


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
    return len(group_years)
