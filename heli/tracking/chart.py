"""The battle map's wall chart (挂图) as data: units by group × months or sources.

Built from the year's visible tasks in two ``values()`` queries and aggregated in Python,
so it costs a fixed number of queries whatever the committee's size. Every count links
to the task list with filters that select exactly the rows it counts
(:func:`heli.tracking.lists.apply_chart_filters`). The page and its Excel export both
draw this.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from heli.accounts.policy import scope_of
from heli.org.models import GroupMembership
from heli.tracking import sources
from heli.tracking.access import TASK_READERS
from heli.tracking.lists import OTHER_MONTH, query_string, visible_tasks
from heli.tracking.states import state_of, worst

BY_MONTH, BY_SOURCE = "month", "source"


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
        return f"{_list_path()}?{query_string(self.params)}"


def cells_html(cells: Iterable[Cell]) -> SafeString:
    """The ``<td>`` of each cell: its count linked to its list, in its worst colour.

    Built here rather than in a template loop: a chart of 1,220 units has 18,000 cells.
    Every part is safe as it stands: states come from :data:`states.STATES`, counts are
    integers and addresses are url-quoted (and escaped).
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


def chart_by(value: str | None) -> str:
    """The chart's columns a request asks for: months unless it says sources."""
    return BY_SOURCE if value == BY_SOURCE else BY_MONTH


def _columns(by: str, year: int, task_rows: list[tuple[Any, ...]]) -> tuple[list[Any], list[str]]:
    """The keys and labels of the chart's columns."""
    keys: list[Any]
    if by == BY_SOURCE:
        registered = sources.sources()
        keys = [s.code for s in registered]
        labels = [str(s.label) for s in registered]
        # A task of a source nobody registers any more (its area was removed) still
        # counts, in a column of its own named by its code.
        for code in sorted({row[2] for row in task_rows} - set(keys)):
            keys.append(code)
            labels.append(sources.label(code))
        return keys, labels
    keys = list(range(1, 13))
    labels = [_("Month %(month)s") % {"month": m} for m in keys]
    if any(row[1].year != year for row in task_rows):
        keys.append(OTHER_MONTH)
        labels.append(_("Other years"))
    return keys, labels


def build_chart(user: Any, year: int, by: str, today: datetime.date) -> Chart:
    """The wall chart of a year: units by group × months (or sources), two queries.

    A task counts in its lead unit's row. Unit roles see only their own units' rows;
    the committee's readers see every unit, with units outside any group last.
    """
    s = scope_of(user)
    reader = bool(s.roles & TASK_READERS)
    own_units = sorted(s.unit_ids)
    tasks = visible_tasks(user).filter(year=year)
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

    keys, labels = _columns(by, year, task_rows)
    param = "source_kind" if by == BY_SOURCE else "month"
    index = {k: i for i, k in enumerate(keys)}

    # Lead units restrict the list for unit roles, so every count means the same rows.
    base: dict[str, Any] = {"year": year}
    if not reader:
        base["lead_unit"] = own_units

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
        if by == BY_SOURCE:
            key: Any = source
        else:
            key = deadline.month if deadline.year == year else OTHER_MONTH
        i = index[key]
        row = rows[unit_id]
        for cell in (row.cells[i], row.total, columns[i][2], group_of[unit_id].total, total):
            cell.add(state)
    return Chart(year, by, columns, sections, total)
