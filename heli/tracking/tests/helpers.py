from __future__ import annotations

import datetime
from typing import Any

from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import Task

TODAY = datetime.date(2026, 3, 2)


def task_data(world: World, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "落实2026年机关党建工作要点",
        "description": "",
        "basis": "2026年机关党建工作要点",
        "lead_unit": world.units[0],
        "cooperating_units": [world.units[1]],
        "department": world.department,
        "assigned_at": TODAY,
        "deadline": TODAY + datetime.timedelta(days=30),
        "priority": Task.Priority.NORMAL,
        "parent": None,
        "weight": None,
        **overrides,
    }


def make_task(world: World, **overrides: Any) -> Task:
    return actions.create_task(world.committee, task_data(world, **overrides), world.user("staff"))
