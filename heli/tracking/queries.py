"""The tasks' QuerySet: the status sets and the colour rule of :mod:`heli.tracking.states`
as query conditions, for the lists, the reminders, the wall chart and the dashboards.

:meth:`TaskQuerySet.live` is the one rule that takes withdrawn tasks (撤销) out: every
list, count, chart, board, dashboard, export and reminder reads tasks through it
(``heli.tracking.lists.visible_tasks`` for people, the reminders for the committee);
only a task's own page reads a withdrawn task.
"""

from __future__ import annotations

import datetime
from typing import Self, TypeVar

from django.db import models
from django.db.models import Q

from heli.tracking import states
from heli.tracking.workflow import Status

# The task model; named by a type variable so this module need not import the models,
# which import it.
_T = TypeVar("_T", bound=models.Model)


def due_soon_q(today: datetime.date) -> Q:
    """A deadline from today to :data:`states.SOON_DAYS` days ahead."""
    return Q(deadline__gte=today, deadline__lte=states.soon_until(today))


def state_q(state: str, today: datetime.date) -> Q:
    """The tasks whose :func:`states.state_of` is ``state``, as a query condition."""
    dated = ~Q(status__in=states.UNDATED)
    if state == "closed":
        return Q(status=Status.CLOSED)
    if state == "overdue":
        return dated & Q(deadline__lt=today)
    if state == "soon":
        return dated & due_soon_q(today)
    if state == "long_running":
        return Q(status=Status.LONG_RUNNING)
    if state == "ok":
        return dated & Q(deadline__gt=states.soon_until(today))
    raise ValueError(f"unknown deadline state {state!r}")


class TaskQuerySet(models.QuerySet[_T]):
    """``Task.objects``: each status set and colour named once."""

    def live(self) -> Self:
        """Every task that counts: all but the withdrawn ones (撤销, created by mistake)."""
        return self.exclude(status=Status.WITHDRAWN)

    def open_work(self) -> Self:
        """Tasks still followed: everything not closed (销号) nor withdrawn."""
        return self.live().exclude(status=Status.CLOSED)

    def unit_owes_work(self) -> Self:
        """Tasks the lead unit works on and reports progress about (持续跟踪 included)."""
        return self.filter(status__in=states.UNIT_OWES_WORK)

    def deadline_running(self) -> Self:
        """Tasks whose deadline is running (see :data:`states.DEADLINE_RUNNING`)."""
        return self.filter(status__in=states.DEADLINE_RUNNING)

    def due_soon(self, today: datetime.date) -> Self:
        """Tasks due from today to :data:`states.SOON_DAYS` days ahead, whatever their status."""
        return self.filter(due_soon_q(today))

    def past_deadline(self, today: datetime.date) -> Self:
        """Tasks whose deadline is before today, whatever their status."""
        return self.filter(deadline__lt=today)

    def in_state(self, state: str, today: datetime.date) -> Self:
        """Tasks of one colour of :data:`states.STATES`; an unknown colour selects nothing."""
        if state not in states.STATES:
            return self.none()
        return self.filter(state_q(state, today))


# Each colour as a number, worst highest (overdue 5 … closed 1; 0 is no task at all), so
# that the worst colour of a group of tasks is the ``Max()`` of their ranks.
RANKS = {state: len(states.STATES) - i for i, state in enumerate(states.STATES)}


def of_rank(rank: int) -> str | None:
    """The colour of a rank of :data:`RANKS` (None for 0: no task)."""
    return states.STATES[len(states.STATES) - rank] if rank else None


def state_rank(today: datetime.date) -> models.Case:
    """A task's colour as its rank in :data:`RANKS`, as a query expression."""
    return models.Case(
        *(models.When(state_q(s, today), then=models.Value(RANKS[s])) for s in states.STATES),
        default=models.Value(0),
        output_field=models.IntegerField(),
    )
