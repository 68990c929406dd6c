"""Request-level tenant binding and the gates every signed-in request passes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.accounts import issued, otp, sessions
from heli.accounts.models import SecurityPolicy, policy_for
from heli.org.models import Committee


class CommitteeMiddleware:
    """Sets ``request.committee`` to the signed-in user's committee (the tenant).

    The committee comes with its security policy in the same query.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        committee = None
        if user is not None and user.is_authenticated and user.committee_id is not None:
            committee = (
                Committee.objects.select_related("security_policy")
                .filter(pk=user.committee_id)
                .first()
            )
            user.committee = committee
        request.committee = committee  # type: ignore[attr-defined]
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            # Signed-in pages hold records that must not linger in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


# Pages open whatever the gates say: leaving, and choosing the language.
ALWAYS_OPEN = frozenset({"accounts:logout", "set_language"})
# The pages of each gate (besides ALWAYS_OPEN).
VERIFY_PAGES = frozenset({"accounts:otp_verify"})
CONFIRM_PAGES = frozenset({"accounts:sign_in_wait"})
ENROL_PAGES = frozenset({"accounts:otp"})
# The waiting page stays open after the confirmation: it sends the person on itself.
PASSWORD_PAGES = frozenset({"accounts:password_change", "accounts:sign_in_wait"})


class AccountSecurityMiddleware:
    """What a signed-in request must pass before it reaches any page, in this order.

    1. The session limits of the committee's policy: idle and absolute. A session past
       either is ended (flushed on the server) and the person signs in again.
    2. The second factor of a person who has one: a code after the password.
    3. A password an administrator issued: the sign-in waits until a security
       administrator confirms it is the owner (``heli.accounts.issued``), unless step 2
       proved it with the owner's own device.
    4. The password: one set by an administrator, or older than the policy allows, is
       replaced before anything else — before a new administrator enrols a device too,
       so whoever saw the one-time password cannot enrol theirs first.
    5. Enrolment: an administrator without a device sets one up (三员 need two factors).

    Goes after ``CommitteeMiddleware`` (it reads the committee's policy) and after
    django-otp's ``OTPMiddleware`` (it asks ``user.is_verified()``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        policy = policy_for(getattr(request, "committee", None))
        ended = sessions.expired(request.session, policy)
        if ended:
            return self._end_session(request, policy, ended)
        gate = self._gate(request, policy)
        if gate is not None:
            target, open_pages = gate
            if self._page_name(request) not in open_pages | ALWAYS_OPEN:
                return self._redirect(request, reverse(target), with_next=True)
            request.heli_gated = True  # type: ignore[attr-defined]
        return self.get_response(request)

    def _gate(
        self, request: HttpRequest, policy: SecurityPolicy
    ) -> tuple[str, frozenset[str]] | None:
        user = request.user
        verified = user.is_verified()  # type: ignore[union-attr]
        if not verified and request.session.get(otp.SESSION_HAS_DEVICE):
            return "accounts:otp_verify", VERIFY_PAGES
        if not verified and getattr(user, "must_change_password", False):
            state = issued.session_state(request, user)  # type: ignore[arg-type]
            if state not in (issued.State.NONE, issued.State.CONFIRMED):
                return "accounts:sign_in_wait", CONFIRM_PAGES
        if password_must_change(user, policy):
            return "accounts:password_change", PASSWORD_PAGES
        if not verified and otp.required_for(user, policy):
            if otp.confirmed_device(user) is not None:
                # Enrolled in another session since this one signed in.
                request.session[otp.SESSION_HAS_DEVICE] = True
                return "accounts:otp_verify", VERIFY_PAGES
            return "accounts:otp", ENROL_PAGES
        return None

    def _end_session(self, request: HttpRequest, policy: SecurityPolicy, why: str) -> HttpResponse:
        path = request.get_full_path()
        # For the sign-out audit: why this session ended (the logout signal sees it).
        request.heli_logout_reason = f"session_{why}"  # type: ignore[attr-defined]
        logout(request)
        if why == sessions.IDLE:
            text = _(
                "You were signed out after %(minutes)d minutes without activity. "
                "Please sign in again."
            ) % {"minutes": policy.idle_minutes}
        else:
            text = _(
                "You were signed out because a session lasts at most %(hours)d hours. "
                "Please sign in again."
            ) % {"hours": policy.absolute_hours}
        messages.warning(request, text)
        if getattr(request, "htmx", False):
            return self._redirect(request, reverse(settings.LOGIN_URL), with_next=False)
        return redirect_to_login(path)

    @staticmethod
    def _page_name(request: HttpRequest) -> str:
        if request.path_info.startswith(settings.STATIC_URL):
            return "set_language"  # static files are always open
        try:
            return resolve(request.path_info).view_name
        except Resolver404:
            return ""

    @staticmethod
    def _redirect(request: HttpRequest, url: str, *, with_next: bool) -> HttpResponse:
        if with_next and request.method == "GET" and not getattr(request, "htmx", False):
            url = f"{url}?{urlencode({'next': request.get_full_path()})}"
        if getattr(request, "htmx", False):
            # htmx would swap the target page into a fragment: make it a full navigation.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return HttpResponseRedirect(url)


def password_must_change(user: object, policy: SecurityPolicy) -> bool:
    """Set by an administrator (or new), or older than the committee's maximum age."""
    if getattr(user, "must_change_password", False):
        return True
    changed = getattr(user, "password_changed_at", None)
    if changed is None:
        return False
    return bool(timezone.now() - changed >= datetime.timedelta(days=policy.max_age_days))
