"""Template helpers of the task pages and the menu."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from heli.accounts.policy import Action, can
from heli.tracking.models import Task
from heli.tracking.states import state_of

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
