"""Sign-in lockout on top of django-axes: when it ends, who is locked, and the page that says so.

django-axes keeps one ``AccessAttempt`` row per (username, address, user agent) with
the number of failures and the time of the latest. With ``AXES_LOCKOUT_PARAMETERS =
[["username"], ["ip_address"]]`` it adds up the recent failures of the username (over
every address) and, separately, of the address (over every username), and refuses
the sign-in when either sum reaches ``AXES_FAILURE_LIMIT``. Rows older than
``AXES_COOLOFF_TIME`` no longer count, so a lock ends when enough of them age out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from axes.conf import settings as axes_settings
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def failure_limit() -> int:
    return int(axes_settings.AXES_FAILURE_LIMIT)


def cool_off() -> datetime.timedelta:
    value = get_cool_off()
    if value is None:
        raise ImproperlyConfigured("AXES_COOLOFF_TIME must be set: a lock must end.")
    return value


def _ends_at(rows: Iterable[tuple[datetime.datetime, int]], limit: int) -> datetime.datetime | None:
    """When a lock over ``rows`` (time of latest failure, failures) ends, or None if none.

    Newest first, the failures add up to the limit at some row; the lock lasts until
    that row ages out, because from then on the rows still counted fall short.
    """
    total = 0
    for when, failures in sorted(rows, key=lambda row: row[0], reverse=True):
        total += failures
        if total >= limit:
            return when + cool_off()
    return None


def lock_ends_at(username: str | None, ip_address: str | None) -> datetime.datetime | None:
    """When sign-in for this username from this address opens again (None: it is open)."""
    since = timezone.now() - cool_off()
    ends = []
    for column, value in (("username", username), ("ip_address", ip_address)):
        if not value:
            continue
        rows = AccessAttempt.objects.filter(**{column: value}, attempt_time__gte=since).values_list(
            "attempt_time", "failures_since_start"
        )
        end = _ends_at(rows, failure_limit())
        if end is not None:
            ends.append(end)
    return max(ends) if ends else None


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the sign-in page again, saying until when it is locked."""
    username = get_client_username(request, credentials) or ""
    ends = lock_ends_at(username, getattr(request, "axes_ip_address", None))
    # Unbound, so that rendering it runs no validation (and no authentication).
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_until": timezone.localtime(ends) if ends else None,
        "failure_limit": get_failure_limit(request, credentials),
        "lockout_minutes": int(cool_off().total_seconds() // 60),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(
        request,
        "accounts/login.html",
        context,
        status=int(axes_settings.AXES_HTTP_RESPONSE_CODE),
    )


def count_failure(request: HttpRequest, username: str) -> bool:
    """Count a wrong second factor or re-entered password like a failed sign-in.

    Calls the axes handler directly rather than sending ``user_login_failed``: the
    sign-in audit listens to that signal, and these failures are audited as what they
    are by the caller. Returns True when the account or the address is now locked.
    """
    credentials = {axes_settings.AXES_USERNAME_FORM_FIELD: username}
    AxesProxyHandler.user_login_failed(
        sender=count_failure, credentials=credentials, request=request
    )
    return bool(getattr(request, "axes_locked_out", False)) or is_locked(request, username)


def is_locked(request: HttpRequest, username: str) -> bool:
    credentials = {axes_settings.AXES_USERNAME_FORM_FIELD: username}
    return not AxesProxyHandler.is_allowed(request, credentials)


def forget_failures(username: str) -> None:
    """A completed sign-in ends the run of consecutive failures of that account.

    Axes's own ``AXES_RESET_ON_SUCCESS`` would also clear every failure from the same
    address, against any account: one good sign-in would wipe an attacker's count.
    """
    AccessAttempt.objects.filter(username=username).delete()


@dataclass
class Lock:
    """One current lock: of an account (username) or of a source address."""

    key: str
    until: datetime.datetime
    failures: int
    usernames: list[str] = field(default_factory=list)  # for an address: who was tried
    user: Any = None  # for an account: the User, when it belongs to the committee


@dataclass
class Locks:
    accounts: list[Lock]
    addresses: list[Lock]


def current_locks(committee_usernames: Any) -> Locks:
    """The committee's locked accounts, and the addresses locked while trying them.

    ``committee_usernames`` is a query of the committee's usernames. Two queries.
    """
    since = timezone.now() - cool_off()
    limit = failure_limit()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    ours = list(
        recent.filter(username__in=committee_usernames).values_list(
            "username", "ip_address", "attempt_time", "failures_since_start"
        )
    )
    addresses = {ip for _u, ip, _t, _n in ours if ip}
    from_those = list(
        recent.filter(Q(ip_address__in=addresses)).values_list(
            "username", "ip_address", "attempt_time", "failures_since_start"
        )
    )
    by_user: dict[str, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    for username, _ip, when, failures in ours:
        by_user[username].append((when, failures))
    by_ip: dict[str, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    tried: dict[str, set[str]] = defaultdict(set)
    for username, ip, when, failures in from_those:
        by_ip[ip].append((when, failures))
        tried[ip].add(username or "")
    accounts = []
    for username, rows in sorted(by_user.items()):
        until = _ends_at(rows, limit)
        if until is not None:
            accounts.append(Lock(username, until, sum(n for _t, n in rows)))
    locked_addresses = []
    for ip, rows in sorted(by_ip.items()):
        until = _ends_at(rows, limit)
        if until is not None:
            locked_addresses.append(
                Lock(ip, until, sum(n for _t, n in rows), usernames=sorted(tried[ip]))
            )
    return Locks(accounts, locked_addresses)


def locked_usernames(committee_usernames: Any) -> set[str]:
    return {lock.key for lock in current_locks(committee_usernames).accounts}


def unlock(*, username: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failures of an account (from every address) or of an address."""
    if username:
        return AxesProxyHandler.reset_attempts(username=username)
    if ip_address:
        return AxesProxyHandler.reset_attempts(ip_address=ip_address)
    return 0
