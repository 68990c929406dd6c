"""The battle map's wall chart (挂图) as data: units by group × months or sources.

Counted in SQL: one query groups the year's visible tasks by lead unit and column and
returns each group's count and worst colour (:func:`heli.tracking.queries.state_rank`),
another reads the groups' units; the rows', columns' and groups' totals are added up
from those in Python. So the chart costs a fixed number of queries whatever the
committee's size, and moves one row per filled cell, not per task. Every count links to
the task list with filters that select exactly the rows it counts
(:func:`heli.tracking.lists.apply_chart_filters`). The page and its Excel export both
draw this.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Case as SqlCase
from django.db.models import Count, F, IntegerField, Max, Value, When
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from heli.accounts.policy import scope_of
from heli.audit import events
from heli.org.models import GroupMembership, Unit
from heli.tracking import generations, sources
from heli.tracking.access import TASK_READERS
from heli.tracking.lists import OTHER_MONTH, query_string, visible_tasks
from heli.tracking.queries import of_rank, state_rank
from heli.tracking.states import state_marks

BY_MONTH, BY_SOURCE = "month", "source"


@dataclass
class Cell:
    """Tasks in one place of the chart: how many, their worst state, and the list's filters.

    The worst state is kept as its rank (:data:`heli.tracking.queries.RANKS`). The
    address is built only when asked for: most cells of a large chart are never asked.
    """

    params: dict[str, Any] | None = None
    count: int = 0
    rank: int = 0

    def add(self, count: int, rank: int) -> None:
        self.count += count
        if rank > self.rank:
            self.rank = rank

    @property
    def state(self) -> str | None:
        return of_rank(self.rank)

    @property
    def mark(self) -> str:
        """The one-letter mark of the cell's state (:func:`states.state_marks`), or ""."""
        return state_marks().get(self.state or "", "")

    @property
    def url(self) -> str:
        if self.params is None:
            return ""
        return f"{_list_path()}?{query_string(self.params)}"


def _td(state: str | None, link: str) -> str:
    return f'<td class="text-center wc-cell state-{state or "none"}">{link}</td>'


def _marks() -> dict[int, str]:
    """Each rank's mark as drawn before a count, in the current language: a cell says its
    state in a letter as well as in its colour, for grey-scale print and colour blindness."""
    marks = state_marks()
    drawn = {
        r: f'<span class="wc-mark">{escape(marks[of_rank(r) or ""])}</span>'
        for r in range(1, len(marks) + 1)
    }
    return {0: "", **drawn}


def cells_html(cells: Iterable[Cell]) -> SafeString:
    """The ``<td>`` of each cell: its count linked to its list, in its worst colour and
    with its state's mark.

    Every part is safe as it stands: states come from :data:`states.STATES`, counts are
    integers, marks are escaped and addresses are url-quoted (and escaped).
    """
    marks = _marks()
    parts = [
        _td(c.state, f'{marks[c.rank]}<a href="{escape(c.url)}">{c.count}</a>' if c.count else "")
        for c in cells
    ]
    return mark_safe("".join(parts))  # noqa: S308 - see the docstring


@functools.cache
def _list_path() -> str:
    return reverse("tracking:task_list")


@dataclass
class Columns:
    """The chart's columns: their keys, and the list parameter that selects one."""

    year: int
    param: str
    keys: list[Any]


@dataclass
class Row:
    """A unit's row: its total, and its filled cells as (count, rank) by column index.

    Most of a large chart's cells are empty, so :attr:`cells` (every column's
    :class:`Cell`, for the export and the tests) is made only when asked for; the page
    draws the row straight from the counts (:meth:`Section.rows_html`).
    """

    unit_id: int
    name: str
    total: Cell
    counts: dict[int, tuple[int, int]]
    columns: Columns

    @functools.cached_property
    def cells(self) -> list[Cell]:
        year, param = self.columns.year, self.columns.param
        cells = []
        for i, key in enumerate(self.columns.keys):
            count, rank = self.counts.get(i, (0, 0))
            cells.append(Cell({"year": year, "lead_unit": [self.unit_id], param: key}, count, rank))
        return cells

    def cells_html(self) -> SafeString:
        return cells_html([*self.cells, self.total])


