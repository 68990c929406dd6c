"""Sign-in lockout on top of django-axes: two limits, when a lock ends, who is locked.

django-axes keeps one ``AccessAttempt`` row per (username, address, user agent) with
the number of failures and the time of the latest. Failures are added up twice, and
each sum has its own limit:

- per account: the recent failures of a username, over every address, lock that
  account at ``LOGIN_FAILURE_LIMIT`` (5). One person's typing mistakes lock only them.
- per address: the recent failures from one source address, over every username, lock
  that address at ``LOGIN_ADDRESS_FAILURE_LIMIT`` (50). A whole office behind one NAT
  address is not locked by one colleague; someone trying many accounts from one
  address is.

``AccountAndAddressHandler`` (``AXES_HANDLER``) applies both limits. Rows older than
``AXES_COOLOFF_TIME`` no longer count, so a lock ends when enough of them age out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from axes.conf import settings as axes_settings
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.lib.http import client_ip

ACCOUNT = "account"
ADDRESS = "address"
_COLUMN = {ACCOUNT: "username", ADDRESS: "ip_address"}


def failure_limit() -> int:
    """Failures in a row that lock an account (``LOGIN_FAILURE_LIMIT``)."""
    return int(axes_settings.AXES_FAILURE_LIMIT)


def address_failure_limit() -> int:
    """Failures from one address, over all accounts, that lock it (``LOGIN_ADDRESS_FAILURE_LIMIT``)."""
    return int(getattr(settings, "LOGIN_ADDRESS_FAILURE_LIMIT", 50))


def limit_of(kind: str) -> int:
    return failure_limit() if kind == ACCOUNT else address_failure_limit()


def cool_off() -> datetime.timedelta:
    value = get_cool_off()
    if value is None:
        raise ImproperlyConfigured("AXES_COOLOFF_TIME must be set: a lock must end.")
    return value


def lockout_minutes() -> int:
    return int(cool_off().total_seconds() // 60)


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


def _rows(kind: str, value: str) -> list[tuple[datetime.datetime, int]]:
    since = timezone.now() - cool_off()
    return list(
        AccessAttempt.objects.filter(**{_COLUMN[kind]: value}, attempt_time__gte=since).values_list(
            "attempt_time", "failures_since_start"
        )
    )


def failures(kind: str, value: str | None) -> int:
    """The recent failures of an account (``kind=ACCOUNT``) or from an address."""
    if not value:
        return 0
    return sum(n for _when, n in _rows(kind, value))


@dataclass
class LockState:
    """Whether sign-in for a username from an address is locked, and by what."""

    username: str
    ip_address: str
    account_until: datetime.datetime | None = None
    address_until: datetime.datetime | None = None

    @property
    def until(self) -> datetime.datetime | None:
        ends = [t for t in (self.account_until, self.address_until) if t is not None]
        return max(ends) if ends else None


def lock_state(username: str | None, ip_address: str | None) -> LockState:
    state = LockState(username or "", ip_address or "")
    if username:
        state.account_until = _ends_at(_rows(ACCOUNT, username), failure_limit())
    if ip_address:
        state.address_until = _ends_at(_rows(ADDRESS, ip_address), address_failure_limit())
    return state


def lock_ends_at(username: str | None, ip_address: str | None) -> datetime.datetime | None:
    """When sign-in for this username from this address opens again (None: it is open)."""
    return lock_state(username, ip_address).until


def tries_left(username: str | None, ip_address: str | None) -> tuple[int, str]:
    """How many more failures lock this sign-in, and which lock (ACCOUNT or ADDRESS) that is."""
    options = []
    if username:
        options.append((failure_limit() - failures(ACCOUNT, username), ACCOUNT))
    if ip_address:
        options.append((address_failure_limit() - failures(ADDRESS, ip_address), ADDRESS))
    if not options:
        return failure_limit(), ACCOUNT
    left, kind = min(options, key=lambda option: option[0])  # a tie: the account's
    return max(0, left), kind


def tries_left_text(username: str | None, ip_address: str | None) -> str:
    """The sentence after a failure: how many more lock what, for how long."""
    left, kind = tries_left(username, ip_address)
    minutes = lockout_minutes()
    if kind == ADDRESS:
        return ngettext(
            "%(left)d more failure locks sign-in from your network address for %(minutes)d "
            "minutes.",
            "%(left)d more failures lock sign-in from your network address for %(minutes)d "
            "minutes.",
            left,
        ) % {"left": left, "minutes": minutes}
    return ngettext(
        "%(left)d more failure locks this account for %(minutes)d minutes.",
        "%(left)d more failures lock this account for %(minutes)d minutes.",
        left,
    ) % {"left": left, "minutes": minutes}


def shown_time(when: datetime.datetime) -> str:
    """A lock's end as HH:MM, rounded up: at the minute shown it is surely open."""
    local = timezone.localtime(when)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + datetime.timedelta(minutes=1)
    return local.strftime("%H:%M")


