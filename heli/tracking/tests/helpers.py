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


def add_sized_tasks(committee: Any, per_unit: int = 10, year: int = 2026) -> Any:
    """``per_unit`` tasks for every unit of a sized committee, bulk-inserted, in every
    status and month; returns the committee staff member who reads them all."""
    from heli.accounts.models import Role, RoleAssignment
    from heli.org.models import Department, Unit
    from heli.testing import make_user
    from heli.tracking.models import TaskUnit
    from heli.tracking.sources import sources as registered_sources
    from heli.tracking.workflow import Status

    department = Department.objects.create(committee=committee, name="督查室")
    user = make_user(committee, f"{committee.code}_reader")
    RoleAssignment.objects.create(
        user=user, committee=committee, role=Role.COMMITTEE_STAFF, department=department
    )
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    # Every status a listed task can have (a withdrawn task is on no list).
    statuses = [s for s in Status.values if s != Status.WITHDRAWN]
    sources = [source.code for source in registered_sources()]
    start = datetime.date(year, 1, 1)
    closed_at = datetime.datetime(year, 1, 2, tzinfo=datetime.UTC)
    tasks = []
    for u, unit in enumerate(units):
        for i in range(per_unit):
            status = statuses[(u + i) % len(statuses)]
            closed = status == Status.CLOSED
            tasks.append(
                Task(
                    committee=committee,
                    year=year,
                    title=f"事项{u}-{i}",
                    lead_unit=unit,
                    department=department,
                    source_kind=sources[(u + i) % len(sources)],
                    assigned_at=start,
                    deadline=start + datetime.timedelta(days=(u * 7 + i * 37) % 400),
                    status=status,
                    created_by=user,
                    closed_at=closed_at if closed else None,
                    closed_by=user if closed else None,
                )
            )
    created = Task.objects.bulk_create(tasks, batch_size=2000)
    TaskUnit.objects.bulk_create(
        (
            TaskUnit(committee=committee, task=t, unit=units[(n + 1) % len(units)])
            for n, t in enumerate(created)
            if n % 3 == 0
        ),
        batch_size=2000,
    )
    return user
