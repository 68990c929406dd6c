"""Pages every signed-in person has for themselves: password and two-step verification."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from heli.accounts import actions, lockout, otp
from heli.accounts.forms import CodeForm, PasswordChangeForm, RemoveDeviceForm
from heli.accounts.middleware import password_must_change
from heli.accounts.models import policy_for
from heli.accounts.validators import rules_text
from heli.audit import events
from heli.lib.forms import bootstrap
from heli.lib.http import AuthedRequest


def _next_url(request: AuthedRequest) -> str:
    """Where to go once this step is done: the page the person was sent away from."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _data(request: AuthedRequest) -> Any:
    """The posted data, or None for a GET (an empty POST must still bind the form)."""
    return request.POST if request.method == "POST" else None


def _locked_out(request: AuthedRequest) -> HttpResponse:
    """Too many wrong codes or passwords: the session ends; the sign-in page says until when."""
    username = request.user.get_username()
    logout(request)
    return lockout.lockout_response(request, credentials={"username": username})


@require_http_methods(["GET", "POST"])
def password_change(request: AuthedRequest) -> HttpResponse:
    user = request.user
    policy = policy_for(request.committee)
    form = PasswordChangeForm(user, _data(request))
    if request.method == "POST":
        if form.is_valid():
            actions.change_password(
                request, user, form.cleaned_data["new_password1"], validated=True
            )
            messages.success(request, _("Your password was changed."))
            return redirect(_next_url(request))
        if "old_password" in form.errors and actions.wrong_password(
            request, user, events.PASSWORD_CHANGED
        ):
            return _locked_out(request)
    reason = ""
    if user.must_change_password:
        reason = _(
            "Your password was set by an administrator. Choose your own before you continue."
        )
    elif password_must_change(user, policy):
        reason = _(
            "Your password is more than %(days)d days old. Choose a new one before you continue."
        ) % {"days": policy.max_age_days}
    return render(
        request,
        "accounts/password_change.html",
        {
            "form": bootstrap(form),
            "rules": rules_text(policy),
            "reason": reason,
            "next": _next_url(request),
        },
    )


@require_http_methods(["GET", "POST"])
def otp_page(request: AuthedRequest) -> HttpResponse:
    """Two-step verification: its state, enrolment (QR code and key), and turning it off."""
    user = request.user
    policy = policy_for(request.committee)
    device = otp.confirmed_device(user)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if device is not None and not verified:
        # Enrolled but this session has not shown a code yet: that comes first.
        return redirect("accounts:otp_verify")
    context: dict[str, Any] = {
        "device": device,
        "required": otp.required_for(user, policy),
        "next": _next_url(request),
    }
    if device is not None:
        context["remove_form"] = bootstrap(RemoveDeviceForm())
        return render(request, "accounts/otp.html", context)
    pending = otp.pending_device(user)
    form = CodeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if actions.confirm_device(request, user, pending, form.cleaned_data["code"]):
            messages.success(request, _("Two-step verification is on."))
            return redirect(_next_url(request))
        form.add_error("code", _code_refused(pending))
        if actions.enrolment_failed(request, user, pending):
            return _locked_out(request)
    context.update(
        {
            "pending": pending,
            "form": bootstrap(form),
            "qr": otp.qr_data_uri(pending),
            "key": otp.key_text(pending),
            "issuer": settings.OTP_TOTP_ISSUER,
        }
    )
    return render(request, "accounts/otp.html", context)


def _code_refused(device: Any) -> str:
    allowed, info = device.verify_is_allowed()
    if not allowed and info and info.get("locked_until"):
        return _("Too many wrong codes in a row. Wait a few seconds, then enter the newest code.")
    return _("That code is not right. Check the time on your phone and enter the newest code.")


@require_POST
def otp_remove(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if otp.confirmed_device(user) is None or not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:otp")
    form = RemoveDeviceForm(request.POST)
    if form.is_valid():
        if user.check_password(form.cleaned_data["password"]):
            try:
                actions.remove_device(request, user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Two-step verification is off."))
            return redirect("accounts:otp")
        form.add_error("password", _("The password is not right."))
        if actions.wrong_password(request, user, events.OTP_REMOVED):
            return _locked_out(request)
    policy = policy_for(request.committee)
    context = {
        "device": otp.confirmed_device(user),
        "required": otp.required_for(user, policy),
        "remove_form": bootstrap(form),
        "next": _next_url(request),
    }
    return render(request, "accounts/otp.html", context)


@require_http_methods(["GET", "POST"])
def otp_verify(request: AuthedRequest) -> HttpResponse:
    """The second step of signing in: a code from the person's authenticator app."""
    user = request.user
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    device = otp.confirmed_device(user)
    if device is None:
        request.session[otp.SESSION_HAS_DEVICE] = False
        return redirect(_next_url(request))
    form = CodeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        if actions.verify_code(request, user, form.cleaned_data["code"]):
            return redirect(_next_url(request))
        if lockout.is_locked(request, user.get_username()):
            return _locked_out(request)
        device.refresh_from_db()
        form.add_error("code", _code_refused(device))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": bootstrap(form), "next": _next_url(request)},
    )
