"""The administrators' account pages (三员分立).

The system administrator keeps accounts (create, reset password, disable, enable);
the security administrator grants and revokes roles, unlocks locked sign-ins and sets
the committee's security policy. Each is refused the other's pages with a 404, and the
audit administrator gets none of them.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts import actions, issued, lockout
from heli.accounts.access import get_person_for_user, keeps_accounts
from heli.accounts.forms import (
    AccountForm,
    ConfirmSignInForm,
    PeopleFilterForm,
    RoleGrantForm,
    SecurityPolicyForm,
)
from heli.accounts.models import RoleAssignment, User, policy_for
from heli.accounts.policy import Action, can, visible
from heli.audit.actions import deny
from heli.lib.forms import Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.org.access import Access
from heli.org.models import Unit

PAGE_SIZE = 50


# --- People --------------------------------------------------------------------------


@require_GET
def people(request: AuthedRequest) -> HttpResponse:
    """The committee's accounts: search, filter by unit, role and status; fixed queries."""
    user = request.user
    if not keeps_accounts(user):
        deny(Action.MANAGE_ACCOUNTS, request=request, model=User)
    units = Unit.objects.filter(committee=request.committee).order_by("sort_order", "id")
    form = PeopleFilterForm(request.GET or None, units=units)
    accounts = visible(user, User)
    locked = lockout.locked_usernames(accounts.values("username"))
    qs = accounts.order_by("username")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"]
            qs = qs.filter(
                Q(username__icontains=q) | Q(full_name__icontains=q) | Q(title__icontains=q)
            )
        if data["unit"]:
            qs = qs.filter(role_assignments__unit=data["unit"])
        if data["role"]:
            qs = qs.filter(role_assignments__role=data["role"])
        status = data["status"]
        if status == "active":
            qs = qs.filter(is_active=True)
        elif status == "disabled":
            qs = qs.filter(is_active=False)
        elif status == "locked":
            qs = qs.filter(username__in=locked)
        elif status == "must_change":
            qs = qs.filter(must_change_password=True)
        if data["unit"] or data["role"]:
            qs = qs.distinct()
    roles = RoleAssignment.objects.select_related("unit", "department").order_by("role", "id")
    qs = qs.prefetch_related(Prefetch("role_assignments", queryset=roles))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/people_list.html",
        {
            "form": bootstrap(form),
            "page": page,
            "rows": rows,
            "locked": locked,
            "query": query.urlencode(),
            "can_create": can(user, Action.MANAGE_ACCOUNTS, User),
        },
    )


def _detail_context(request: AuthedRequest, access: Access[User], **extra: Any) -> dict[str, Any]:
    person = access.obj
    roles = list(
        person.role_assignments.select_related("unit", "department").order_by("role", "id")
    )
    context: dict[str, Any] = {
        "person": person,
        "perms": access.perms,
        "roles": roles,
        "revocable": {ra.pk for ra in roles if can(request.user, Action.MANAGE_ROLES, ra)},
        "locked_until": lockout.lock_ends_at(person.username, None),
        "can_unlock": can(request.user, Action.MANAGE_SECURITY, request.committee),
    }
    if "manage_roles" in access:
        context["grant_form"] = bootstrap(RoleGrantForm(committee=request.committee))
    context.update(extra)
    return context


@require_GET
def person_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_person_for_user(request.user, pk)
    return render(request, "accounts/person_detail.html", _detail_context(request, access))


