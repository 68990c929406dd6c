"""Pages every signed-in person has for themselves: password, two-step verification, the
display settings, and the wait of a sign-in with a password an administrator issued."""

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
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts import actions, issued, lockout, otp
from heli.accounts.forms import (
    CodeForm,
    DisplayForm,
    PasswordChangeForm,
    RemoveDeviceForm,
    ReplaceDeviceForm,
)
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
    if user.must_change_password and issued.open_issue(user) is not None:
        reason = _(
            "Your password was set by an administrator. Choose your own before you continue."
        )
    elif user.must_change_password:
        reason = _(
            "Your password is not one you chose (for example the published demonstration "
            "password). Choose your own before you continue."
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
def display(request: AuthedRequest) -> HttpResponse:
    """显示设置: larger text (适老化), kept on the account so it holds across sessions."""
    user = request.user
    form = DisplayForm(_data(request), initial={"large_text": user.large_text})
    if request.method == "POST" and form.is_valid():
        large_text = form.cleaned_data["large_text"]
        if actions.set_display(request, user, large_text=large_text):
            messages.success(
                request, _("Larger text is on.") if large_text else _("Larger text is off.")
            )
        return redirect("accounts:display")
    return render(request, "accounts/display.html", {"form": bootstrap(form)})


@require_GET
def sign_in_wait(request: AuthedRequest) -> HttpResponse:
    """A sign-in with a password an administrator issued waits here for confirmation.

    The page shows the code the person reads out to a security administrator, and
    looks again every few seconds; once confirmed it goes on to the password change.
    """
    user = request.user
    state = issued.State.NONE
    if user.must_change_password and not user.is_verified():  # type: ignore[attr-defined]
        state = issued.session_state(request, user)
    if state in (issued.State.NONE, issued.State.CONFIRMED):
        return redirect(_next_url(request))
    if state is not issued.State.WAITING:
        minutes = int(issued.CONFIRM_WITHIN.total_seconds() // 60)
        logout(request)
        if state is issued.State.EXPIRED:
            text = _(
                "Your sign-in was not confirmed within %(minutes)d minutes. Sign in again "
                "and read the new code to the security administrator."
            ) % {"minutes": minutes}
        else:
            text = _(
                "The security administrator refused this sign-in. Ask the system "
                "administrator for a new one-time password."
            )
        messages.warning(request, text)
        return redirect(settings.LOGIN_URL)
    return render(
        request,
        "accounts/sign_in_wait.html",
        {
            "code": issued.session_code(request),
            "admins": issued.security_administrators(request.committee, excluding=(user,)),
            "minutes": int(issued.CONFIRM_WITHIN.total_seconds() // 60),
            "next": _next_url(request),
        },
    )


def _otp_context(request: AuthedRequest, device: Any, **extra: Any) -> dict[str, Any]:
    """What the two-step page shows: the device and, for a new one, its key."""
    user = request.user
    pending = otp.pending_device(user)
    context: dict[str, Any] = {
        "device": device,
        "required": otp.required_for(user, policy_for(request.committee)),
        "next": _next_url(request),
        "pending": pending,
        "qr": otp.qr_data_uri(pending),
        "key": otp.key_text(pending),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    if device is not None:
        context["remove_form"] = bootstrap(RemoveDeviceForm())
        context["replace_form"] = bootstrap(ReplaceDeviceForm())
    context.update(extra)
    return context


@require_http_methods(["GET", "POST"])
def otp_page(request: AuthedRequest) -> HttpResponse:
    """Two-step verification: its state, enrolment (QR code and key), replacing the
    device, and turning it off (not for administrators)."""
    user = request.user
    device = otp.confirmed_device(user)
    verified = user.is_verified()  # type: ignore[attr-defined]
    if device is not None and not verified:
        # Enrolled but this session has not shown a code yet: that comes first.
        return redirect("accounts:otp_verify")
    if device is not None:
        return render(request, "accounts/otp.html", _otp_context(request, device))
    context = _otp_context(request, None)
    pending = context["pending"]
    form = CodeForm(_data(request))
    if request.method == "POST" and form.is_valid():
        wait = otp.wait_until(pending)
        if wait is not None:
            form.add_error("code", otp.not_yet_text(wait))
        elif actions.confirm_device(request, user, pending, form.cleaned_data["code"]):
            messages.success(request, _("Two-step verification is on."))
            return redirect(_next_url(request))
        else:
            pending.refresh_from_db()
            if actions.enrolment_failed(request, user, pending):
                return _locked_out(request)
            form.add_error("code", _code_refused(request, pending))
    context["form"] = bootstrap(form)
    return render(request, "accounts/otp.html", context)


@require_POST
def otp_replace(request: AuthedRequest) -> HttpResponse:
    """A new device in place of the old one, in one step: the old one stops working as
    the new one's first code is accepted. The only way an administrator's goes."""
    user = request.user
    device = otp.confirmed_device(user)
    if device is None or not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:otp")
    form = ReplaceDeviceForm(request.POST)
    if form.is_valid():
        pending = otp.pending_device(user)
        wait = otp.wait_until(pending)
        if not user.check_password(form.cleaned_data["password"]):
            form.add_error("password", _("The password is not right."))
            if actions.wrong_password(request, user, events.OTP_ENROLLED):
                return _locked_out(request)
        elif wait is not None:
            form.add_error("code", otp.not_yet_text(wait))
        elif actions.confirm_device(request, user, pending, form.cleaned_data["code"]):
            messages.success(
                request, _("Your new device is in use. The old one no longer gives valid codes.")
            )
            return redirect("accounts:otp")
        else:
            pending.refresh_from_db()
            if actions.enrolment_failed(request, user, pending):
                return _locked_out(request)
            form.add_error("code", _code_refused(request, pending))
    context = _otp_context(request, device, replace_form=bootstrap(form))
    return render(request, "accounts/otp.html", context)


def _code_refused(request: AuthedRequest, device: Any) -> str:
    """After a wrong code that did not lock: when the next try is taken, how many remain."""
    return otp.refusal_text(device, request.user.get_username(), lockout.request_ip(request))


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
    context = _otp_context(request, otp.confirmed_device(user), remove_form=bootstrap(form))
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
    wait_text = ""
    if request.method == "POST" and form.is_valid():
        result = actions.verify_code(request, user, form.cleaned_data["code"])
        if result is otp.Check.ACCEPTED:
            return redirect(_next_url(request))
        if lockout.is_locked(request, user.get_username()):
            return _locked_out(request)
        device.refresh_from_db()
        wait = otp.wait_until(device)
        if result is otp.Check.NOT_YET and wait is not None:
            form.add_error("code", otp.not_yet_text(wait))
        else:
            form.add_error("code", _code_refused(request, device))
    elif request.method == "GET" and (wait := otp.wait_until(device)) is not None:
        wait_text = otp.wait_text(wait)
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": bootstrap(form), "next": _next_url(request), "wait_text": wait_text},
    )
