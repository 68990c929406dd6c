"""Excel exports of the battle map: any task list, and a year's wall chart in its colours.

Both are laid out to be filed (:class:`heli.lib.xlsx.FiledBook`): a title, when and by
whom it was made and with which filters, a bordered table under a frozen header, and
print settings that repeat the header row and the first column (the task number, the
unit) on every page. The task list names each task by its number (2026-0123) and shows
its latest progress report. Every export is audited (format, rows, filters). Cells are
written by :mod:`heli.lib.xlsx`, so a title starting with ``=`` stays text and a control
character pasted into a title cannot break the file.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl.styles import Alignment, Font, PatternFill

from heli.accounts.policy import visible
from heli.audit.export import audited_download
from heli.lib import xlsx
from heli.lib.http import AuthedRequest
from heli.org.models import Group, Unit
from heli.tracking import numbers, sources
from heli.tracking.chart import BY_MONTH, Cell, build_chart, chart_by
from heli.tracking.forms import TaskFilterForm
from heli.tracking.lists import (
    OTHER_MONTH,
    filtered_tasks,
    requested_year,
    require_view,
    with_units,
)
from heli.tracking.models import ProgressReport, Task
from heli.tracking.states import COLOURS, state_labels, state_of

XLSX = xlsx.CONTENT_TYPE
# The same colours as the pages (heli.tracking.states).
FILL_COLOURS = COLOURS
FILLS = {s: PatternFill("solid", start_color=c, end_color=c) for s, c in FILL_COLOURS.items()}
WHITE = Font(color="FFFFFF", bold=True)
SECTION_FILL = PatternFill("solid", start_color="EFEFEF", end_color="EFEFEF")
CENTRE = Alignment(horizontal="center", vertical="center")
# A list this long is no longer a list anyone reads in Excel; narrow the filters first.
MAX_ROWS = 50_000
# How much of the latest progress report a row shows: a few lines of its column.
PROGRESS_CHARS = 60
# What A4 landscape holds at full size, in characters of column width; a wider chart
# goes on A3.
A4_WIDTH = 140


def _filters(request: AuthedRequest) -> dict[str, list[str]]:
    return {k: v for k, v in request.GET.lists() if k not in ("page", "format")}


def _download(
    request: AuthedRequest, book: xlsx.FiledBook, name: str, what: str, detail: dict[str, Any]
) -> HttpResponse:
    """The workbook as a download named ``name``, its export of ``what`` audited."""
    return audited_download(
        request,
        book.bytes(),
        name=name,
        extension=xlsx.EXTENSION,
        content_type=XLSX,
        object_type=Task._meta.label_lower,
        object_repr=what,
        detail=detail,
    )


def _made_by(request: AuthedRequest) -> str:
    return str(request.user)


def _committee_name(request: AuthedRequest) -> str:
    committee = getattr(request, "committee", None)
    return committee.name if committee is not None else ""


def chart_filters_in_words(request: AuthedRequest) -> list[tuple[str, str]]:
    """The wall chart's and the board's cell filters a task list carries, in words."""
    params = request.GET
    pairs: list[tuple[str, str]] = []
    ids = [int(v) for v in params.getlist("lead_unit") if v.isdigit()]
    if ids:
        names = visible(request.user, Unit).filter(pk__in=ids).order_by("sort_order", "id")
        pairs.append((_("Lead unit"), "、".join(u.name for u in names)))
    group = params.get("group", "")
    if group:
        pk = int(group) if group.isdigit() else 0
        found = Group.objects.filter(committee=request.committee, pk=pk).first()
        pairs.append((_("Group"), found.name if found else group))
    month = params.get("month", "")
    if month:
        pairs.append(
            (
                _("Deadline month"),
                _("Other years")
                if month == str(OTHER_MONTH)
                else _("Month %(month)s") % {"month": month},
            )
        )
    state = params.get("state", "")
    if state:
        pairs.append((_("Deadline state"), state_labels().get(state, state)))
    source = params.get("source_kind", "")
    if source:
        pairs.append((_("Source"), sources.label(source)))
    return pairs


def task_filters_in_words(request: AuthedRequest, form: TaskFilterForm) -> list[tuple[str, str]]:
    """Every filter the task list applies, in words: its form's, then a chart cell's."""
    return [*xlsx.form_filters(form), *chart_filters_in_words(request)]


def with_latest_report(tasks: Any) -> Any:
    """The tasks with the beginning of their latest progress report and its time, read in
    the same query (``latest_report_text``, ``latest_report_at``)."""
    latest = ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-reported_at", "-id")
    return tasks.annotate(
        latest_report_text=Subquery(
            latest.annotate(start=Substr("text", 1, PROGRESS_CHARS + 1)).values("start")[:1]
        ),
        latest_report_at=Subquery(latest.values("reported_at")[:1]),
    )


def shortened(text: str | None, length: int = PROGRESS_CHARS) -> str:
    """A report as one paragraph of at most ``length`` characters, ending in "…" when cut."""
    flat = re.sub(r"\s+", " ", text or "").strip()
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def _task_columns() -> list[xlsx.Column]:
    """The task list's columns: widths for A4 landscape, long texts wrapped."""
    return [
        xlsx.Column(_("No."), 11),
        xlsx.Column(_("Title"), 28, wrap=True),
        xlsx.Column(_("Lead unit"), 14, wrap=True),
        xlsx.Column(_("Cooperating units"), 16, wrap=True),
        xlsx.Column(_("Supervising department"), 12, wrap=True),
        xlsx.Column(_("Source"), 10, wrap=True),
        xlsx.Column(_("Assigned on"), 11),
        xlsx.Column(_("Deadline"), 11),
        xlsx.Column(_("Status"), 10, wrap=True),
        xlsx.Column(_("Deadline state"), 10, wrap=True),
        xlsx.Column(_("Progress (%)"), 8, wrap=True),
        xlsx.Column(_("Latest progress"), 36, wrap=True),
        xlsx.Column(_("Reported on"), 11),
    ]


