"""Excel exports of the battle map: any task list, and a year's wall chart in its colours.

Every export is audited (format, rows, filters). Text goes in as text, never as a
formula, so a title starting with ``=`` cannot run in the reader's spreadsheet.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from heli.audit import events
from heli.audit.actions import record
from heli.lib.http import AuthedRequest
from heli.tracking import board
from heli.tracking.models import Task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The same colours as heli.css (--heli-red, amber, green, grey).
FILL_COLOURS = {"overdue": "C0392B", "soon": "D68910", "ok": "1E8449", "closed": "7F8C8D"}
FILLS = {s: PatternFill("solid", start_color=c, end_color=c) for s, c in FILL_COLOURS.items()}
WHITE = Font(color="FFFFFF", bold=True)
BOLD = Font(bold=True)
# A list this long is no longer a list anyone reads in Excel; narrow the filters first.
MAX_ROWS = 50_000


def cell(
    ws: WriteOnlyWorksheet, value: Any, *, state: str | None = None, bold: bool = False
) -> Any:
    """A write-only cell holding ``value`` as a value (text stays text), coloured by state."""
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and c.data_type != "s":
        c.data_type = "s"  # "=1+1" is text here, not a formula
    if state in FILLS:
        c.fill = FILLS[state]
        c.font = WHITE
    elif bold:
        c.font = BOLD
    return c


def _response(wb: Workbook, name: str) -> HttpResponse:
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    # RFC 5987 keeps the Chinese file name intact in every browser.
    from urllib.parse import quote

    filename = quote(f"{name}-{stamp}.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def _filters(request: AuthedRequest) -> dict[str, list[str]]:
    return {k: v for k, v in request.GET.lists() if k not in ("page", "format")}


@require_GET
def task_list_export(request: AuthedRequest) -> HttpResponse:
    """The task list with its current filters, one task a row."""
    from heli.tracking.views import _require_view, _with_units, filtered_tasks

    _require_view(request)
    _form, tasks = filtered_tasks(request)
    tasks = _with_units(tasks.order_by("deadline", "id"))[:MAX_ROWS]
    today = timezone.localdate()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Tasks"))
    headers = [
        _("No."),
        _("Title"),
        _("Lead unit"),
        _("Cooperating units"),
        _("Supervising department"),
        _("Source"),
        _("Assigned on"),
        _("Deadline"),
        _("Status"),
        _("Deadline state"),
        _("Progress (%)"),
    ]
    ws.append([cell(ws, h, bold=True) for h in headers])
    rows = 0
    for task in tasks:
        state = board.state_of(task.status, task.deadline, today)
        ws.append(
            [
                task.pk,
                cell(ws, task.title),
                cell(ws, task.lead_unit.name),
                cell(ws, "、".join(c.unit.name for c in task.cooperations.all())),
                cell(ws, task.department.name),
                cell(ws, str(task.get_source_kind_display())),
                task.assigned_at,
                task.deadline,
                cell(ws, str(task.get_status_display())),
                cell(ws, str(board.STATE_LABELS[state]), state=state),
                task.progress,
            ]
        )
        rows += 1
    record(
        events.EXPORT,
        request=request,
        object_type=Task._meta.label_lower,
        object_repr=_("Task list"),
        detail={"format": "xlsx", "rows": rows, "filters": _filters(request)},
    )
    return _response(wb, _("tasks"))


@require_GET
def wallchart_export(request: AuthedRequest) -> HttpResponse:
    """The year's wall chart with the page's colours, and a legend sheet."""
    board._require_reader(request)
    year = board._year(request)
    by = "source" if request.GET.get("by") == "source" else "month"
    today = timezone.localdate()
    chart = board.build_chart(request.user, year, by, today)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Wall chart"))
    ws.freeze_panes = "B3"
    ws.column_dimensions["A"].width = 28
    ws.append([cell(ws, _("Wall chart of %(year)s") % {"year": year}, bold=True)])
    header = [_("Unit"), *(label for _key, label, _c in chart.columns), _("Total")]
    ws.append([cell(ws, h, bold=True) for h in header])

    def counts(cells: list[board.Cell]) -> list[Any]:
        return [cell(ws, c.count or None, state=c.state) for c in cells]

    rows = 0
    for section in chart.sections:
        blank = [None] * len(chart.columns)
        ws.append([cell(ws, section.name, bold=True), *blank, *counts([section.total])])
        for row in section.rows:
            ws.append([cell(ws, row.name), *counts([*row.cells, row.total])])
            rows += 1
    ws.append(
        [
            cell(ws, _("Total"), bold=True),
            *counts([c for _key, _label, c in chart.columns]),
            *counts([chart.total]),
        ]
    )
    legend = wb.create_sheet(_("Legend"))
    legend.append([cell(legend, _("Colour"), bold=True), cell(legend, _("Meaning"), bold=True)])
    for state, label in board.STATE_LABELS.items():
        legend.append([cell(legend, "", state=state), cell(legend, str(label))])
    note = (
        _("A task counts in its lead unit's row and in the month of its deadline.")
        if by == "month"
        else _("A task counts in its lead unit's row and in the column of its source.")
    )
    legend.append([cell(legend, note)])
    legend.append([cell(legend, _("A cell takes the colour of its worst task."))])
    record(
        events.EXPORT,
        request=request,
        object_type=Task._meta.label_lower,
        object_repr=_("Wall chart"),
        detail={
            "format": "xlsx",
            "rows": rows,
            "tasks": chart.total.count,
            "filters": {"year": year, "by": by},
        },
    )
    return _response(wb, _("wall-chart"))