@require_http_methods(["GET", "POST"])
def person_create(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not can(user, Action.MANAGE_ACCOUNTS, User):
        deny(Action.MANAGE_ACCOUNTS, request=request, model=User)
    if request.method != "POST":
        return render(
            request,
            "accounts/person_form.html",
            {"form": bootstrap(AccountForm()), "token": new_token()},
        )

    def create(data: dict[str, Any]) -> Created:
        person, password = actions.create_account(user, **data, request=request)
        return Created(
            reverse("accounts:person_detail", args=[person.pk]),
            _one_time_password(request, person, password, created=True),
        )

    def render_form(form: AccountForm, token: str) -> HttpResponse:
        return render(
            request, "accounts/person_form.html", {"form": bootstrap(form), "token": token}
        )

    return create_once(
        request,
        AccountForm(request.POST),
        create,
        render_form=render_form,
        fallback_url=reverse("accounts:people"),
    )


def _one_time_password(
    request: AuthedRequest, person: User, password: str, *, created: bool
) -> HttpResponse:
    """The one time the password is shown: not stored, not in a message, not cached."""
    response = render(
        request,
        "accounts/one_time_password.html",
        {"person": person, "password": password, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def person_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_person_for_user(request.user, pk)
    if "manage_accounts" not in access:
        deny(Action.MANAGE_ACCOUNTS, request=request, obj=access.obj)
    try:
        password = actions.reset_password(request.user, access.obj, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("accounts:person_detail", pk=pk)
    return _one_time_password(request, access.obj, password, created=False)


@require_POST
def person_disable(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_person_for_user(request.user, pk)
    if "manage_accounts" not in access:
        deny(Action.MANAGE_ACCOUNTS, request=request, obj=access.obj)
    try:
        actions.disable_account(request.user, access.obj, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The account of %(name)s is disabled.") % {"name": access.obj})
    return redirect("accounts:person_detail", pk=pk)


@require_POST
def person_enable(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_person_for_user(request.user, pk)
    if "manage_accounts" not in access:
        deny(Action.MANAGE_ACCOUNTS, request=request, obj=access.obj)
    actions.enable_account(request.user, access.obj, request=request)
    messages.success(request, _("The account of %(name)s is enabled.") % {"name": access.obj})
    return redirect("accounts:person_detail", pk=pk)


# --- Roles ---------------------------------------------------------------------------


@require_POST
def role_grant(request: AuthedRequest, pk: int) -> HttpResponse:
    access = get_person_for_user(request.user, pk)
    if "manage_roles" not in access:
        deny(Action.MANAGE_ROLES, request=request, obj=access.obj)
    form = RoleGrantForm(request.POST, committee=request.committee)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.grant_role(
                request.user,
                access.obj,
                data["role"],
                department=data["department"],
                unit=data["unit"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The role was granted."))
            return redirect("accounts:person_detail", pk=pk)
    context = _detail_context(request, access, grant_form=bootstrap(form))
    return render(request, "accounts/person_detail.html", context)


@require_POST
def role_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = visible(request.user, RoleAssignment).select_related("user").filter(pk=pk).first()
    if assignment is None or not can(request.user, Action.MANAGE_ROLES, assignment):
        raise Http404
    person_pk = assignment.user_id
    actions.revoke_role(request.user, assignment)
    messages.success(request, _("The role was revoked."))
    return redirect("accounts:person_detail", pk=person_pk)


# --- Lockouts and the security policy -------------------------------------------------


def _require_security(request: AuthedRequest) -> None:
    if request.committee is None or not can(
        request.user, Action.MANAGE_SECURITY, request.committee
    ):
        deny(Action.MANAGE_SECURITY, request=request, obj=request.committee)


@require_GET
def lockouts(request: AuthedRequest) -> HttpResponse:
    """Accounts and addresses locked now after failed sign-ins, with an unlock button."""
    _require_security(request)
    accounts = visible(request.user, User)
    locks = lockout.current_locks(accounts.values("username"))
    people = {u.username: u for u in accounts.filter(username__in=[x.key for x in locks.accounts])}
    for lock in locks.accounts:
        lock.user = people.get(lock.key)
    return render(
        request,
        "accounts/lockouts.html",
        {
            "locks": locks,
            "failure_limit": lockout.failure_limit(),
            "lockout_minutes": int(lockout.cool_off().total_seconds() // 60),
        },
    )


@require_POST
def unlock(request: AuthedRequest) -> HttpResponse:
    _require_security(request)
    username = request.POST.get("username", "")
    ip_address = request.POST.get("ip_address", "")
    try:
        actions.unlock_account(
            request.user, username=username, ip_address=ip_address, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(what)s can sign in again.") % {"what": username or ip_address}
        )
    back = request.POST.get("back")
    if back == "person" and username:
        person = visible(request.user, User).filter(username=username).first()
        if person is not None:
            return redirect("accounts:person_detail", pk=person.pk)
    return redirect("accounts:lockouts")


@require_http_methods(["GET", "POST"])
def security_policy(request: AuthedRequest) -> HttpResponse:
    _require_security(request)
    policy = policy_for(request.committee)
    form = SecurityPolicyForm(request.POST if request.method == "POST" else None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            actions.set_security_policy(
                request.user, request.committee, form.cleaned_data, request=request
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The security policy was saved."))
            return redirect("accounts:security_policy")
    return render(
        request,
        "accounts/security_policy.html",
        {
            "form": bootstrap(cast(Form, form)),
            "failure_limit": lockout.failure_limit(),
            "address_failure_limit": lockout.address_failure_limit(),
            "lockout_minutes": int(lockout.cool_off().total_seconds() // 60),
        },
    )


# --- Sign-ins with an issued password -------------------------------------------------


def _waiting(request: AuthedRequest) -> Any:
    # Not one's own sign-in, nor one with a password one issued (三员分立).
    return (
        issued.waiting_checks(request.committee)
        .exclude(issued__user=request.user)
        .exclude(issued__issued_by=request.user)
    )


@require_http_methods(["GET", "POST"])
def sign_in_checks(request: AuthedRequest) -> HttpResponse:
    """Sign-ins with a one-time password that wait for a security administrator.

    Each shows who, when and from where; it is confirmed with the code its session
    shows, which the person reads out. Confirm only once sure it is the owner.
    """
    _require_security(request)
    forms: dict[int, ConfirmSignInForm] = {}
    if request.method == "POST":
        check = _waiting(request).filter(pk=request.POST.get("check") or 0).first()
        if check is None:
            messages.error(
                request,
                _(
                    "This sign-in is no longer waiting: it was decided, or it waited too "
                    "long. Ask the person to sign in again."
                ),
            )
            return redirect("accounts:sign_in_checks")
        form = ConfirmSignInForm(request.POST, auto_id=f"id_%s_{check.pk}")
        if form.is_valid():
            try:
                actions.confirm_sign_in(
                    request.user, check, form.cleaned_data["code"], request=request
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s may now choose their own password.")
                    % {"name": check.issued.user.get_full_name()},
                )
                return redirect("accounts:sign_in_checks")
        forms[check.pk] = form
    rows = list(_waiting(request)[:PAGE_SIZE])
    for row in rows:
        row.form = bootstrap(forms.get(row.pk) or ConfirmSignInForm(auto_id=f"id_%s_{row.pk}"))  # type: ignore[attr-defined]
    return render(
        request,
        "accounts/sign_in_checks.html",
        {"rows": rows, "minutes": int(issued.CONFIRM_WITHIN.total_seconds() // 60)},
    )


@require_POST
def sign_in_refuse(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_security(request)
    check = _waiting(request).filter(pk=pk).first()
    if check is None:
        raise Http404
    try:
        actions.refuse_sign_in(request.user, check, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "The sign-in was refused and the one-time password of %(name)s no longer "
                "works. The system administrator must issue a new one."
            )
            % {"name": check.issued.user.get_full_name()},
        )
    return redirect("accounts:sign_in_checks")
