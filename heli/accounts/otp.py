"""Time-based one-time passwords (TOTP, RFC 6238) with django-otp: devices and QR codes.

Each user has at most one TOTP device. An unconfirmed device is a key offered during
enrolment; it becomes the user's second factor once a first code from it is accepted.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from heli.accounts.models import ADMIN_ROLES, SecurityPolicy
from heli.accounts.policy import scope_of

# RFC 6238 parameters, written out rather than left to the library's defaults.
STEP_SECONDS = 30
DIGITS = 6
TOLERANCE_STEPS = 1  # the previous, current and next code are accepted
DEVICE_NAME = "TOTP"

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
