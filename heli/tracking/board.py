"""The battle map's wall chart (挂图) and status board (看板).

Both pages read the year's visible tasks in one ``values()`` query and aggregate in
Python, so they run a fixed number of queries whatever the committee's size. Every count
links to the task list with filters that select exactly the rows it counts
(:func:`apply_chart_filters`, applied by the list after its own form).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus

from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from heli.accounts.policy import scope_of, visible
from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.org.models import GroupMembership
from heli.tracking.access import TASK_READERS
from heli.tracking.models import Task
from heli.tracking.workflow import Status

# Worst first: a cell takes the colour of the worst task inside it.
STATES = ("overdue", "soon", "ok", "closed")
STATE_LABELS = {
    "overdue": gettext_lazy("Overdue"),
    "soon": gettext_lazy("Due within 7 days"),
    "ok": gettext_lazy("On track"),
    "closed": gettext_lazy("Closed"),
}
SOON_DAYS = 7
CARDS_PER_COLUMN = 50
# Month 0 is the column of tasks whose deadline falls outside the work year.
OTHER_MONTH = 0


def state_of(status: str, deadline: datetime.date, today: datetime.date) -> str:
    """A task's colour: grey closed, red overdue, amber due within 7 days, green on track.

    Long-running tasks (持续跟踪) are amber whatever their deadline: the department keeps
    them open on purpose without calling them late (the same rule as the task list).
    """
    if status == Status.CLOSED:
        return "closed"
    if status == Status.LONG_RUNNING:
        return "soon"
    if deadline < today:
        return "overdue"
    if deadline <= today + datetime.timedelta(days=SOON_DAYS):
        return "soon"
    return "ok"


def worst(states: Iterable[str]) -> str | None:
    """The worst of some states (overdue > soon > ok > closed); None when there are none."""
    found = set(states)
    return next((s for s in STATES if s in found), None)


def state_q(state: str, today: datetime.date) -> Q:
    """The tasks whose :func:`state_of` is ``state``, as a query condition."""
    open_dated = ~Q(status__in=[Status.CLOSED, Status.LONG_RUNNING])
    soon_until = today + datetime.timedelta(days=SOON_DAYS)
    if state == "closed":
        return Q(status=Status.CLOSED)
    if state == "overdue":
        return open_dated & Q(deadline__lt=today)
    if state == "soon":
        return Q(status=Status.LONG_RUNNING) | (
            open_dated & Q(deadline__gte=today, deadline__lte=soon_until)
        )
    if state == "ok":
        return open_dated & Q(deadline__gt=soon_until)
    raise ValueError(state)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


# The parameters the wall chart and the board add to the task list's own filters.
CHART_PARAMS = ("lead_unit", "group", "month", "state", "source_kind")


def chart_filters(params: QueryDict) -> list[tuple[str, str]]:
    """The chart parameters of a request, to carry them through the list's filter form."""
    return [(name, value) for name in CHART_PARAMS for value in params.getlist(name)]


def apply_chart_filters(
    tasks: QuerySet[Task], params: QueryDict, today: datetime.date
) -> QuerySet[Task]:
    """Narrow the task list by the wall chart's and the board's parameters.

    ``lead_unit`` (repeatable), ``group`` and ``month`` (1-12, 0 for a deadline outside
    the year) need ``year``; ``state`` is a colour of :data:`STATES`; ``source_kind`` a
    task source. Unknown values select nothing rather than everything.
    """
    year = _int(params.get("year"))
    lead_units = params.getlist("lead_unit")
    if lead_units:
        ids = [int(v) for v in lead_units if v.isdigit()]
        tasks = tasks.filter(lead_unit_id__in=ids)
    if "group" in params:
        group = _int(params.get("group"))
        tasks = tasks.filter(
            lead_unit_id__in=GroupMembership.objects.filter(
                year=year or 0, group_year__group_id=group or 0
            ).values("unit_id")
        )
    if "month" in params:
        month = _int(params.get("month"))
        if year is None or month is None or month > 12:
            return tasks.none()
        if month == OTHER_MONTH:
            tasks = tasks.exclude(deadline__year=year)
        else:
            tasks = tasks.filter(deadline__year=year, deadline__month=month)
    if "state" in params:
        state = params.get("state", "")
        tasks = tasks.filter(state_q(state, today)) if state in STATES else tasks.none()
    if "source_kind" in params:
        tasks = tasks.filter(source_kind=params.get("source_kind", ""))
    return tasks


