"""The wall chart by source: a column per registered source, and a task whose source nobody
registers any more (its area was removed) still counts, in a column named by its code."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from heli.testing import World
from heli.tracking import sources
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task

# The tests' dates sit in one work year: they run on heli.testing.FROZEN_TODAY (mid-2026).
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

RETIRED = "retired_area"


def _tasks(world: World) -> list[Task]:
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    made = [
        make_task(
            world,
            title=f"事项{n}",
            lead_unit=world.units[n % 2],
            cooperating_units=[],
            assigned_at=start,
            deadline=max(today + datetime.timedelta(days=offset), start),
            year=today.year,
        )
        for n, offset in enumerate((-3, 2, 40))
    ]
    assert sources.get(RETIRED) is None
    Task.objects.filter(pk__in=[made[0].pk, made[2].pk]).update(source_kind=RETIRED)
    return made


def _by_source(client: Client, world: World, page: str) -> Any:
    """The wall chart page (or its export) by source, for the committee's staff."""
    _tasks(world)
    client.force_login(world.user("staff"))
    year = str(timezone.localdate().year)
    response = client.get(reverse(page), {"year": year, "by": "source"})
    assert response.status_code == 200
    return response


def test_a_task_of_an_unregistered_source_gets_a_column_of_its_own(
    client: Client, world: World
) -> None:
    chart = _by_source(client, world, "tracking:wallchart").context["chart"]
    columns = {key: (label, cell) for key, label, cell in chart.columns}
    assert [key for key, _l, _c in chart.columns][: len(sources.sources())] == [
        s.code for s in sources.sources()
    ]
    label, cell = columns[RETIRED]
    assert label == RETIRED
    assert cell.count == 2 and cell.state == "overdue"
    assert columns[sources.MANUAL][1].count == 1
    assert sum(c.count for _k, _l, c in chart.columns) == chart.total.count == 3
    for c in [cell, *(r.cells[-1] for s in chart.sections for r in s.rows if r.cells[-1].count)]:
        listed = client.get(c.url)
        assert listed.context["page"].paginator.count == c.count, c.url


def test_the_wallchart_export_by_source_keeps_the_unregistered_column(
    client: Client, world: World
) -> None:
    response = _by_source(client, world, "tracking:wallchart_export")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    all_rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(all_rows) if RETIRED in row)  # the header row
    header, rows = all_rows[at], all_rows[at + 1 :]
    column = header.index(RETIRED)
    assert rows[-1][column] == 2  # the totals row


def test_a_source_column_of_no_tasks_is_not_added(client: Client, world: World) -> None:
    task = make_task(world, cooperating_units=[])
    client.force_login(world.user("staff"))
    response = client.get(reverse("tracking:wallchart"), {"year": str(task.year), "by": "source"})
    chart = response.context["chart"]
    assert chart.total.count == 1
    assert [key for key, _l, _c in chart.columns] == [s.code for s in sources.sources()]
