"""Excel exports of the battle map: any task list, and a year's wall chart in its colours.

Every export is audited (format, rows, filters). Cells are written by
:mod:`heli.lib.xlsx`, so a title starting with ``=`` stays text and a control character
pasted into a title cannot break the file.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.cell.cell import Cell as XlsxCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from heli.audit.export import audited_download
from heli.lib import xlsx
from heli.lib.http import AuthedRequest
from heli.tracking.chart import BY_MONTH, Cell, build_chart, chart_by
from heli.tracking.lists import filtered_tasks, requested_year, require_view, with_units
from heli.tracking.models import Task
from heli.tracking.states import state_labels, state_of

XLSX = xlsx.CONTENT_TYPE
# The same colours as heli.css (--heli-red, amber, green, grey).
FILL_COLOURS = {"overdue": "C0392B", "soon": "D68910", "ok": "1E8449", "closed": "7F8C8D"}
FILLS = {s: PatternFill("solid", start_color=c, end_color=c) for s, c in FILL_COLOURS.items()}
WHITE = Font(color="FFFFFF", bold=True)
BOLD = Font(bold=True)
# A list this long is no longer a list anyone reads in Excel; narrow the filters first.
MAX_ROWS = 50_000


def cell(
    ws: WriteOnlyWorksheet, value: Any, *, state: str | None = None, bold: bool = False
) -> XlsxCell:
    """A safe cell holding ``value``, filled in the colour of ``state`` or in bold."""
    if state in FILLS:
        return xlsx.cell(ws, value, fill=FILLS[state], font=WHITE)
    return xlsx.cell(ws, value, font=BOLD if bold else None)


def _filters(request: AuthedRequest) -> dict[str, list[str]]:
    return {k: v for k, v in request.GET.lists() if k not in ("page", "format")}


def _download(
    request: AuthedRequest, wb: Workbook, name: str, what: str, detail: dict[str, Any]
) -> HttpResponse:
    """The workbook as a download named ``name``, its export of ``what`` audited."""
    return audited_download(
        request,
        xlsx.workbook_bytes(wb),
        name=name,
        extension=xlsx.EXTENSION,
        content_type=XLSX,
        object_type=Task._meta.label_lower,
        object_repr=what,
        detail=detail,
    )


@require_GET
def task_list_export(request: AuthedRequest) -> HttpResponse:
    """The task list with its current filters, one task a row."""
    require_view(request)
    _form, tasks = filtered_tasks(request)
    today = timezone.localdate()
    labels = state_labels()
    wb = xlsx.new_workbook()
    ws = xlsx.add_sheet(wb, _("Tasks"))
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
    for task in with_units(tasks.order_by("deadline", "id"))[:MAX_ROWS]:
        state = state_of(task.status, task.deadline, today)
        xlsx.append(
            ws,
            [
                task.pk,
                task.title,
                task.lead_unit.name,
                "、".join(c.unit.name for c in task.cooperations.all()),
                task.department.name,
                task.source_kind_label,
                task.assigned_at,
                task.deadline,
                task.get_status_display(),
                cell(ws, labels[state], state=state),
                task.progress,
            ],
        )
        rows += 1
    detail = {"format": "xlsx", "rows": rows, "filters": _filters(request)}
    return _download(request, wb, _("tasks"), _("Task list"), detail)


@require_GET
def wallchart_export(request: AuthedRequest) -> HttpResponse:
    """The year's wall chart with the page's colours, and a legend sheet."""
    require_view(request)
    year = requested_year(request)
    by = chart_by(request.GET.get("by"))
    chart = build_chart(request.user, year, by, timezone.localdate())
    wb = xlsx.new_workbook()
    ws = xlsx.add_sheet(wb, _("Wall chart"))
    ws.freeze_panes = "B3"
    xlsx.set_column_widths(ws, {"A": 28})
    ws.append([cell(ws, _("Wall chart of %(year)s") % {"year": year}, bold=True)])
    header = [_("Unit"), *(label for _key, label, _c in chart.columns), _("Total")]
    ws.append([cell(ws, h, bold=True) for h in header])

    def counts(cells: list[Cell]) -> list[XlsxCell]:
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
    legend = xlsx.add_sheet(wb, _("Legend"))
    legend.append([cell(legend, _("Colour"), bold=True), cell(legend, _("Meaning"), bold=True)])
    for state, label in state_labels().items():
        legend.append([cell(legend, "", state=state), cell(legend, label)])
    note = (
        _("A task counts in its lead unit's row and in the month of its deadline.")
        if by == BY_MONTH
        else _("A task counts in its lead unit's row and in the column of its source.")
    )
    xlsx.append(legend, [note])
    xlsx.append(legend, [_("A cell takes the colour of its worst task.")])
    detail = {
        "format": "xlsx",
        "rows": rows,
        "tasks": chart.total.count,
        "filters": {"year": year, "by": by},
    }
    return _download(request, wb, _("wall-chart"), _("Wall chart"), detail)