def lock_messages(state: LockState) -> list[tuple[str, str]]:
    """What the locked sign-in page says, as (element id, text): each lock on its own."""
    result = []
    if state.account_until is not None:
        limit = failure_limit()
        result.append(
            (
                "account-locked",
                ngettext(
                    "This account is locked after %(limit)d failed attempt (password or "
                    "one-time code) until %(time)s. To sign in sooner, ask the security "
                    "administrator to unlock it.",
                    "This account is locked after %(limit)d failed attempts in a row (password "
                    "or one-time code) until %(time)s. To sign in sooner, ask the security "
                    "administrator to unlock it.",
                    limit,
                )
                % {"limit": limit, "time": shown_time(state.account_until)},
            )
        )
    if state.address_until is not None:
        result.append(
            (
                "address-locked",
                _(
                    "Too many failed sign-ins (%(limit)d) came from your network address "
                    "%(address)s, over several accounts. Sign-in from this address reopens at "
                    "%(time)s; the security administrator can reopen it sooner."
                )
                % {
                    "limit": address_failure_limit(),
                    "address": state.ip_address,
                    "time": shown_time(state.address_until),
                },
            )
        )
    return result


def request_ip(request: HttpRequest) -> str | None:
    """The address failures from this request are counted against."""
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the sign-in page again, saying what is locked until when."""
    username = get_client_username(request, credentials) or ""
    state = lock_state(username, request_ip(request))
    # Unbound, so that rendering it runs no validation (and no authentication).
    form = AuthenticationForm(request, initial={"username": username})
    context = {
        "form": form,
        "locked_until": timezone.localtime(state.until) if state.until else None,
        "lock_messages": lock_messages(state),
        "next": request.POST.get("next", "") if request.method == "POST" else "",
    }
    return render(
        request,
        "accounts/login.html",
        context,
        status=int(axes_settings.AXES_HTTP_RESPONSE_CODE),
    )


class AccountAndAddressHandler(AxesDatabaseHandler):
    """``AXES_HANDLER``: axes' database handler with a limit per account and one per address.

    Axes compares one sum with one limit. Here ``get_failures`` is the account's sum
    (what axes compares with ``AXES_FAILURE_LIMIT``), and the address's sum is compared
    with its own, higher limit.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        return failures(ACCOUNT, get_client_username(request, credentials))

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        if not axes_settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        if self.get_failures(request, credentials) >= failure_limit():
            return True
        address = getattr(request, "axes_ip_address", None)
        return failures(ADDRESS, address) >= address_failure_limit()

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        # Records the failure; locks (and signals) when the account reached its limit.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or getattr(request, "axes_locked_out", False):
            return
        if not axes_settings.AXES_LOCK_OUT_AT_FAILURE or self.is_whitelisted(request, credentials):
            return
        address = getattr(request, "axes_ip_address", None)
        if failures(ADDRESS, address) >= address_failure_limit():
            request.axes_locked_out = True  # type: ignore[attr-defined]
            request.axes_credentials = credentials  # type: ignore[attr-defined]
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=address,
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

    @property
    def until_shown(self) -> str:
        """HH:MM as the locked person is told it (rounded up)."""
        return shown_time(self.until)


@dataclass
class Locks:
    accounts: list[Lock]
    addresses: list[Lock]
    account_limit: int = 0
    address_limit: int = 0
    minutes: int = 0


def current_locks(committee_usernames: Any) -> Locks:
    """The committee's locked accounts, and the addresses locked while trying them.

    ``committee_usernames`` is a query of the committee's usernames. Two queries.
    """
    since = timezone.now() - cool_off()
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
    for username, _ip, when, count in ours:
        by_user[username].append((when, count))
    by_ip: dict[str, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    tried: dict[str, set[str]] = defaultdict(set)
    for username, ip, when, count in from_those:
        by_ip[ip].append((when, count))
        tried[ip].add(username or "")
    locks = Locks([], [], failure_limit(), address_failure_limit(), lockout_minutes())
    for username, rows in sorted(by_user.items()):
        until = _ends_at(rows, locks.account_limit)
        if until is not None:
            locks.accounts.append(Lock(username, until, sum(n for _t, n in rows)))
    for ip, rows in sorted(by_ip.items()):
        until = _ends_at(rows, locks.address_limit)
        if until is not None:
            locks.addresses.append(
                Lock(ip, until, sum(n for _t, n in rows), usernames=sorted(tried[ip]))
            )
    return locks


def locked_usernames(committee_usernames: Any) -> set[str]:
    return {lock.key for lock in current_locks(committee_usernames).accounts}


def unlock(*, username: str | None = None, ip_address: str | None = None) -> int:
    """Forget the failures of an account (from every address) or of an address.

    Unlocking an account also ends the wait its two-step device imposes after wrong
    codes (``heli.accounts.otp``): the person can sign in at once, both steps.
    """
    if username:
        TOTPDevice.objects.filter(user__username=username).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )
        return int(AxesProxyHandler.reset_attempts(username=username))
    if ip_address:
        return int(AxesProxyHandler.reset_attempts(ip_address=ip_address))
    return 0
