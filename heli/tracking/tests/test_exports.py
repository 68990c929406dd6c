"""Excel exports: the task list with its filters, the wall chart in its colours; audited."""

from __future__ import annotations

import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.testing import World
from heli.tracking import exports
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task

# The deadline colours depend on today: the clock is frozen on a mid-year day.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _tasks(world: World) -> list[Task]:
    today = timezone.localdate()
    start = datetime.date(today.year, 1, 1)
    return [
        make_task(
            world,
            title=title,
            lead_unit=world.units[unit],
            cooperating_units=[],
            assigned_at=start,
            deadline=max(today + datetime.timedelta(days=offset), start),
            year=today.year,
        )
        for title, unit, offset in (
            ('=HYPERLINK("http://evil","x")', 0, -2),
            ("+1+1", 0, 30),
            ("普通事项", 2, 3),
        )
    ]


def _book(response: object) -> object:
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert response["Content-Type"] == exports.XLSX  # type: ignore[index]
    return load_workbook(io.BytesIO(response.content))  # type: ignore[attr-defined]


def test_task_list_export_keeps_the_filters_and_writes_values(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    url = reverse("tracking:task_export") + f"?year={year}&lead_unit={world.units[0].pk}"
    wb = _book(client.get(url))
    ws = wb.worksheets[0]  # type: ignore[attr-defined]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 1 + 2
    titles = {r[1] for r in rows[1:]}
    assert titles == {'=HYPERLINK("http://evil","x")', "+1+1"}
    for row in ws.iter_rows(min_row=2):
        assert row[1].data_type == "s"  # text, not a formula
    listed = client.get(reverse("tracking:task_list") + url[url.index("?") :])
    assert listed.context["page"].paginator.count == 2
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.detail["format"] == "xlsx"
    assert event.detail["rows"] == 2
    assert event.detail["filters"]["lead_unit"] == [str(world.units[0].pk)]


def test_state_column_is_filled_in_its_colour(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    ws = _book(client.get(reverse("tracking:task_export"))).worksheets[0]  # type: ignore[attr-defined]
    fills = [row[9].fill.start_color.rgb[-6:] for row in ws.iter_rows(min_row=2)]
    # By deadline: two days late, due in three days, due in thirty.
    assert fills == [exports.FILL_COLOURS[s] for s in ("overdue", "soon", "ok")]


def test_unit_staff_export_only_what_they_see(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("unit2_staff"))
    ws = _book(client.get(reverse("tracking:task_export"))).worksheets[0]  # type: ignore[attr-defined]
    assert [r[1] for r in ws.iter_rows(min_row=2, values_only=True)] == ["普通事项"]


def test_wallchart_export_has_the_charts_counts_and_colours(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
    wb = _book(client.get(reverse("tracking:wallchart_export"), {"year": year}))
    ws, legend = wb.worksheets  # type: ignore[attr-defined]
    by_name = {row[0].value: row for row in ws.iter_rows(min_row=3)}
    for section in chart.sections:
        assert section.name in by_name
        for r in section.rows:
            cells = by_name[r.name]
            for c, written in zip([*r.cells, r.total], cells[1:], strict=True):
                assert (written.value or 0) == c.count
                if c.state:
                    assert written.fill.start_color.rgb[-6:] == exports.FILL_COLOURS[c.state]
    total = by_name[list(by_name)[-1]]
    assert total[-1].value == chart.total.count == 3
    legend_fills = [r[0].fill.start_color.rgb[-6:] for r in legend.iter_rows(min_row=2, max_row=5)]
    assert legend_fills == list(exports.FILL_COLOURS.values())
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.detail["filters"] == {"year": year, "by": "month"}
    assert event.detail["tasks"] == 3


def test_administrators_cannot_export(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("auditor"))
    assert client.get(reverse("tracking:task_export")).status_code == 404
    assert not AuditEvent.objects.filter(event=events.EXPORT).exists()
