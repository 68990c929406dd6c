"""The meeting area's task source: the decisions (议定事项) of a meeting's minutes.

Each decision becomes a task on the battle map through
:func:`heli.tracking.actions.create_task_from` (:mod:`heli.meetings.decisions`); the task
links back to the decision's page, which shows the task's state.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from heli.tracking import sources as task_sources
from heli.tracking.sources import TaskSource

CODE = "meetings"
MODEL = "meetings.decision"


def describe(decision: Any) -> str:
    return f"{decision.number} {decision.title}"[:200]


def url(decision: Any) -> str:
    return str(decision.get_absolute_url())


def may_create(user: Any, decision: Any) -> bool:
    """The meeting's managers record its decisions, and so make their tasks: the office,
    and a lead unit's secretary in the year it leads, though neither assigns the
    supervising department's other tasks."""
    from heli.meetings.access import manages

    return bool(manages(user, decision.meeting))


def on_closed(task: Any) -> None:
    """A closed task needs nothing of the decision: its page reads the task's state."""
    return None


def register() -> None:
    task_sources.register(
        TaskSource(
            code=CODE,
            label=_("Joint meeting decision"),
            model=MODEL,
            order=20,
            describe=describe,
            url=url,
            on_closed=on_closed,
            may_create=may_create,
        )
    )
