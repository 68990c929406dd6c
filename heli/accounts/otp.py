"""Time-based one-time passwords (TOTP, RFC 6238) with django-otp: devices and QR codes.

Each user has at most one TOTP device. An unconfirmed device is a key offered during
enrolment; it becomes the user's second factor once a first code from it is accepted.

Wrong codes: the first ``FREE_WRONG_CODES`` in a row may be followed at once by
another try (a mistyped digit, a code that changed while typing). From then on each
wrong code makes the next try wait, 30 seconds and doubling, never longer than the
sign-in lock. The count is django-otp's (``throttling_failure_count``, reset by a right
code); django-otp's own wait, which starts at the first wrong code, is switched off
(``OTP_TOTP_THROTTLE_FACTOR = 0``), so every check must go through ``check_code``. Each
wrong code also counts towards the account's sign-in lockout (``heli.accounts.lockout``).
"""

from __future__ import annotations

import datetime
import enum
from base64 import b32encode
from typing import Any

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts import lockout
from heli.accounts.models import ADMIN_ROLES, SecurityPolicy
from heli.accounts.policy import scope_of

# RFC 6238 parameters, written out rather than left to the library's defaults.
STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1  # the previous, current and next code are accepted
DEVICE_NAME = "TOTP"

# Wrong codes in a row after which the next try waits, and the first wait (doubling).
FREE_WRONG_CODES = 2
FIRST_WAIT = datetime.timedelta(seconds=30)

# Session key: the user had a confirmed device when signing in, so must verify a code.
SESSION_HAS_DEVICE = "heli_otp_device"


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("id").first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device offered to the user, made on first need."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user,
            name=DEVICE_NAME,
            confirmed=False,
            step=STEP_SECONDS,
            digits=DIGITS,
            tolerance=TOLERANCE_STEPS,
        )
    return device


def is_admin(user: Any) -> bool:
    return bool(scope_of(user).roles & ADMIN_ROLES)


def required_for(user: Any, policy: SecurityPolicy) -> bool:
    """Whether the user may not work without a second factor (the three administrators)."""
    return policy.otp_required_for_admins and is_admin(user)


def key_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator."""
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The ``otpauth://`` address as an SVG QR code in a ``data:`` URI (made here, offline)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


class Check(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    NOT_YET = "not_yet"  # within the wait after wrong codes: not checked at all


def wait_until(device: TOTPDevice) -> datetime.datetime | None:
    """Until when the device takes no code after the wrong ones before (None: it takes one)."""
    wrong = int(device.throttling_failure_count or 0)
    last = device.throttling_failure_timestamp
    if wrong <= FREE_WRONG_CODES or last is None:
        return None
    doublings = min(wrong - FREE_WRONG_CODES - 1, 16)
    until = last + min(FIRST_WAIT * 2**doublings, lockout.cool_off())
    return until if until > timezone.now() else None


def check_code(device: TOTPDevice, code: str) -> Check:
    """Check a code against the device, unless it must wait. Call with the row locked."""
    if wait_until(device) is not None:
        return Check.NOT_YET
    return Check.ACCEPTED if device.verify_token(code) else Check.WRONG


def _wait_words(until: datetime.datetime) -> dict[str, Any]:
    seconds = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    return {"time": timezone.localtime(until).strftime("%H:%M:%S"), "seconds": seconds}


def refusal_text(device: TOTPDevice, username: str, ip_address: str | None) -> str:
    """What the form says after a wrong code that did not lock: when to try, how many remain."""
    until = wait_until(device)
    if until is None:
        first = _("The code is not right. Check the time on your phone and enter the newest code.")
    else:
        first = _(
            "The code is not right. Enter the newest code after %(time)s (in %(seconds)d seconds)."
        ) % _wait_words(until)
    return _("%(first)s %(then)s") % {
        "first": first,
        "then": lockout.tries_left_text(username, ip_address),
    }


def wait_text(until: datetime.datetime) -> str:
    """When the device takes the next code, after several wrong ones."""
    return _(
        "After several wrong codes in a row the next one is taken only after %(time)s "
        "(in %(seconds)d seconds)."
    ) % _wait_words(until)


def not_yet_text(until: datetime.datetime) -> str:
    """What the form says to a code sent during the wait."""
    return _("This code was not checked. %(wait)s") % {"wait": wait_text(until)}