def list_url(**params: Any) -> str:
    """The task list's address with these filters (lists become repeated parameters)."""
    return f"{reverse('tracking:task_list')}?{_query(params)}"


def _query(params: Mapping[str, Any]) -> str:
    pairs = []
    for key, value in params.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is not None:
                # Integers need no quoting; a large chart builds thousands of these.
                pairs.append(f"{key}={v if isinstance(v, int) else quote_plus(str(v))}")
    return "&".join(pairs)


@dataclass
class Cell:
    """Tasks in one place of the chart: how many, their worst state, and the list's filters.

    The address is built only when asked for: most cells of a large chart are empty.
    """

    params: dict[str, Any] | None = None
    count: int = 0
    states: set[str] = field(default_factory=set)

    def add(self, state: str) -> None:
        self.count += 1
        self.states.add(state)

    @property
    def state(self) -> str | None:
        return worst(self.states)

    @property
    def url(self) -> str:
        if self.params is None:
            return ""
        return f"{_list_path()}?{_query(self.params)}"


def cells_html(cells: Iterable[Cell]) -> SafeString:
    """The ``<td>`` of each cell: its count linked to its list, in its worst colour.

    Built here rather than in a template loop: a chart of 1,220 units has 18,000 cells.
    Every part is safe as it stands: states come from :data:`STATES`, counts are
    integers and addresses are built from integers and choice values, url-quoted.
    """
    parts = []
    for c in cells:
        link = f'<a href="{escape(c.url)}">{c.count}</a>' if c.count else ""
        parts.append(f'<td class="text-center wc-cell state-{c.state or "none"}">{link}</td>')
    return mark_safe("".join(parts))  # noqa: S308 - see the docstring


@functools.cache
def _list_path() -> str:
    return reverse("tracking:task_list")


@dataclass
class Row:
    unit_id: int
    name: str
    total: Cell
    cells: list[Cell]

    def cells_html(self) -> SafeString:
        return cells_html([*self.cells, self.total])


@dataclass
class Section:
    group_id: int | None
    name: str
    total: Cell
    rows: list[Row]


@dataclass
class Chart:
    year: int
    by: str
    columns: list[tuple[Any, str, Cell]]  # (key, label, column total)
    sections: list[Section]
    total: Cell


