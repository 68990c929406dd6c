"""Keeping the registry up to date: add and edit units, their party bodies, mergers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from heli.accounts.policy import Action, can
from heli.audit.actions import deny
from heli.lib.forms import Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.org import actions
from heli.org.access import get_unit_for_user
from heli.org.forms import EndUnitForm, NewUnitForm, PartyOrgForm, UnitForm
from heli.org.models import OrganPartyOrg, Unit


def _render(request: AuthedRequest, form: Form, context: dict[str, Any]) -> HttpResponse:
    return render(request, "org/unit_form.html", {"form": bootstrap(form), **context})


@require_http_methods(["GET", "POST"])
def unit_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.CHANGE, Unit):
        deny(Action.CHANGE, request=request, model=Unit)
    context = {"title": _("Add a unit"), "cancel_url": reverse("org:unit_list")}
    if request.method != "POST":
        form = NewUnitForm(initial={"leading_body": Unit.LeadingBody.PARTY_GROUP, "sort_order": 0})
        return _render(request, form, {**context, "token": new_token()})

    def create(data: dict[str, Any]) -> Created:
        unit = actions.create_unit(request.committee, data, request.user)
        messages.success(request, _("%(unit)s was added.") % {"unit": unit})
        return Created(reverse("org:unit_detail", args=[unit.pk]))

    return create_once(
        request,
        NewUnitForm(request.POST),
        create,
        render_form=lambda form, token: _render(request, form, {**context, "token": token}),
        fallback_url=reverse("org:unit_list"),
    )


@require_http_methods(["GET", "POST"])
def unit_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_unit_for_user(request.user, pk)
    unit = access.obj
    if "change" not in access:
        deny(Action.CHANGE, request=request, obj=unit)
    cancel_url = reverse("org:unit_detail", args=[unit.pk])
    context = {
        "title": _("Edit %(unit)s") % {"unit": unit.name},
        "unit": unit,
        "cancel_url": cancel_url,
    }
    if request.method != "POST":
        initial = {f: getattr(unit, f) for f in actions.UNIT_FIELDS} | {"version": unit.version}
        return _render(request, UnitForm(initial=initial), context)
    form = UnitForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_unit(unit, data["version"], data, request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes to %(unit)s were saved.") % {"unit": unit})
            return redirect(cancel_url)
    return _render(request, form, context)


@require_http_methods(["GET", "POST"])
def party_org_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = get_unit_for_user(request.user, pk).obj
    org = OrganPartyOrg.objects.filter(unit=unit).first()
    if org is None:
        raise Http404
    if not can(request.user, Action.CHANGE, org):
        deny(Action.CHANGE, request=request, obj=org)
    cancel_url = reverse("org:unit_detail", args=[unit.pk])
    context = {
        "title": _("Edit the organ party organisation of %(unit)s") % {"unit": unit.name},
        "unit": unit,
        "cancel_url": cancel_url,
    }
    initial = {f: getattr(org, f) for f in actions.PARTY_ORG_FIELDS} | {"version": org.version}
    names = actions.names_secretary(request.user)
    if request.method != "POST":
        form = PartyOrgForm(initial=initial, unit=unit, names_secretary=names)
        return _render(request, form, context)
    form = PartyOrgForm(request.POST, initial=initial, unit=unit, names_secretary=names)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_party_org(org, data["version"], data, request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The organ party organisation was saved."))
            return redirect(cancel_url)
    return _render(request, form, context)


@require_http_methods(["GET", "POST"])
def unit_end(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_unit_for_user(request.user, pk)
    unit = access.obj
    if "change" not in access:
        deny(Action.CHANGE, request=request, obj=unit)
    if not unit.is_active:
        raise Http404
    cancel_url = reverse("org:unit_detail", args=[unit.pk])
    context = {
        "title": _("Record the merger or abolition of %(unit)s") % {"unit": unit.name},
        "unit": unit,
        "cancel_url": cancel_url,
        "danger": True,
    }
    if request.method != "POST":
        return _render(request, EndUnitForm(initial={"version": unit.version}, unit=unit), context)
    form = EndUnitForm(request.POST, unit=unit)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.end_unit(
                unit, data["version"], data["status"], data["date"], data["successor"], request.user
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("%(unit)s is recorded as %(status)s.")
                % {"unit": unit, "status": unit.get_status_display()},
            )
            return redirect(cancel_url)
    return _render(request, form, context)
