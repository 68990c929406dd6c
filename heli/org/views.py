"""Pages of the organisation registry: units, groups and the lead-unit rotation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heli.accounts.models import RoleAssignment
from heli.accounts.policy import Action, can, permissions, visible, visible_ids
from heli.audit.actions import record_denial
from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.org import actions
from heli.org.access import get_group_for_user, get_group_year_for_user, get_unit_for_user
from heli.org.forms import LeadOverrideForm, UnitFilterForm, YearForm
from heli.org.models import Group, GroupMembership, GroupYear, LeadOverride, Unit

UNITS_PER_PAGE = 50
UNIT_SORTS = {
    "order": ("sort_order", "id"),
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "status": ("status", "sort_order", "id"),
}


def _memberships_of_year(year: int) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=GroupMembership.objects.filter(year=year).select_related("group_year__group"),
        to_attr="year_memberships",
    )


@require_GET
def unit_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW, Unit):
        record_denial(Action.VIEW, request=request, model=Unit)
        raise Http404
    year = current_year()
    groups = list(visible(request.user, Group))
    form = UnitFilterForm(request.GET or None, groups=groups)
    units = visible(request.user, Unit).select_related("organ_party_org__secretary")
    sort = "order"
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            units = units.filter(Q(name__icontains=data["q"]) | Q(short_name__icontains=data["q"]))
        if data["group"]:
            units = units.filter(
                memberships__year=year, memberships__group_year__group=data["group"]
            )
        if data["status"]:
            units = units.filter(status=data["status"])
        sort = data["sort"] or "order"
    units = units.order_by(*UNIT_SORTS[sort]).prefetch_related(_memberships_of_year(year))
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "year": year,
        "sort": sort,
        "query": query.urlencode(),
        "can_import": can(request.user, Action.IMPORT, Unit),
        "can_add": can(request.user, Action.CHANGE, Unit),
    }
    template = "org/unit_rows.html" if request.htmx else "org/unit_list.html"
    return render(request, template, context)


@require_GET
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_unit_for_user(request.user, pk)
    unit = access.obj
    party_org = getattr(unit, "organ_party_org", None)
    memberships = list(
        GroupMembership.objects.filter(unit=unit)
        .select_related("group_year__group", "group_year__liaison_leader")
        .order_by("-year")
    )
    people = (
        visible(request.user, RoleAssignment)
        .filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__id")
    )
    predecessors = list(unit.predecessors.order_by("status_date", "id"))
    related_units = {p.pk for p in predecessors}
    if unit.successor_id is not None:
        related_units.add(unit.successor_id)
    context = {
        "unit": unit,
        "perms": access.perms,
        "party_org": party_org,
        "party_org_perms": permissions(request.user, party_org) if party_org else frozenset(),
        "memberships": memberships,
        "people": people,
        "predecessors": predecessors,
        "year": current_year(),
        # What the page names but this person may not open reads as plain text, not a link.
        "openable_units": visible_ids(request.user, Unit, related_units),
        "openable_groups": visible_ids(
            request.user, Group, {m.group_year.group_id for m in memberships}
        ),
    }
    return render(request, "org/unit_detail.html", context)


def _group_years(request: AuthedRequest, year: int) -> list[GroupYear]:
    members = GroupMembership.objects.select_related("unit").order_by(
        "-is_lead", "unit__sort_order", "unit_id"
    )
    return list(
        visible(request.user, GroupYear)
        .filter(year=year)
        .select_related("group", "liaison_leader")
        .prefetch_related(Prefetch("memberships", queryset=members, to_attr="members"))
        .order_by("group__number")
    )


@require_GET
def group_list(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW, Group):
        record_denial(Action.VIEW, request=request, model=Group)
        raise Http404
    years = sorted(
        set(visible(request.user, GroupYear).values_list("year", flat=True)), reverse=True
    )
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["year"] if form.is_valid() else current_year()
    group_years = _group_years(request, year)
    context = {
        "form": form,
        "year": year,
        "years": years,
        "group_years": group_years,
        "unit_count": sum(len(gy.members) for gy in group_years),  # type: ignore[attr-defined,misc]
        "openable_units": _openable_members(request, group_years),
    }
    return render(request, "org/group_list.html", context)


@require_GET
def group_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_group_for_user(request.user, pk)
    group = access.obj
    members = GroupMembership.objects.select_related("unit").order_by(
        "-is_lead", "unit__sort_order", "unit_id"
    )
    group_years = list(
        GroupYear.objects.filter(group=group)
        .select_related("liaison_leader", "leads_confirmed_by")
        .prefetch_related(
            Prefetch("memberships", queryset=members, to_attr="members"),
            Prefetch(
                "lead_overrides",
                queryset=LeadOverride.objects.select_related(
                    "replaced_unit", "chosen_unit", "created_by"
                ),
                to_attr="overrides",
            ),
        )
        .order_by("-year")
    )
    context = {
        "group": group,
        "perms": access.perms,
        "group_years": group_years,
        "openable_units": _openable_members(request, group_years),
    }
    return render(request, "org/group_detail.html", context)


def _openable_members(request: AuthedRequest, group_years: Sequence[GroupYear]) -> set[int]:
    """The member units this person may open: a unit's people see their group's page but
    not the other members' (those read as plain text, so no link leads to a 404)."""
    members = {m.unit_id for gy in group_years for m in gy.members}  # type: ignore[attr-defined]
    return visible_ids(request.user, Unit, members)


