"""The yearly coverage of the liaison rule (每年至少沟通联系一次), and where it is heading.

For a committee and a work year: every unit of the year, grouped by the year's groups,
with its number of contacts, the last contact's date and form, and a colour
(:func:`colour_of`); the pace so far against the pace needed (:func:`forecast`); the
groups furthest behind; and the matrix of units × the five subjects.

The rule is ``Committee.min_contacts_per_year`` contacts a unit a year; a unit not yet
covered turns amber when fewer than ``LiaisonSettings.warn_days`` days of the year are
left. The colours:

* green (``met``): the unit had at least the rule's number of contacts in the year;
* amber (``at_risk``): not met, in the current year, with fewer than ``warn_days`` days
  left after today;
* red (``missed``): the year is over and the rule was not met;
* blue-grey (``pending``, 待联系): not met yet, with time left (or a year not begun);
* grey (``ceased``): merged or abolished during the year before the rule was met. Such a
  unit is listed but not counted among the units to cover: its obligation ended with it.

Units of a year are those active at some time in it: still active, or merged/abolished
on a date in that year or later. A unit merged or abolished before the year began is not
there (its successor is).

Everything is read in a fixed number of queries whatever the committee's size: the
contacts are counted per unit in SQL (``Count``/``Max`` and correlated subqueries for the
last contact's form and the day the rule was met), the subjects per unit likewise.
The arithmetic is in pure functions that take ``today``.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from heli.liaison.models import SUBJECT_CODES, ContactUnit, Form, LiaisonSettings
from heli.org.models import Committee, GroupMembership, GroupYear, Unit

MET, AT_RISK, MISSED, PENDING, CEASED = "met", "at_risk", "missed", "pending", "ceased"
# In the order the page shows them (summary cards, legend, filter).
COLOURS: tuple[str, ...] = (MET, AT_RISK, MISSED, PENDING, CEASED)
# How many groups "the groups furthest behind" names.
BEHIND_GROUPS = 3
DAYS_PER_WEEK = 7


# Lazy: each is translated when shown, in the language of the request.
COLOUR_LABELS: dict[str, Any] = {
    MET: _("Met"),
    AT_RISK: _("At risk"),
    MISSED: _("Missed"),
    PENDING: _("To be contacted"),
    CEASED: _("Merged or abolished"),
}


def colour_labels() -> dict[str, Any]:
    return dict(COLOUR_LABELS)


def settings_for(committee: Committee) -> LiaisonSettings:
    """The committee's liaison settings, made with the defaults on first use."""
    return LiaisonSettings.of(committee)


# --- Pure arithmetic ------------------------------------------------------------------


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def days_left(year: int, today: datetime.date) -> int:
    """Days of ``year`` after ``today``: 0 on 31 December, negative once the year is over."""
    return (year_end(year) - today).days


def colour_of(
    count: int,
    *,
    rule: int,
    year: int,
    today: datetime.date,
    warn_days: int,
    ceased_on: datetime.date | None = None,
) -> str:
    """The colour of a unit with ``count`` contacts in ``year``, seen on ``today``.

    ``ceased_on`` is the day the unit was merged or abolished, when that falls in
    ``year``; from that day on a unit that did not meet the rule is ``ceased``.
    """
    if count >= rule:
        return MET
    if ceased_on is not None and ceased_on <= today:
        return CEASED
    if year < today.year:
        return MISSED
    if year == today.year and days_left(year, today) < warn_days:
        return AT_RISK
    return PENDING


# The state of the forecast, which sentence the page shows.
DONE, ON_TRACK, BEHIND, OVER, NOT_BEGUN = "done", "on_track", "behind", "over", "not_begun"


@dataclass(frozen=True)
class Forecast:
    """Where the year's coverage stands on ``today`` and where it is heading."""

    year: int
    today: datetime.date
    total: int  # units to cover
    covered: int
    state: str
    pace: float  # units covered per week so far
    needed_pace: float | None  # units per week needed to cover the rest by 31 December
    finish_on: datetime.date | None  # when the rest are covered at the current pace
    uncovered_at_end: int  # units left uncovered at 31 December at the current pace
    days_left: int

    @property
    def remaining(self) -> int:
        return self.total - self.covered

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return math.floor(self.share * 100)