def _state(state: str, labels: dict[str, str]) -> xlsx.Styled:
    """A deadline state in words, on its colour."""
    if state in FILLS:
        return xlsx.Styled(labels.get(state, state), fill=FILLS[state], font=WHITE)
    return xlsx.Styled(labels.get(state, ""))


@require_GET
def task_list_export(request: AuthedRequest) -> HttpResponse:
    """The task list with its current filters, one task a row, ready to print and file."""
    require_view(request)
    form, tasks = filtered_tasks(request)
    today = timezone.localdate()
    labels = state_labels()
    book = xlsx.FiledBook()
    sheet = book.sheet(
        _("Tasks"),
        title=_("Tasks of %(committee)s") % {"committee": _committee_name(request)},
        columns=_task_columns(),
        filters=task_filters_in_words(request, form),
        made_by=_made_by(request),
    )
    listed = with_latest_report(with_units(tasks.order_by("deadline", "id")))
    for task in listed[:MAX_ROWS]:
        state = state_of(task.status, task.deadline, today)
        sheet.append(
            [
                numbers.task_label(task),
                task.title,
                task.lead_unit.name,
                "、".join(c.unit.name for c in task.cooperations.all()),
                task.department.name,
                task.source_kind_label,
                task.assigned_at,
                task.deadline,
                task.get_status_display(),
                _state(state, labels),
                task.progress,
                shortened(task.latest_report_text),
                timezone.localdate(task.latest_report_at) if task.latest_report_at else None,
            ]
        )
    detail = {"format": "xlsx", "rows": sheet.rows, "filters": _filters(request)}
    return _download(request, book, _("tasks"), _("Task list"), detail)


def _count(c: Cell, *, bold: bool = False) -> xlsx.Styled:
    """A count of the chart in its worst task's colour (an empty cell for none)."""
    state = c.state
    if state in FILLS:
        return xlsx.Styled(c.count or None, fill=FILLS[state], font=WHITE, alignment=CENTRE)
    return xlsx.Styled(c.count or None, font=xlsx.BOLD if bold else None, alignment=CENTRE)


@require_GET
def wallchart_export(request: AuthedRequest) -> HttpResponse:
    """The year's wall chart with the page's colours, and a legend sheet; printed, every
    page has the units' names down its side and the months (or sources) across its top."""
    require_view(request)
    year = requested_year(request)
    by = chart_by(request.GET.get("by"))
    chart = build_chart(request.user, year, by, timezone.localdate())
    names = [r.name for s in chart.sections for r in s.rows] + [s.name for s in chart.sections]
    unit_width = min(max([xlsx.text_width(n) for n in names] + [12]) + 2, 30)
    columns = [
        xlsx.Column(_("Unit"), unit_width, wrap=True),
        *(xlsx.Column(label, 7, wrap=True) for _key, label, _c in chart.columns),
        xlsx.Column(_("Total"), 7),
    ]
    filters = [
        (_("Year"), str(year)),
        (_("Columns"), _("By month") if by == BY_MONTH else _("By source")),
    ]
    title = _("Wall chart of %(committee)s, %(year)s") % {
        "committee": _committee_name(request),
        "year": year,
    }
    layout: dict[str, Any] = {"filters": filters, "made_by": _made_by(request)}
    book = xlsx.FiledBook()
    sheet = book.sheet(
        _("Wall chart"),
        title=title,
        columns=columns,
        paper=xlsx.A4 if sum(c.width for c in columns) <= A4_WIDTH else xlsx.A3,
        frozen_columns=1,
        **layout,
    )
    rows = 0
    for section in chart.sections:
        heading = xlsx.Styled(section.name, font=xlsx.BOLD, fill=SECTION_FILL)
        blank = [xlsx.Styled(None, fill=SECTION_FILL)] * len(chart.columns)
        sheet.append([heading, *blank, _count(section.total, bold=True)])
        for row in section.rows:
            sheet.append([row.name, *(_count(c) for c in [*row.cells, row.total])])
            rows += 1
    sheet.append(
        [
            xlsx.Styled(_("Total"), font=xlsx.BOLD),
            *(_count(c, bold=True) for _key, _label, c in chart.columns),
            _count(chart.total, bold=True),
        ]
    )
    legend = book.sheet(
        _("Legend"),
        title=_("Legend: %(title)s") % {"title": title},
        columns=[xlsx.Column(_("Colour"), 10), xlsx.Column(_("Meaning"), 60, wrap=True)],
        **layout,
    )
    for state, label in state_labels().items():
        legend.append([xlsx.Styled(None, fill=FILLS.get(state)), label])
    note = (
        _("A task counts in its lead unit's row and in the month of its deadline.")
        if by == BY_MONTH
        else _("A task counts in its lead unit's row and in the column of its source.")
    )
    legend.append([None, note])
    legend.append([None, _("A cell takes the colour of its worst task.")])
    detail = {
        "format": "xlsx",
        "rows": rows,
        "tasks": chart.total.count,
        "filters": {"year": year, "by": by},
    }
    return _download(request, book, _("wall-chart"), _("Wall chart"), detail)
