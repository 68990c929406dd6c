"""Sign-in, sign-out and the home page of each role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import Count, Prefetch, prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from heli.accounts import lockout
from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import Action, can, scope_of, visible
from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.lib.ui import home_cards
from heli.org.models import GroupMembership, GroupYear, Unit
from heli.org.views import group_counts


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        """A wrong username or password: also say how many more failures lock what.

        The failure is counted by then (django-axes hears it during validation); when it
        locked, axes' middleware replaces this page with the locked one.
        """
        context = self.get_context_data(form=form)
        if form.has_error(NON_FIELD_ERRORS, "invalid_login"):
            username = self.request.POST.get("username", "")
            context["tries_left"] = lockout.tries_left_text(
                username, lockout.request_ip(self.request)
            )
        return self.render_to_response(context)


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
def home(request: AuthedRequest) -> HttpResponse:
    """One page per role: what this person works on, at a glance."""
    user = request.user
    scope = scope_of(user)
    year = current_year()
    context: dict[str, Any] = {"year": year, "scope": scope}
    if scope.reads_registry:
        context["counts"] = group_counts(scope.committee_id or 0, year)
        context["active_units"] = visible(user, Unit).filter(status=Unit.Status.ACTIVE).count()
    if scope.has(Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE):
        context["group_years"] = _group_years_with_leads(user, year)
    if scope.has(Role.COMMITTEE_LEADER):
        context["my_group_ids"] = {
            gy.pk for gy in context["group_years"] if gy.liaison_leader_id == user.pk
        }
    if scope.has(Role.MEETING_OFFICE):
        context["next_year"] = year + 1
        context["next_year_status"] = list(
            GroupYear.objects.filter(committee=request.committee, year=year + 1)
            .values("leads_status")
            .annotate(n=Count("id"))
            .order_by("leads_status")
        )
    if scope.unit_ids:
        context["my_units"] = _my_units(user, scope.unit_ids, year)
    if scope.has(Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        context["people_count"] = visible(user, User).filter(is_active=True).count()
        labels = dict(Role.choices)
        context["role_counts"] = [
            (labels[row["role"]], row["n"])
            for row in visible(user, RoleAssignment)
            .values("role")
            .annotate(n=Count("id"))
            .order_by("role")
        ]
    # What each area brings to the home page: the day's work first.
    context["cards"] = home_cards(request)
    # Signed in, but no role yet: nothing to show, and who can change that.
    context["without_role"] = not scope.roles
    context["can_import"] = can(user, Action.IMPORT, Unit)
    context["can_manage_leads"] = can(user, Action.MANAGE_LEADS, GroupYear)
    return render(request, "home.html", context)


def _group_years_with_leads(user: Any, year: int) -> list[GroupYear]:
    leads = GroupMembership.objects.filter(is_lead=True).select_related("unit")
    return list(
        visible(user, GroupYear)
        .filter(year=year)
        .select_related("group", "liaison_leader")
        .annotate(member_count=Count("memberships"))
        .prefetch_related(Prefetch("memberships", queryset=leads, to_attr="leads"))
        .order_by("group__number")
    )


def _my_units(user: Any, unit_ids: frozenset[int], year: int) -> list[dict[str, Any]]:
    units = list(
        visible(user, Unit)
        .filter(pk__in=unit_ids)
        .select_related("organ_party_org__secretary")
        .order_by("sort_order")
    )
    members = GroupMembership.objects.select_related("unit").order_by(
        "-is_lead", "unit__sort_order"
    )
    group_years = {
        m.unit_id: m.group_year
        for m in GroupMembership.objects.filter(unit_id__in=unit_ids, year=year).select_related(
            "group_year__group", "group_year__liaison_leader"
        )
    }
    if group_years:
        prefetch_related_objects(
            list(group_years.values()), Prefetch("memberships", queryset=members, to_attr="members")
        )
    result = []
    for unit in units:
        gy = group_years.get(unit.pk)
        is_lead = bool(gy) and any(
            m.unit_id == unit.pk and m.is_lead
            for m in gy.members  # type: ignore[union-attr]
        )
        result.append({"unit": unit, "group_year": gy, "is_lead": is_lead})
    return result