# A cell's opening tag for each rank (0: empty), and an empty cell.
_TD_OPEN = {r: f'<td class="text-center wc-cell state-{of_rank(r) or "none"}">' for r in range(6)}
_TD_EMPTY = _td(None, "")


@dataclass
class Section:
    group_id: int | None
    name: str
    total: Cell
    rows: list[Row]

    def rows_html(self) -> SafeString:
        """The section's unit rows, drawn here rather than by a template loop: a chart of
        1,220 units has 1,220 rows of 14 cells, and the template's per-cell work was most
        of the page's time. Safe as :func:`cells_html` is, with the units' names escaped."""
        if not self.rows:
            return mark_safe("")  # noqa: S308 - empty
        columns = self.rows[0].columns
        base = f"{_list_path()}?year={columns.year}&amp;lead_unit="
        # Each column's "&month=3" (or "&source_kind=…"), escaped once for every row.
        tails = [escape("&" + query_string({columns.param: key})) for key in columns.keys]
        n = len(tails)
        marks = _marks()
        out = []
        for row in self.rows:
            name = escape(row.name)
            total = row.total
            if total.count:
                unit = f"{base}{row.unit_id}"
                th = f'<a href="{unit}">{name}</a>'
                cells = [_TD_EMPTY] * n
                for i, (count, rank) in row.counts.items():
                    cells[i] = (
                        f'{_TD_OPEN[rank]}{marks[rank]}<a href="{unit}{tails[i]}">{count}</a></td>'
                    )
                cells.append(
                    f'{_TD_OPEN[total.rank]}{marks[total.rank]}<a href="{unit}">{total.count}</a></td>'
                )
                tds = "".join(cells)
            else:
                th = name
                tds = _TD_EMPTY * (n + 1)
            out.append(
                f'<tr>\n    <th scope="row" class="wc-unit fw-normal">{th}</th>\n    {tds}\n  </tr>\n'
            )
        return mark_safe("  ".join(out))  # noqa: S308 - see the docstring


@dataclass
class Chart:
    year: int
    by: str
    columns: list[tuple[Any, str, Cell]]  # (key, label, column total)
    sections: list[Section]
    total: Cell = field(default_factory=Cell)


def chart_by(value: str | None) -> str:
    """The chart's columns a request asks for: months unless it says sources."""
    return BY_SOURCE if value == BY_SOURCE else BY_MONTH


def _month_of_deadline(year: int) -> SqlCase:
    """The month of a task's deadline in ``year``, or :data:`OTHER_MONTH` in another year,
    by plain date comparisons (an index-friendly expression on every database)."""
    whens = [When(deadline__lt=datetime.date(year, 1, 1), then=Value(OTHER_MONTH))]
    for month in range(1, 13):
        end = datetime.date(year + 1, 1, 1) if month == 12 else datetime.date(year, month + 1, 1)
        whens.append(When(deadline__lt=end, then=Value(month)))
    return SqlCase(*whens, default=Value(OTHER_MONTH), output_field=IntegerField())


def _columns(by: str, year: int, found: set[Any]) -> tuple[list[Any], list[str]]:
    """The keys and labels of the chart's columns (``found``: the keys the tasks have)."""
    keys: list[Any]
    if by == BY_SOURCE:
        registered = sources.sources()
        keys = [s.code for s in registered]
        labels = [str(s.label) for s in registered]
        # A task of a source nobody registers any more (its area was removed) still
        # counts, in a column of its own named by its code.
        for code in sorted(found - set(keys)):
            keys.append(code)
            labels.append(sources.label(code))
        return keys, labels
    keys = list(range(1, 13))
    labels = [_("Month %(month)s") % {"month": m} for m in keys]
    if OTHER_MONTH in found:
        keys.append(OTHER_MONTH)
        labels.append(_("Other years"))
    return keys, labels


