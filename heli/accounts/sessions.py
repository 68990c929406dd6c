"""Session limits: an idle session ends, and every session ends some hours after sign-in.

Both limits come from the committee's policy (30 minutes and 12 hours by default).
The sign-in time and the time of the latest activity are kept in the session itself,
on the server; the session cookie lives until the browser closes.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.sessions.backends.base import SessionBase

from heli.accounts.models import SecurityPolicy

SIGNED_IN_AT = "heli_signed_in_at"
SEEN_AT = "heli_seen_at"
# Activity is written back at most this often: one session write a minute, not one
# per request. An idle session may therefore end up to this much early, never late.
SEEN_GRANULARITY_SECONDS = 60

IDLE = "idle"
ABSOLUTE = "absolute"


def start(session: SessionBase, now: float | None = None) -> None:
    """Stamp a session that has just been signed in to."""
    now = time.time() if now is None else now
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now
    # A session cookie: gone when the browser closes, which a shared office PC needs.
    # The server-side row keeps SESSION_COOKIE_AGE, longer than any limit below, so the
    # limits are enforced here with a message rather than by a silently missing row.
    session.set_expiry(0)


def expired(session: SessionBase, policy: SecurityPolicy, now: float | None = None) -> str:
    """Which limit the session has passed ("" if none), noting the activity if it has not."""
    now = time.time() if now is None else now
    signed_in_at = _stamp(session, SIGNED_IN_AT)
    seen_at = _stamp(session, SEEN_AT)
    if signed_in_at is None or seen_at is None:
        # Signed in before these limits existed, or stamps tampered with: start afresh
        # rather than trust nothing; the 12 hours count from now.
        start(session, now)
        return ""
    if now - signed_in_at >= policy.absolute_hours * 3600:
        return ABSOLUTE
    if now - seen_at >= policy.idle_minutes * 60:
        return IDLE
    if now - seen_at >= SEEN_GRANULARITY_SECONDS:
        session[SEEN_AT] = now
    return ""


def _stamp(session: SessionBase, key: str) -> float | None:
    value: Any = session.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
