"""Excel exports: the task list with its filters, the wall chart in its colours; audited,
and laid out to be printed and filed (read back here with openpyxl)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib import xlsx
from heli.testing import FROZEN_TODAY, World
from heli.tracking import actions, exports
from heli.tracking.models import Task
from heli.tracking.states import state_labels
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Step

# The deadline colours depend on today: the clock is frozen on a mid-year day.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

FIRST_ROW = xlsx.HEADER_ROW + 1


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


def _book(response: Any) -> Any:
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX
    return load_workbook(io.BytesIO(response.content))


def _data(ws: Any) -> list[tuple[Any, ...]]:
    return list(ws.iter_rows(min_row=FIRST_ROW, values_only=True))


def _assert_filed(ws: Any, *, title: str, headers: list[str], data_rows: int) -> None:
    """The filing layout, read back: title, made-on line, bordered bold header kept in view,
    and the print settings."""
    last = ws.cell(row=xlsx.HEADER_ROW, column=len(headers)).column_letter
    assert ws["A1"].value == title
    assert ws["A1"].font.b
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[xlsx.HEADER_ROW]] == headers
    header = ws[xlsx.HEADER_ROW]
    assert all(c.font.b and c.border.bottom.style == "thin" for c in header)
    assert ws.freeze_panes in ("A4", "B4")
    assert ws.print_title_rows == "$3:$3"
    assert ws.print_title_cols == "$A:$A"
    assert ws.print_area == f"'{ws.title}'!$A$1:${last}${xlsx.HEADER_ROW + data_rows}"
    setup = ws.page_setup
    assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.oddFooter.center.text == _("Page &P of &N")
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert ws.oddHeader.center.text == title
    for row in ws.iter_rows(min_row=FIRST_ROW):
        assert all(c.border.left.style == "thin" for c in row)


def test_task_list_export_keeps_the_filters_and_writes_values(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    url = reverse("tracking:task_export") + f"?year={year}&lead_unit={world.units[0].pk}"
    ws = _book(client.get(url)).worksheets[0]
    rows = _data(ws)
    assert len(rows) == 2
    titles = {r[1] for r in rows}
    assert titles == {'=HYPERLINK("http://evil","x")', "+1+1"}
    for row in ws.iter_rows(min_row=FIRST_ROW):
        assert row[1].data_type == "s"  # text, not a formula
    listed = client.get(reverse("tracking:task_list") + url[url.index("?") :])
    assert listed.context["page"].paginator.count == 2
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.detail["format"] == "xlsx"
    assert event.detail["rows"] == 2
    assert event.detail["filters"]["lead_unit"] == [str(world.units[0].pk)]


def test_the_task_list_export_is_laid_out_to_be_filed(client: Client, world: World) -> None:
    _tasks(world)
    staff = world.user("staff")
    client.force_login(staff)
    year = FROZEN_TODAY.year
    query: dict[str, Any] = {"year": year, "unit": world.units[0].pk, "overdue": "on"}
    ws = _book(client.get(reverse("tracking:task_export"), query)).worksheets[0]
    headers = [str(c.header) for c in exports._task_columns()]
    title = _("Tasks of %(committee)s") % {"committee": world.committee.name}
    _assert_filed(ws, title=title, headers=headers, data_rows=1)
    line = ws["A2"].value
    assert _("Made on %(time)s") % {"time": "2026-06-15 10:00"} in line
    assert _("Made by %(user)s") % {"user": staff} in line
    for label, value in (
        (_("Year"), str(year)),
        (_("Unit"), world.units[0].name),
        (_("Overdue only"), _("Yes")),
    ):
        assert _("%(label)s: %(value)s") % {"label": label, "value": value} in line
    assert ws.column_dimensions["A"].width == 11
    assert ws.column_dimensions["B"].width == 28
    assert ws["B4"].alignment.wrap_text
    assert ws.page_setup.paperSize == xlsx.A4


def test_an_export_of_everything_says_it_has_no_filters(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    ws = _book(client.get(reverse("tracking:task_export"))).worksheets[0]
    assert _("none (everything you may see)") in ws["A2"].value
    assert len(_data(ws)) == 3


def test_a_chart_cells_filters_are_named_in_words(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    query: dict[str, Any] = {
        "year": FROZEN_TODAY.year,
        "lead_unit": world.units[0].pk,
        "month": FROZEN_TODAY.month,
        "state": "overdue",
    }
    ws = _book(client.get(reverse("tracking:task_export"), query)).worksheets[0]
    line = ws["A2"].value
    for label, value in (
        (_("Lead unit"), world.units[0].name),
        (_("Deadline month"), _("Month %(month)s") % {"month": FROZEN_TODAY.month}),
        (_("Deadline state"), state_labels()["overdue"]),
    ):
        assert _("%(label)s: %(value)s") % {"label": label, "value": value} in line
    assert [r[1] for r in _data(ws)] == ['=HYPERLINK("http://evil","x")']


def test_tasks_are_named_by_their_number_with_their_latest_progress(
    client: Client, world: World
) -> None:
    first, second, third = _tasks(world)
    actions.take_step(first, Step.RECEIVE, world.user("unit0_secretary"))
    actions.report_progress(first, text="已召开动员会。", by=world.user("unit0_staff"))
    long_report = "第二次反馈：" + "落实到位，" * 40 + "\n末尾"
    actions.report_progress(first, text=long_report, by=world.user("unit0_staff"), percent=60)
    client.force_login(world.user("staff"))
    rows = {
        r[1]: r for r in _data(_book(client.get(reverse("tracking:task_export"))).worksheets[0])
    }
    year = FROZEN_TODAY.year
    numbers = {title: row[0] for title, row in rows.items()}
    assert numbers == {
        first.title: f"{year}-0001",
        second.title: f"{year}-0002",
        third.title: f"{year}-0003",
    }
    latest, on = rows[first.title][11], rows[first.title][12]
    assert latest.startswith("第二次反馈：落实到位，")
    assert len(latest) == exports.PROGRESS_CHARS and latest.endswith("…")
    assert "\n" not in latest
    assert on == datetime.datetime.combine(FROZEN_TODAY, datetime.time())  # noqa: DTZ001
    assert rows[first.title][10] == 60
    assert rows[second.title][11] is None and rows[second.title][12] is None


def test_state_column_is_filled_in_its_colour(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    ws = _book(client.get(reverse("tracking:task_export"))).worksheets[0]
    fills = [row[9].fill.start_color.rgb[-6:] for row in ws.iter_rows(min_row=FIRST_ROW)]
    # By deadline: two days late, due in three days, due in thirty.
    assert fills == [exports.FILL_COLOURS[s] for s in ("overdue", "soon", "ok")]


def test_unit_staff_export_only_what_they_see(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("unit2_staff"))
    ws = _book(client.get(reverse("tracking:task_export"))).worksheets[0]
    assert [r[1] for r in _data(ws)] == ["普通事项"]


def test_wallchart_export_has_the_charts_counts_and_colours(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
    wb = _book(client.get(reverse("tracking:wallchart_export"), {"year": year}))
    ws, legend = wb.worksheets
    by_name = {row[0].value: row for row in ws.iter_rows(min_row=FIRST_ROW)}
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
    states = list(state_labels())
    legend_rows = list(legend.iter_rows(min_row=FIRST_ROW, max_row=FIRST_ROW + len(states) - 1))
    legend_fills = [r[0].fill.start_color.rgb[-6:] for r in legend_rows]
    assert legend_fills == [exports.FILL_COLOURS[s] for s in states]
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.detail["filters"] == {"year": year, "by": "month"}
    assert event.detail["tasks"] == 3


def test_the_wallchart_prints_unit_names_and_month_headings_on_every_page(
    client: Client, world: World
) -> None:
    _tasks(world)
    staff = world.user("staff")
    client.force_login(staff)
    year = FROZEN_TODAY.year
    chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
    wb = _book(client.get(reverse("tracking:wallchart_export"), {"year": year}))
    ws, legend = wb.worksheets
    months = [_("Month %(month)s") % {"month": m} for m in range(1, 13)]
    headers = [_("Unit"), *months, _("Total")]
    title = _("Wall chart of %(committee)s, %(year)s") % {
        "committee": world.committee.name,
        "year": year,
    }
    rows = sum(len(s.rows) + 1 for s in chart.sections) + 1  # units, groups, the total
    _assert_filed(ws, title=title, headers=headers, data_rows=rows)
    assert ws.freeze_panes == "B4"  # the unit names stay in view too
    assert ws.page_setup.paperSize == xlsx.A4  # twelve months fit A4 across
    assert ws.column_dimensions["B"].width == 7
    line = ws["A2"].value
    assert _("%(label)s: %(value)s") % {"label": _("Year"), "value": year} in line
    assert _("%(label)s: %(value)s") % {"label": _("Columns"), "value": _("By month")} in line
    assert legend["A1"].value == _("Legend: %(title)s") % {"title": title}
    assert legend.print_title_rows == "$3:$3"


def test_a_chart_too_wide_for_a4_prints_on_a3(
    client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tasks(world)
    monkeypatch.setattr(exports, "A4_WIDTH", 50)
    client.force_login(world.user("staff"))
    ws = _book(client.get(reverse("tracking:wallchart_export"))).worksheets[0]
    assert ws.page_setup.paperSize == xlsx.A3


def test_administrators_cannot_export(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("auditor"))
    assert client.get(reverse("tracking:task_export")).status_code == 404
    assert not AuditEvent.objects.filter(event=events.EXPORT).exists()
