"""A task's deadline state — its colour — and the status sets every page shares.

One rule, used by the task list, the wall chart, the board, the exports, the dashboards
and the reminders: grey closed, red overdue, amber due within :data:`SOON_DAYS` days,
blue kept under follow-up on purpose (持续跟踪, whatever its deadline), green on track.
No database here: :mod:`heli.tracking.queries` turns the same rule into query conditions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from heli.tracking.workflow import OPEN_WORK, Status

# Worst first: a wall-chart cell takes the colour of the worst task inside it.
STATES = ("overdue", "soon", "long_running", "ok", "closed")
# How many days ahead a deadline turns a task amber and reminds its lead unit.
SOON_DAYS = 7
# Each state's colour, as heli.css draws it (--heli-overdue, soon, long-running, ok,
# closed), for what is not a web page: the Excel exports' fills.
COLOURS = {
    "overdue": "C0392B",
    "soon": "A35200",
    "long_running": "2E6DA4",
    "ok": "1A7340",
    "closed": "5F6A6A",
}
# A withdrawn task (撤销) has no colour on any chart: it is on none. Its own page reads it.
WITHDRAWN_STATE = "withdrawn"

# The lead unit owes work, and may report progress: signed for, not yet reported done.
UNIT_OWES_WORK: frozenset[Status] = frozenset(OPEN_WORK)
# The deadline is running: not closed, not waiting for the department's verdict, not
# kept open on purpose (持续跟踪). These tasks are reminded of their deadline.
DEADLINE_RUNNING: frozenset[Status] = frozenset(
    {Status.ASSIGNED, Status.RECEIVED, Status.IN_PROGRESS, Status.RETURNED}
)
# Coloured by their status whatever their deadline.
UNDATED: frozenset[Status] = frozenset({Status.CLOSED, Status.LONG_RUNNING, Status.WITHDRAWN})


def soon_until(today: datetime.date) -> datetime.date:
    """The last deadline that counts as due soon."""
    return today + datetime.timedelta(days=SOON_DAYS)


def state_of(status: str, deadline: datetime.date, today: datetime.date) -> str:
    """A task's colour: grey closed, red overdue, amber due soon, blue long-running, green
    on track.

    Long-running tasks (持续跟踪) have their own colour whatever their deadline: the
    department keeps them open on purpose without calling them late or due soon.
    """
    if status == Status.CLOSED:
        return "closed"
    if status == Status.LONG_RUNNING:
        return "long_running"
    if status == Status.WITHDRAWN:
        return WITHDRAWN_STATE
    if deadline < today:
        return "overdue"
    if deadline <= soon_until(today):
        return "soon"
    return "ok"


def worst(states: Iterable[str]) -> str | None:
    """The worst of some states (in the order of :data:`STATES`); None when there are none."""
    found = set(states)
    return next((s for s in STATES if s in found), None)


def state_labels() -> dict[str, str]:
    """How each state reads, worst first, in the current language."""
    return {
        "overdue": _("Overdue"),
        "soon": _("Due within %(days)s days") % {"days": SOON_DAYS},
        "long_running": _("Long-running, kept under follow-up"),
        "ok": _("On track"),
        "closed": _("Closed"),
    }


def state_marks() -> dict[str, str]:
    """Each state's one-letter mark, worst first, in the current language: a wall-chart
    cell carries it beside its count, so the chart reads without colour (grey-scale print,
    colour blindness) as well as with it."""
    return {
        # Translators: one character marking an overdue cell of the wall chart (逾).
        "overdue": pgettext("wall chart mark", "O"),
        # Translators: one character marking a cell due soon (近).
        "soon": pgettext("wall chart mark", "D"),
        # Translators: one character marking a long-running cell (持续跟踪: 持).
        "long_running": pgettext("wall chart mark", "L"),
        # Translators: one character marking a cell on track (正).
        "ok": pgettext("wall chart mark", "T"),
        # Translators: one character marking a closed cell (已销号: 销).
        "closed": pgettext("wall chart mark", "C"),
    }
