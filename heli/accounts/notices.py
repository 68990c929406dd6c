"""Notices the accounts area owes people: a reset of their password, a sign-in with it.

Accounts sits below the notification centre and may not import it, so it announces each
notice on ``notice_due`` and the centre (``heli.notifications``) delivers it: in the
person's notification list, and by email where that is on. Announced inside the
caller's transaction; the centre writes its rows there too and sends after commit, so a
rolled-back change tells no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.dispatch import Signal

# Sent with ``committee`` and ``notice`` (a ``Notice``).
notice_due = Signal()

# The notification kind of these notices (the centre's ``kind`` field).
KIND = "accounts.security"


@dataclass(frozen=True)
class Notice:
    """One message to people of one committee; ``key`` makes it once per person."""

    key: str
    recipients: Sequence[Any]
    title: str
    body: str = ""
    url: str = ""
    kind: str = KIND


def send(committee: Any, notice: Notice) -> None:
    if committee is None or not notice.recipients:
        return
    notice_due.send(sender=Notice, committee=committee, notice=notice)
