"""One-time passwords that administrators issue, and the check a sign-in with one waits for.

三员分立 (L3-CES1-08): the system administrator who creates an account or resets a
password sees its one-time password, so that password alone must not let anyone in — not
even its issuer. A sign-in with it is held on a waiting page that shows a six-digit code.
The person tells that code to a security administrator (another of the three
administrators), who confirms it on the "Sign-ins to confirm" page once sure they are
speaking to the owner. Only then may the person choose their own password, and only that
session gets through: the code binds the confirmation to it. A person who already has
their own second factor proves it with a code from their phone instead; the issuer does
not have the phone.

The account's owner is told of every reset and of the first sign-in after it
(``heli.accounts.notices``); both are audited.
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import secrets
from enum import Enum
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from heli.accounts import notices
from heli.accounts.models import IssuedPassword, Role, RoleAssignment, SignInCheck, User
from heli.audit import events
from heli.audit.actions import record
from heli.lib.http import client_ip

# What the session keeps: the check it waits on and the code it shows, then "confirmed".
SESSION_KEY = "heli_sign_in_check"
CODE_DIGITS = 6
# A waiting sign-in may be confirmed for this long; then the person signs in again.
CONFIRM_WITHIN = datetime.timedelta(minutes=30)
_DIGEST_SALT = "heli.accounts.issued.code"


class State(Enum):
    """Where a session signed in with an issued password stands."""

    NONE = "none"  # no issued password: nothing to wait for
    WAITING = "waiting"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    EXPIRED = "expired"


def open_issue(user: Any) -> IssuedPassword | None:
    return IssuedPassword.objects.filter(user_id=user.pk, closed_at__isnull=True).first()


def issue(user: User, issued_by: User, reason: str) -> IssuedPassword:
    """Record that ``issued_by`` set ``user``'s password; an older open one is closed."""
    now = timezone.now()
    IssuedPassword.objects.filter(user=user, closed_at__isnull=True).update(closed_at=now)
    return IssuedPassword.objects.create(
        user=user, issued_by=issued_by, reason=reason, issued_at=now
    )


def close(user: Any) -> None:
    """The owner chose their own password: nothing is left to confirm."""
    IssuedPassword.objects.filter(user_id=user.pk, closed_at__isnull=True).update(
        closed_at=timezone.now()
    )


def security_administrators(committee: Any, *, excluding: tuple[Any, ...] = ()) -> list[User]:
    """The committee's active security administrators, who confirm these sign-ins."""
    ids = RoleAssignment.objects.filter(committee=committee, role=Role.SECADMIN).values("user_id")
    people = User.objects.filter(pk__in=ids, is_active=True).exclude(
        pk__in=[p.pk for p in excluding if p is not None]
    )
    return list(people.order_by("id"))


def _digest(code: str) -> str:
    return salted_hmac(_DIGEST_SALT, code, algorithm="sha256").hexdigest()


def code_matches(check: SignInCheck, code: str) -> bool:
    return hmac.compare_digest(check.code_digest, _digest(code.strip()))


def is_expired(check: SignInCheck) -> bool:
    return timezone.now() - check.created_at > CONFIRM_WITHIN


def _address(request: HttpRequest) -> str | None:
    raw = client_ip(request)
    try:
        return str(ipaddress.ip_address(raw)) if raw else None
    except ValueError:
        return None


def _when(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def start_check(request: HttpRequest, user: User) -> SignInCheck | None:
    """A sign-in with an issued password: hold this session until it is confirmed.

    Returns None when the user has no open issued password. The first sign-in after an
    issue is audited and its owner told; each waiting sign-in is announced to the
    security administrators.
    """
    issued = open_issue(user)
    if issued is None:
        request.session[SESSION_KEY] = {"state": State.NONE.value}
        return None
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    address = _address(request)
    check = SignInCheck.objects.create(
        issued=issued,
        code_digest=_digest(code),
        ip_address=address,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:200],
    )
    request.session[SESSION_KEY] = {"id": check.pk, "code": code}
    committee = user.committee
    with translation.override(settings.LANGUAGE_CODE):
        if issued.first_sign_in_at is None:
            issued.first_sign_in_at = check.created_at
            issued.save(update_fields=["first_sign_in_at"])
            record(
                events.PASSWORD_FIRST_SIGN_IN,
                request=request,
                user=user,
                obj=user,
                detail={"issued": issued.pk, "reason": issued.reason, "check": check.pk},
            )
            notices.send(
                committee,
                notices.Notice(
                    key=f"accounts.first_sign_in:{issued.pk}",
                    recipients=[user],
                    title=_("Your account was signed in to with a one-time password"),
                    body=_(
                        "On %(time)s someone signed in to your account from %(address)s "
                        "with the one-time password an administrator set. If that was not "
                        "you, tell the security administrator at once."
                    )
                    % {"time": _when(check.created_at), "address": address or "?"},
                    url=reverse("accounts:password_change"),
                ),
            )
        notices.send(
            committee,
            notices.Notice(
                key=f"accounts.sign_in_check:{check.pk}",
                recipients=security_administrators(committee, excluding=(user, issued.issued_by)),
                title=_("%(name)s is waiting for you to confirm a sign-in")
                % {"name": user.get_full_name()},
                body=_(
                    "Confirm it only with the code the person reads out to you, after "
                    "making sure you are speaking to them."
                ),
                url=reverse("accounts:sign_in_checks"),
            ),
        )
    return check


def session_state(request: HttpRequest, user: User) -> State:
    """Where this session stands; a query only while it has not been confirmed.

    Called for users who must change their password (only they can hold an issued one).
    """
    mark = request.session.get(SESSION_KEY)
    if not isinstance(mark, dict) or ("id" not in mark and "state" not in mark):
        # Signed in before this check existed, or by a path without the sign-in signal.
        start_check(request, user)
        mark = request.session.get(SESSION_KEY) or {}
    if mark.get("state") in (State.NONE.value, State.CONFIRMED.value):
        return State(mark["state"])
    check = SignInCheck.objects.filter(pk=int(mark.get("id") or 0), issued__user_id=user.pk).first()
    if check is None or check.status == SignInCheck.Status.REFUSED:
        return State.REFUSED
    if check.status == SignInCheck.Status.CONFIRMED:
        request.session[SESSION_KEY] = {"id": check.pk, "state": State.CONFIRMED.value}
        return State.CONFIRMED
    if is_expired(check):
        return State.EXPIRED
    return State.WAITING


def session_code(request: HttpRequest) -> str:
    mark = request.session.get(SESSION_KEY)
    return str(mark.get("code", "")) if isinstance(mark, dict) else ""


def waiting_checks(committee: Any) -> Any:
    """The committee's sign-ins still waiting for a security administrator, newest first."""
    return (
        SignInCheck.objects.filter(
            issued__user__committee=committee,
            issued__closed_at__isnull=True,
            status=SignInCheck.Status.WAITING,
            created_at__gte=timezone.now() - CONFIRM_WITHIN,
        )
        .select_related("issued__user", "issued__issued_by")
        .order_by("-created_at", "-id")
    )