def _year(request: AuthedRequest) -> int:
    year = _int(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else current_year()


def _require_reader(request: AuthedRequest) -> None:
    from heli.tracking.views import _require_view

    _require_view(request)


def build_chart(user: Any, year: int, by: str, today: datetime.date) -> Chart:
    """The wall chart of a year: units by group × months (or sources), two queries.

    A task counts in its lead unit's row. Unit roles see only their own units' rows;
    the committee's readers see every unit, with units outside any group last.
    """
    s = scope_of(user)
    reader = bool(s.roles & TASK_READERS)
    own_units = sorted(s.unit_ids)
    tasks = visible(user, Task).filter(year=year)
    memberships = GroupMembership.objects.filter(committee_id=s.committee_id or 0, year=year)
    if not reader:
        tasks = tasks.filter(lead_unit_id__in=own_units)
        memberships = memberships.filter(unit_id__in=own_units)
    task_rows = list(
        tasks.values_list(
            "status",
            "deadline",
            "source_kind",
            "lead_unit_id",
            "lead_unit__name",
            "lead_unit__short_name",
            "lead_unit__sort_order",
        )
    )
    member_rows = list(
        memberships.order_by("group_year__group__number", "unit__sort_order", "unit_id")
        .values_list(
            "group_year__group_id",
            "group_year__group__name",
            "unit_id",
            "unit__name",
            "unit__short_name",
        )
        .distinct()
    )

    if by == "source":
        keys: list[Any] = list(Task.SourceKind.values)
        labels = [str(label) for label in Task.SourceKind.labels]
        param = "source_kind"
    else:
        keys = list(range(1, 13))
        labels = [_("Month %(month)s") % {"month": m} for m in keys]
        param = "month"
        if any(row[1].year != year for row in task_rows):
            keys.append(OTHER_MONTH)
            labels.append(_("Other years"))
    index = {k: i for i, k in enumerate(keys)}

    # Lead units restrict the list for unit roles, so every count means the same rows.
    scope_units = None if reader else own_units
    base: dict[str, Any] = {"year": year}
    if scope_units is not None:
        base["lead_unit"] = scope_units

    def unit_row(unit_id: int, name: str) -> Row:
        return Row(
            unit_id,
            name,
            Cell({"year": year, "lead_unit": [unit_id]}),
            [Cell({"year": year, "lead_unit": [unit_id], param: k}) for k in keys],
        )

    sections: list[Section] = []
    rows: dict[int, Row] = {}
    by_group: dict[int, Section] = {}
    for group_id, group_name, unit_id, name, short_name in member_rows:
        if unit_id in rows:
            continue
        if group_id not in by_group:
            group_base = {**base, "group": group_id}
            by_group[group_id] = Section(group_id, group_name, Cell(group_base), [])
            sections.append(by_group[group_id])
        rows[unit_id] = unit_row(unit_id, short_name or name)
        by_group[group_id].rows.append(rows[unit_id])

    loose: dict[int, tuple[int, str]] = {}
    for _status, _deadline, _source, unit_id, name, short_name, order in task_rows:
        if unit_id not in rows:
            loose[unit_id] = (order, short_name or name)
    if loose:
        # No list filter means "no group", so this section's total is not a link.
        section = Section(None, _("Units outside any group this year"), Cell(), [])
        for unit_id, (_order, name) in sorted(loose.items(), key=lambda kv: kv[1]):
            rows[unit_id] = unit_row(unit_id, name)
            section.rows.append(rows[unit_id])
        sections.append(section)

    columns = [(k, label, Cell({**base, param: k})) for k, label in zip(keys, labels, strict=True)]
    total = Cell(dict(base))
    group_of = {r.unit_id: sec for sec in sections for r in sec.rows}
    for status, deadline, source, unit_id, *_rest in task_rows:
        state = state_of(status, deadline, today)
        if by == "source":
            key: Any = source
        else:
            key = deadline.month if deadline.year == year else OTHER_MONTH
        i = index[key]
        row = rows[unit_id]
        for cell in (row.cells[i], row.total, columns[i][2], group_of[unit_id].total, total):
            cell.add(state)
    return Chart(year, by, columns, sections, total)


@require_GET
def wallchart(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    year = _year(request)
    by = "source" if request.GET.get("by") == "source" else "month"
    today = timezone.localdate()
    chart = build_chart(request.user, year, by, today)
    return render(
        request,
        "tracking/wallchart.html",
        {
            "chart": chart,
            "year": year,
            "by": by,
            "today": today,
            "legend": list(STATE_LABELS.items()),
            "years": range(current_year() + 1, current_year() - 5, -1),
        },
    )


@dataclass
class BoardColumn:
    status: str
    label: str
    url: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0


def build_board(user: Any, year: int, today: datetime.date) -> list[BoardColumn]:
    """The year's visible tasks in one column per status, the first cards of each."""
    columns = {
        value: BoardColumn(value, str(label), list_url(year=year, status=value))
        for value, label in Status.choices
    }
    rows = (
        visible(user, Task)
        .filter(year=year)
        .order_by("deadline", "id")
        .values("id", "title", "status", "deadline", "lead_unit__name", "lead_unit__short_name")
    )
    for row in rows:
        column = columns[row["status"]]
        column.count += 1
        if len(column.cards) < CARDS_PER_COLUMN:
            row["state"] = state_of(row["status"], row["deadline"], today)
            row["state_label"] = STATE_LABELS[row["state"]]
            row["unit"] = row["lead_unit__short_name"] or row["lead_unit__name"]
            column.cards.append(row)
    return list(columns.values())


@require_GET
def status_board(request: AuthedRequest) -> HttpResponse:
    _require_reader(request)
    year = _year(request)
    today = timezone.localdate()
    return render(
        request,
        "tracking/board.html",
        {
            "columns": build_board(request.user, year, today),
            "year": year,
            "today": today,
            "cap": CARDS_PER_COLUMN,
            "legend": list(STATE_LABELS.items()),
            "years": range(current_year() + 1, current_year() - 5, -1),
        },
    )
