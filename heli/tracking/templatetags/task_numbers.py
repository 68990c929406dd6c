"""The task number (2026-0123) on the task pages: ``{{ task|task_number }}``."""

from __future__ import annotations

from django import template

from heli.tracking import numbers
from heli.tracking.models import Task

register = template.Library()


@register.filter
def task_number(task: Task) -> str:
    """How the task's number reads; empty before it has one."""
    return numbers.task_label(task)