# --- Lead-unit rotation (the joint-meeting office) -------------------------------------


def _require_manage_leads(request: AuthedRequest) -> None:
    if not can(request.user, Action.MANAGE_LEADS, GroupYear):
        record_denial(Action.MANAGE_LEADS, request=request, model=GroupYear)
        raise Http404


@require_GET
def leads(request: AuthedRequest) -> HttpResponse:
    _require_manage_leads(request)
    committee = request.committee
    years = sorted(
        set(GroupYear.objects.filter(committee=committee).values_list("year", flat=True))
        | {current_year(), current_year() + 1},
        reverse=True,
    )
    form = YearForm(request.GET or None, years=years)
    year = form.cleaned_data["year"] if form.is_valid() else current_year() + 1
    group_years = _group_years(request, year)
    history = actions.lead_history(committee, year)
    rows = []
    for gy in group_years:
        led = Counter(unit for leads in history.get(gy.group_id, []) for unit in leads)
        rows.append(
            {
                "group_year": gy,
                "leads": [m for m in gy.members if m.is_lead],  # type: ignore[attr-defined]
                "members": [(m, led[m.unit_id]) for m in gy.members],  # type: ignore[attr-defined]
                "form": LeadOverrideForm(group_year=gy, prefix=f"gy{gy.pk}"),
            }
        )
    overrides_list = LeadOverride.objects.filter(
        committee=committee, group_year__year=year
    ).select_related("group_year__group", "replaced_unit", "chosen_unit", "created_by")
    proposed = any(gy.leads_status == GroupYear.LeadsStatus.PROPOSED for gy in group_years)
    context = {
        "form": form,
        "year": year,
        "rows": rows,
        "overrides": overrides_list,
        "has_proposal": proposed,
        "all_confirmed": bool(group_years) and not proposed,
        "has_year": bool(group_years),
        "previous_year_exists": GroupYear.objects.filter(
            committee=committee, year=year - 1
        ).exists(),
    }
    return render(request, "org/leads.html", context)


def _posted_year(request: AuthedRequest) -> int | None:
    """The year a rotation form posted, or None after telling the user what is wrong."""
    form = YearForm(request.POST, years=None)
    if form.is_valid():
        return int(form.cleaned_data["year"])
    messages.error(request, _("Choose a valid year between 2000 and 2100."))
    return None


def _leads_url(year: int) -> str:
    return f"{reverse('org:leads')}?year={year}"


@require_POST
def leads_generate(request: AuthedRequest) -> HttpResponse:
    _require_manage_leads(request)
    year = _posted_year(request)
    if year is None:
        return redirect("org:leads")
    committee = request.committee
    try:
        proposals = actions.generate_year(committee, year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Lead units for %(year)s proposed for %(count)s groups. Review them, change one if "
                "needed, then confirm."
            )
            % {"year": year, "count": len(proposals)},
        )
    return redirect(_leads_url(year))


@require_POST
def leads_override(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_manage_leads(request)
    group_year = get_group_year_for_user(request.user, pk).obj
    form = LeadOverrideForm(request.POST, group_year=group_year, prefix=f"gy{group_year.pk}")
    if form.is_valid():
        try:
            actions.override_lead(
                group_year,
                form.cleaned_data["replaced"],
                form.cleaned_data["chosen"],
                form.cleaned_data["reason"],
                request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(group)s: %(old)s replaced by %(new)s as lead unit.")
                % {
                    "group": group_year.group,
                    "old": form.cleaned_data["replaced"],
                    "new": form.cleaned_data["chosen"],
                },
            )
    else:
        messages.error(
            request,
            _("%(group)s: the lead unit was not changed. %(errors)s")
            % {
                "group": group_year.group,
                "errors": " ".join(str(e) for errors in form.errors.values() for e in errors),
            },
        )
    return redirect(_leads_url(group_year.year))


@require_POST
def leads_confirm(request: AuthedRequest) -> HttpResponse:
    _require_manage_leads(request)
    year = _posted_year(request)
    if year is None:
        return redirect("org:leads")
    try:
        count = actions.confirm_leads(request.committee, year, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Lead units of %(year)s confirmed for %(count)s groups.")
            % {"year": year, "count": count},
        )
    return redirect(_leads_url(year))


def group_counts(committee_id: int, year: int) -> dict[str, int]:
    """Counts for the home pages: groups, member units and lead units of a year."""
    return GroupMembership.objects.filter(committee_id=committee_id, year=year).aggregate(
        units=Count("id"),
        leads=Count("id", filter=Q(is_lead=True)),
        groups=Count("group_year", distinct=True),
    )