def forecast(
    year: int, today: datetime.date, covered_on: Iterable[datetime.date], total: int
) -> Forecast:
    """The pace and forecast of ``year`` from the days each covered unit met the rule.

    The pace is the units covered per week from 1 January to ``today`` (to 31 December
    for a past year); the needed pace spreads the units left over the weeks left; the
    finish date is today plus the weeks the units left take at the current pace.
    """
    dates = list(covered_on)
    covered = len(dates)
    start, end = datetime.date(year, 1, 1), year_end(year)
    left = days_left(year, today)
    if today < start:
        return Forecast(year, today, total, covered, NOT_BEGUN, 0.0, None, None, 0, left)
    elapsed = ((min(today, end) - start).days + 1) / DAYS_PER_WEEK
    pace = covered / elapsed
    remaining = max(total - covered, 0)
    if remaining == 0:
        finish = max(dates) if dates else None
        return Forecast(year, today, total, covered, DONE, pace, None, finish, 0, left)
    if today > end:
        return Forecast(year, today, total, covered, OVER, pace, None, None, remaining, left)
    # The units left are to be covered on the days after today (none on 31 December).
    needed = remaining / (left / DAYS_PER_WEEK) if left > 0 else None
    if pace > 0:
        finish = today + datetime.timedelta(days=math.ceil(remaining / pace * DAYS_PER_WEEK))
        if finish <= end:
            return Forecast(year, today, total, covered, ON_TRACK, pace, needed, finish, 0, left)
        # Whole units only: what the pace covers in the days left, rounded down.
        more = math.floor(pace * left / DAYS_PER_WEEK)
        return Forecast(
            year, today, total, covered, BEHIND, pace, needed, None, remaining - more, left
        )
    return Forecast(year, today, total, covered, BEHIND, 0.0, needed, None, remaining, left)


# --- The board ------------------------------------------------------------------------


@dataclass
class UnitRow:
    unit_id: int
    name: str
    short_name: str
    group_id: int | None
    count: int
    last_date: datetime.date | None
    last_form: str
    covered_on: datetime.date | None  # the day of the contact that met the rule
    colour: str
    ceased_on: datetime.date | None

    @property
    def colour_label(self) -> str:
        return str(COLOUR_LABELS[self.colour])

    @property
    def last_form_label(self) -> str:
        return str(Form(self.last_form).label) if self.last_form in Form.values else ""


def tally(rows: Iterable[UnitRow]) -> dict[str, int]:
    counts = dict.fromkeys(COLOURS, 0)
    for row in rows:
        counts[row.colour] += 1
    return counts


