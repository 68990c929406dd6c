"""The reminder kinds the ``send_reminders`` command knows. Apps register theirs.

A kind is a code, a label for people and a ``due(committee, today)`` function that
yields the reminders due on that day. The command calls every kind for every
committee, once a day; it is safe to yield the same reminder every day, because a
reminder's key is delivered to a person (and to a robot) at most once. Put the period
in the key to repeat a reminder: ``f"{task.pk}:{today:%G-W%V}"`` reminds once a week,
``f"{task.pk}:{task.deadline}"`` once per deadline.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from heli.org.models import Committee

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")


@dataclass(frozen=True)
class Reminder:
    """One reminder due today: who gets it, its key within the kind, and what it says.

    ``key`` identifies the object and period within the kind (``"123:2026-11-26"``); the
    stored key is ``"<kind code>:<key>"``. ``recipients`` are users of the committee
    (others are skipped). ``to_robots``: also post it to the committee's group robots.
    """

    key: str
    title: str
    recipients: Iterable[Any] = ()
    body: str = ""
    url: str = ""
    to_robots: bool = False


DueFunction = Callable[["Committee", datetime.date], Iterable[Reminder]]


@dataclass(frozen=True)
class ReminderKind:
    """A kind of reminder: ``code`` like ``"tracking.overdue"``, a label, and ``due``."""

    code: str
    label: str | Promise
    due: DueFunction = field(compare=False)


_KINDS: dict[str, ReminderKind] = {}


def register(kind: ReminderKind) -> ReminderKind:
    """Add a kind. Registering the same code again replaces it (module reloads)."""
    if not CODE_RE.match(kind.code):
        raise ValueError(f"reminder kind code {kind.code!r} must look like 'app.name'")
    _KINDS[kind.code] = kind
    return kind


def reminder(code: str, label: str | Promise) -> Callable[[DueFunction], DueFunction]:
    """Decorator form of ``register``: ``@reminder("tracking.overdue", _("Overdue tasks"))``."""

    def decorate(due: DueFunction) -> DueFunction:
        register(ReminderKind(code=code, label=label, due=due))
        return due

    return decorate


def unregister(code: str) -> None:
    _KINDS.pop(code, None)


def kinds() -> list[ReminderKind]:
    """Every registered kind, by code."""
    return [_KINDS[code] for code in sorted(_KINDS)]


def get(code: str) -> ReminderKind | None:
    return _KINDS.get(code)


@contextmanager
def only(*registered: ReminderKind) -> Iterator[None]:
    """For tests: exactly these kinds are registered inside the block."""
    saved = dict(_KINDS)
    _KINDS.clear()
    try:
        for kind in registered:
            register(kind)
        yield
    finally:
        _KINDS.clear()
        _KINDS.update(saved)