def build_chart(user: Any, year: int, by: str, today: datetime.date) -> Chart:
    """The wall chart of a year: units by group × months (or sources).

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
    column = _month_of_deadline(year) if by == BY_MONTH else F("source_kind")
    grouped = (
        tasks.order_by()
        .annotate(column=column)
        .values_list("lead_unit_id", "column")
        .annotate(n=Count("id"), worst=Max(state_rank(today)))
    )
    # Read straight from the cursor: every value is a plain integer (or a source's code),
    # and a large chart has a row per filled cell, so Django's per-value converters
    # would cost more than the query.
    sql, params = grouped.query.sql_with_params()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        counted: list[tuple[int, Any, int, int]] = cursor.fetchall()
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

    keys, labels = _columns(by, year, {key for _unit, key, _n, _w in counted})
    param = "source_kind" if by == BY_SOURCE else "month"
    spec = Columns(year, param, keys)
    index = {k: i for i, k in enumerate(keys)}

    # Lead units restrict the list for unit roles, so every count means the same rows.
    base: dict[str, Any] = {"year": year}
    if not reader:
        base["lead_unit"] = own_units

    def unit_row(unit_id: int, name: str) -> Row:
        return Row(unit_id, name, Cell({"year": year, "lead_unit": [unit_id]}), {}, spec)

    sections: list[Section] = []
    rows: dict[int, Row] = {}
    by_group: dict[int, Section] = {}
    group_of: dict[int, Section] = {}
    for group_id, group_name, unit_id, name, short_name in member_rows:
        if unit_id in rows:
            continue
        if group_id not in by_group:
            group_base = {**base, "group": group_id}
            by_group[group_id] = Section(group_id, group_name, Cell(group_base), [])
            sections.append(by_group[group_id])
        rows[unit_id] = unit_row(unit_id, short_name or name)
        by_group[group_id].rows.append(rows[unit_id])
        group_of[unit_id] = by_group[group_id]

    loose_ids = {unit_id for unit_id, *_rest in counted} - rows.keys()
    if loose_ids:
        # No list filter means "no group", so this section's total is not a link.
        section = Section(None, _("Units outside any group this year"), Cell(), [])
        loose = Unit.objects.filter(pk__in=loose_ids).values_list(
            "pk", "sort_order", "name", "short_name"
        )
        for unit_id, _order, name, short_name in sorted(loose, key=lambda u: (u[1], u[3] or u[2])):
            rows[unit_id] = unit_row(unit_id, short_name or name)
            section.rows.append(rows[unit_id])
            group_of[unit_id] = section
        sections.append(section)

    n_columns = len(keys)
    column_counts, column_ranks = [0] * n_columns, [0] * n_columns
    for unit_id, key, n, worst in counted:
        i = index[key]
        rows[unit_id].counts[i] = (n, worst)
        column_counts[i] += n
        if worst > column_ranks[i]:
            column_ranks[i] = worst
    total = Cell(dict(base))
    for row in rows.values():
        if row.counts:
            row.total.count = sum(n for n, _w in row.counts.values())
            row.total.rank = max(w for _n, w in row.counts.values())
            group_of[row.unit_id].total.add(row.total.count, row.total.rank)
            total.add(row.total.count, row.total.rank)
    columns = [
        (k, label, Cell({**base, param: k}, column_counts[i], column_ranks[i]))
        for i, (k, label) in enumerate(zip(keys, labels, strict=True))
    ]
    return Chart(year, by, columns, sections, total)


# --- The drawn chart, cached and kept current on write ------------------------------
# A chart of 1,220 units is 17,000 cells; it changes only when a task, a unit or a group
# does. The drawn table is kept in the cache under the committee's generation
# (:mod:`heli.tracking.generations`), which every such write replaces (:func:`forget`,
# connected by :func:`connect`), at once and again when the transaction commits — so no
# reader stores a chart of the old rows under the new generation. The key also names the
# day (colours follow the date), the language and whose rows the reader sees. The expiry
# only bounds a write that bypasses the signals (a bulk insert: call :func:`forget`).
CACHE_SECONDS = generations.CACHE_SECONDS
TABLE_TEMPLATE = "tracking/partials/wallchart_table.html"


def forget(committee_id: int | None) -> None:
    """Drop the committee's drawn charts (and all that is cached of its tasks)."""
    generations.forget(committee_id)


