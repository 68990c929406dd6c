"""Template helpers of the task pages and the menu."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from heli.accounts.policy import Action, can
from heli.tracking.models import Task
from heli.tracking.states import state_marks, state_of
from heli.tracking.workflow import Status

# Statuses that read as a badge of their own colour wherever a task is shown: each asks
# something different of its reader than its deadline's colour says.
BADGED = frozenset({Status.RETURNED, Status.LONG_RUNNING, Status.WITHDRAWN})

register = template.Library()


@register.filter
def sees_tasks(user: Any) -> bool:
    """Whether the menu shows the battle map's task pages."""
    return can(user, Action.VIEW, Task)


@register.filter
def assigns_tasks(user: Any) -> bool:
    return can(user, Action.CHANGE, Task)


@register.simple_tag
def task_state(task: Task, today: datetime.date) -> str:
    """The status colour class of a task (red overdue, amber soon, green on track, grey closed)."""
    return f"task-{state_of(task.status, task.deadline, today)}"


@register.filter
def state_mark(state: str) -> str:
    """The one-letter mark a wall-chart cell of this state carries (逾 近 持 正 销)."""
    return state_marks().get(state, "")


@register.simple_tag
def task_status(status: str, label: str) -> SafeString:
    """A task's status as it reads in every table and card: returned for redo,
    long-running and withdrawn as badges of their own colour, others as text."""
    if status in BADGED:
        return format_html('<span class="badge status-badge status-{}">{}</span>', status, label)
    return format_html('<span class="task-status">{}</span>', label)
