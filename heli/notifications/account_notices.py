"""Delivers the accounts area's notices (``heli.accounts.notices``): a reset of someone's
password and the first sign-in after it reach that person like any other notification."""

from __future__ import annotations

from typing import Any

from heli.accounts import notices
from heli.notifications.actions import notify


def deliver(sender: Any, committee: Any, notice: notices.Notice, **kwargs: Any) -> None:
    notify(
        committee,
        notice.kind,
        notice.key,
        notice.recipients,
        title=notice.title,
        body=notice.body,
        url=notice.url,
    )


def connect() -> None:
    notices.notice_due.connect(deliver, dispatch_uid="heli.notifications.account_notices")