@dataclass
class GroupRow:
    """A group of the year (or, with ``group_id`` None, the units in no group)."""

    group_id: int | None
    number: int
    name: str
    liaison_leader_id: int | None
    liaison_leader: str
    rows: list[UnitRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return tally(self.rows)

    @property
    def total(self) -> int:
        """Units to cover (those that ceased unmet are not)."""
        return len(self.rows) - self.counts[CEASED]

    @property
    def covered(self) -> int:
        return self.counts[MET]

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 1.0

    @property
    def percent(self) -> int:
        return math.floor(self.share * 100)


@dataclass
class Board:
    committee_id: int
    year: int
    today: datetime.date
    rule: int
    warn_days: int
    groups: list[GroupRow]

    @property
    def rows(self) -> list[UnitRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def counts(self) -> dict[str, int]:
        return tally(self.rows)

    @property
    def total(self) -> int:
        return len(self.rows) - self.counts[CEASED]

    @property
    def covered(self) -> int:
        return self.counts[MET]

    def forecast(self) -> Forecast:
        dates = [r.covered_on for r in self.rows if r.colour == MET and r.covered_on]
        return forecast(self.year, self.today, dates, self.total)

    def behind(self, n: int = BEHIND_GROUPS) -> list[GroupRow]:
        """The groups with the lowest share covered (fully covered ones left out)."""
        lagging = [g for g in self.groups if g.group_id is not None and g.covered < g.total]
        return sorted(lagging, key=lambda g: (g.share, g.number))[:n]

    def only(self, group_id: int | None = None, colour: str | None = None) -> Board:
        """The same board narrowed to one group and/or one colour (groups left empty go)."""
        groups = []
        for g in self.groups:
            if group_id is not None and g.group_id != group_id:
                continue
            rows = [r for r in g.rows if colour is None or r.colour == colour]
            if rows or (group_id is not None and colour is None):
                groups.append(
                    GroupRow(
                        g.group_id, g.number, g.name, g.liaison_leader_id, g.liaison_leader, rows
                    )
                )
        return Board(self.committee_id, self.year, self.today, self.rule, self.warn_days, groups)


def units_of_year(committee_id: int, year: int) -> Any:
    """The committee's units active at some time in ``year``."""
    return Unit.objects.filter(committee_id=committee_id).filter(
        Q(status=Unit.Status.ACTIVE) | Q(status_date__gte=datetime.date(year, 1, 1))
    )


def _group_rows(committee_id: int, year: int) -> tuple[list[GroupRow], dict[int, int]]:
    """The year's groups (by number, each with its liaison leader) and each unit's group."""
    group_years = (
        GroupYear.objects.filter(committee_id=committee_id, year=year)
        .order_by("group__number")
        .values_list(
            "group_id", "group__number", "group__name", "liaison_leader_id",
            "liaison_leader__full_name",
        )
    )  # fmt: skip
    groups = [GroupRow(g, n, name, leader, leader_name or "") for g, n, name, leader, leader_name
              in group_years]  # fmt: skip
    unit_group = dict(
        GroupMembership.objects.filter(committee_id=committee_id, year=year).values_list(
            "unit_id", "group_year__group_id"
        )
    )
    return groups, unit_group


def _contacts_of(committee_id: int, year: int) -> Any:
    return ContactUnit.objects.filter(
        committee_id=committee_id, contact__year=year, unit_id=OuterRef("pk")
    )


def build_board(
    committee: Committee,
    year: int,
    today: datetime.date,
    *,
    liaison_settings: LiaisonSettings | None = None,
) -> Board:
    """The coverage board of ``year`` seen on ``today``, in four queries (five when the
    committee's settings are made on first use)."""
    found = liaison_settings or settings_for(committee)
    rule = max(committee.min_contacts_per_year, 1)
    committee_id = committee.pk
    groups, unit_group = _group_rows(committee_id, year)
    this_year = Q(
        liaison_contacts__year=year, liaison_contacts__committee_id=committee_id
    )  # the contact's own committee: the tenant boundary holds even for odd rows
    last_form = _contacts_of(committee_id, year).order_by("-contact__date", "-contact_id")
    met_on = _contacts_of(committee_id, year).order_by("contact__date", "contact_id")
    units = (
        units_of_year(committee_id, year)
        .annotate(
            n=Count("liaison_contacts", filter=this_year, distinct=True),
            last_date=Max("liaison_contacts__date", filter=this_year),
            last_form=Subquery(last_form.values("contact__form")[:1]),
            covered_on=Subquery(met_on.values("contact__date")[rule - 1 : rule]),
        )
        .order_by("sort_order", "id")
        .values_list(
            "id", "name", "short_name", "status", "status_date", "n", "last_date", "last_form",
            "covered_on",
        )
    )  # fmt: skip
    by_group = {g.group_id: g for g in groups}
    loose = GroupRow(None, 10**6, str(_("Not in a group this year")), None, "")
    for pk, name, short, status, status_date, n, last, form, met in units:
        ceased_on = (
            status_date
            if status != Unit.Status.ACTIVE and status_date and status_date.year == year
            else None
        )
        colour = colour_of(
            n, rule=rule, year=year, today=today, warn_days=found.warn_days, ceased_on=ceased_on
        )
        group_id = unit_group.get(pk)
        row = UnitRow(pk, name, short or "", group_id, n, last, form or "", met, colour, ceased_on)
        by_group.get(group_id or 0, loose).rows.append(row)
    if loose.rows:
        groups.append(loose)
    return Board(committee_id, year, today, rule, found.warn_days, groups)


# --- The matrix of units × subjects ---------------------------------------------------


@dataclass
class MatrixRow:
    unit: UnitRow
    cells: list[int]  # contacts per subject, in SUBJECT_CODES order

    @property
    def subject_cells(self) -> list[tuple[str, int]]:
        return list(zip(SUBJECT_CODES, self.cells, strict=True))

    @property
    def missing(self) -> list[str]:
        return [code for code, n in zip(SUBJECT_CODES, self.cells, strict=True) if not n]


def subject_counts(committee_id: int, year: int) -> dict[int, list[int]]:
    """For each unit with contacts in ``year``: how many of them covered each subject.

    One query. ``subjects`` is a JSON list of codes; each code is a whole word in quotes
    in its text (no code is part of another), which both SQLite and PostgreSQL can match.
    """
    annotations = {
        f"s{i}": Count("contact_id", filter=Q(contact__subjects__icontains=f'"{code}"'))
        for i, code in enumerate(SUBJECT_CODES)
    }
    rows = (
        ContactUnit.objects.filter(committee_id=committee_id, contact__year=year)
        .values("unit_id")
        .annotate(**annotations)
        .order_by()
    )
    return {row["unit_id"]: [row[f"s{i}"] for i in range(len(SUBJECT_CODES))] for row in rows}


@dataclass
class Matrix:
    board: Board
    rows_by_group: list[tuple[GroupRow, list[MatrixRow]]]

    @property
    def rows(self) -> list[MatrixRow]:
        return [row for _g, rows in self.rows_by_group for row in rows]

    def not_raised(self) -> list[int]:
        """Per subject, the units with which it was not raised in the year."""
        return [sum(1 for row in self.rows if not row.cells[i]) for i in range(len(SUBJECT_CODES))]

    def contacts(self) -> list[int]:
        """Per subject, the unit-contacts that covered it (a symposium counts per unit)."""
        return [sum(row.cells[i] for row in self.rows) for i in range(len(SUBJECT_CODES))]


def build_matrix(board: Board) -> Matrix:
    """The subjects raised with each unit of ``board`` (one query more)."""
    counts = subject_counts(board.committee_id, board.year)
    empty = [0] * len(SUBJECT_CODES)
    return Matrix(
        board,
        [(g, [MatrixRow(r, counts.get(r.unit_id, empty)) for r in g.rows]) for g in board.groups],
    )


def missing_subject(matrix: Matrix, code: str) -> Matrix:
    """The matrix narrowed to the units with which subject ``code`` was not raised."""
    index = SUBJECT_CODES.index(code)
    groups = []
    for g, rows in matrix.rows_by_group:
        kept = [r for r in rows if not r.cells[index]]
        if kept:
            groups.append((g, kept))
    return Matrix(matrix.board, groups)