def table_key(user: Any, year: int, by: str, today: datetime.date) -> str:
    """The cache key of the chart ``user`` sees: the committee's generation, the year,
    the columns, the day, the language, and the reader's rows (all, or their units')."""
    s = scope_of(user)
    rows = generations.readers_rows(user)
    parts = (
        generations.generation(s.committee_id),
        year,
        by,
        today.isoformat(),
        get_language(),
        rows,
    )
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()
    return f"tracking:wallchart:{s.committee_id or 0}:{digest}"


def drawn_table(request: Any, year: int, by: str, today: datetime.date) -> tuple[SafeString, Any]:
    """The chart's table as HTML, from the cache when it is current, and the chart.

    The chart is built only when the table is drawn, or when something reads it (the
    tests, through the page's context).
    """
    key = table_key(request.user, year, by, today)
    html = cache.get(key)
    if html is not None:
        return mark_safe(html), SimpleLazyObject(lambda: build_chart(request.user, year, by, today))  # noqa: S308 - drawn below
    chart = build_chart(request.user, year, by, today)
    html = render_to_string(
        TABLE_TEMPLATE, {"chart": chart, "by": by, "year": year, "today": today}, request
    )
    cache.set(key, html, CACHE_SECONDS)
    return mark_safe(html), chart  # noqa: S308 - a template's output


def _forget_on_write(sender: Any, instance: Any, **kwargs: Any) -> None:
    committee_id = getattr(instance, "committee_id", None)
    forget(committee_id)
    transaction.on_commit(lambda: forget(committee_id), robust=True)


# Audited writes that can change a chart without a signal: a unit edited through
# ``update_versioned`` (an ``update()``) is audited, not saved; so are imports.
_AUDITED_TYPES = ("org.unit", "org.group", "org.groupyear", "tracking.task")
_AUDITED_WRITES = (
    events.RECORD_CREATED,
    events.RECORD_UPDATED,
    events.RECORD_DELETED,
    events.BULK_UPDATE,
)
_AUDITED_ANYTHING = (events.IMPORT, events.RESTORE)


def _forget_on_audit(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    from heli.audit.models import AuditEvent

    if not created or instance.result != AuditEvent.Result.SUCCESS:
        return
    if instance.event in _AUDITED_ANYTHING or (
        instance.event in _AUDITED_WRITES and instance.object_type in _AUDITED_TYPES
    ):
        _forget_on_write(sender, instance)


def connect() -> None:
    """Forget the committee's drawn charts whenever what they show is written: a task
    (its steps cover the updates that bypass ``save()``), a unit, a group, a membership,
    and the audited changes of these that an ``update()`` writes (a unit's new name)."""
    from heli.audit.models import AuditEvent
    from heli.org.models import Group, GroupYear
    from heli.tracking.models import Task, TaskTransition

    for model in (Task, TaskTransition, Unit, Group, GroupYear, GroupMembership):
        for signal in (post_save, post_delete):
            signal.connect(
                _forget_on_write, sender=model, dispatch_uid=f"wallchart-{model.__name__}"
            )
    post_save.connect(_forget_on_audit, sender=AuditEvent, dispatch_uid="wallchart-audit")
