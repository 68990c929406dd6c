"""The coverage arithmetic: colours on fixed days, the forecast, and the board read from
the database in a fixed number of queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from heli.liaison import coverage
from heli.liaison.coverage import AT_RISK, CEASED, MET, MISSED, PENDING, colour_of, forecast
from heli.liaison.models import Contact, ContactUnit, Form
from heli.org.models import Unit
from heli.testing import World

D = datetime.date


def add_contact(
    committee: Any,
    units: list[Unit],
    date: datetime.date,
    *,
    by: Any,
    form: str = Form.VISIT,
    subjects: list[str] | None = None,
    title: str = "走访调研",
) -> Contact:
    """A contact row made directly (the board only reads them)."""
    contact = Contact.objects.create(
        committee=committee,
        year=date.year,
        form=form,
        subjects=subjects or ["decisions"],
        date=date,
        title=title,
        created_by=by,
    )
    ContactUnit.objects.bulk_create(
        ContactUnit(committee=committee, contact=contact, unit=u) for u in units
    )
    return contact


# --- Colours --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "year", "today", "expected"),
    [
        (1, 2026, D(2026, 3, 1), MET),
        (2, 2025, D(2026, 3, 1), MET),
        (0, 2026, D(2026, 3, 1), PENDING),
        (0, 2026, D(2026, 11, 1), PENDING),  # 60 days left: not fewer than 60
        (0, 2026, D(2026, 11, 2), AT_RISK),  # 59 days left
        (0, 2026, D(2026, 12, 31), AT_RISK),
        (0, 2025, D(2026, 1, 1), MISSED),
        (0, 2027, D(2026, 12, 1), PENDING),  # a year not begun
    ],
)
def test_colour_on_fixed_days(count: int, year: int, today: datetime.date, expected: str) -> None:
    assert colour_of(count, rule=1, year=year, today=today, warn_days=60) == expected


def test_rule_of_two_contacts() -> None:
    assert colour_of(1, rule=2, year=2025, today=D(2026, 1, 5), warn_days=60) == MISSED
    assert colour_of(2, rule=2, year=2025, today=D(2026, 1, 5), warn_days=60) == MET


def test_a_unit_merged_before_meeting_the_rule_is_ceased_from_that_day() -> None:
    merged = D(2026, 5, 1)
    kw: dict[str, Any] = {"rule": 1, "year": 2026, "warn_days": 60, "ceased_on": merged}
    assert colour_of(0, today=D(2026, 4, 30), **kw) == PENDING
    assert colour_of(0, today=merged, **kw) == CEASED
    assert colour_of(0, today=D(2027, 2, 1), **kw) == CEASED  # not red: it ended
    assert colour_of(1, today=D(2027, 2, 1), **kw) == MET


@given(
    count=st.integers(0, 20),
    rule=st.integers(1, 12),
    warn=st.integers(1, 180),
    today=st.dates(D(2024, 1, 1), D(2028, 12, 31)),
)
def test_colour_rules_hold_for_any_day(
    count: int, rule: int, warn: int, today: datetime.date
) -> None:
    colour = colour_of(count, rule=rule, year=2026, today=today, warn_days=warn)
    assert (colour == MET) == (count >= rule)
    if colour == MISSED:
        assert today > D(2026, 12, 31)
    if colour == AT_RISK:
        assert today.year == 2026 and (D(2026, 12, 31) - today).days < warn
    if count < rule and today.year == 2026 and (D(2026, 12, 31) - today).days < warn:
        assert colour == AT_RISK


# --- The forecast ---------------------------------------------------------------------


def test_forecast_on_track() -> None:
    # 28 days (4 weeks) into the year, 8 of 20 covered: 2 a week; 12 left take 6 weeks.
    today = D(2026, 1, 28)
    f = forecast(2026, today, [D(2026, 1, d) for d in range(1, 9)], 20)
    assert f.state == coverage.ON_TRACK
    assert f.pace == pytest.approx(2.0)
    assert f.finish_on == today + datetime.timedelta(days=42)
    assert f.uncovered_at_end == 0
    # 12 units over the 337 days (48.14 weeks) left.
    assert f.needed_pace == pytest.approx(12 / (337 / 7))


def test_forecast_behind_says_how_many_stay_uncovered() -> None:
    # 2 December 2026: day 336 = 48 weeks; 48 of 122 covered, 1 a week; 29 days left.
    today = D(2026, 12, 2)
    f = forecast(2026, today, [D(2026, 6, 1)] * 48, 122)
    assert f.state == coverage.BEHIND
    assert f.pace == pytest.approx(1.0)
    assert f.days_left == 29
    assert f.finish_on is None
    # 29 days at 1 a week cover 4 more (rounded down): 74 - 4 stay uncovered.
    assert f.uncovered_at_end == 70
    assert f.needed_pace == pytest.approx(74 / (29 / 7))


def test_forecast_with_nothing_covered_yet() -> None:
    f = forecast(2026, D(2026, 3, 1), [], 10)
    assert f.state == coverage.BEHIND and f.pace == 0 and f.uncovered_at_end == 10


def test_forecast_done_past_and_future_years() -> None:
    done = forecast(2026, D(2026, 6, 1), [D(2026, 2, 1), D(2026, 5, 3)], 2)
    assert done.state == coverage.DONE and done.finish_on == D(2026, 5, 3)
    over = forecast(2025, D(2026, 6, 1), [D(2025, 2, 1)], 3)
    assert over.state == coverage.OVER and over.uncovered_at_end == 2
    assert over.pace == pytest.approx(1 / (365 / 7))
    assert forecast(2027, D(2026, 6, 1), [], 3).state == coverage.NOT_BEGUN


def test_on_the_last_day_no_pace_is_needed_that_cannot_be_met() -> None:
    f = forecast(2026, D(2026, 12, 31), [D(2026, 3, 1)], 3)
    assert f.state == coverage.BEHIND and f.needed_pace is None and f.uncovered_at_end == 2


@given(
    covered=st.integers(0, 200),
    extra=st.integers(0, 200),
    today=st.dates(D(2026, 1, 1), D(2026, 12, 31)),
)
def test_forecast_is_consistent(covered: int, extra: int, today: datetime.date) -> None:
    total = covered + extra
    f = forecast(2026, today, [D(2026, 1, 1)] * covered, total)
    assert f.remaining == extra
    assert 0 <= f.uncovered_at_end <= extra
    if f.state == coverage.ON_TRACK:
        assert f.finish_on is not None and today <= f.finish_on <= D(2026, 12, 31)
        assert f.uncovered_at_end == 0
    if f.state == coverage.BEHIND:
        assert f.uncovered_at_end > 0
    if extra == 0:
        assert f.state == coverage.DONE


# --- The board from the database ------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.frozen_clock  # the world's groups are 2026's, the year the test counts
def test_board_counts_groups_and_colours(world: World) -> None:
    staff = world.user("staff")
    u = world.units
    year = 2026
    add_contact(world.committee, [u[0], u[1]], D(year, 3, 2), by=staff, form=Form.SYMPOSIUM)
    add_contact(world.committee, [u[0]], D(year, 5, 6), by=staff, form=Form.LETTER)
    add_contact(world.committee, [u[2]], D(year - 1, 5, 6), by=staff)  # last year's
    # Another committee's contact with its own unit never counts here.
    outsider = world.user("outsider")
    add_contact(world.other_committee, [world.other_unit], D(year, 5, 6), by=outsider)
    board = coverage.build_board(world.committee, year, D(year, 12, 2))
    assert [g.name for g in board.groups] == ["第一组", "第二组"]
    rows = {r.name: r for r in board.rows}
    assert rows["测试单位0"].count == 2
    assert rows["测试单位0"].last_date == D(year, 5, 6)
    assert rows["测试单位0"].last_form == Form.LETTER
    assert rows["测试单位0"].covered_on == D(year, 3, 2)
    assert rows["测试单位1"].colour == MET
    assert rows["测试单位2"].count == 0 and rows["测试单位2"].colour == AT_RISK
    assert board.counts[MET] == 2 and board.counts[AT_RISK] == 2
    assert board.total == 4 and board.covered == 2
    assert [g.name for g in board.behind()] == ["第二组"]
    last_year = coverage.build_board(world.committee, year - 1, D(year, 12, 2))
    assert {r.name: r.colour for r in last_year.rows}["测试单位2"] == MET
    assert last_year.counts[MISSED] == 3


@pytest.mark.django_db
def test_rule_of_two_meets_on_the_second_contact(world: World) -> None:
    world.committee.min_contacts_per_year = 2
    world.committee.save(update_fields=["min_contacts_per_year"])
    staff = world.user("staff")
    add_contact(world.committee, [world.units[0]], D(2026, 2, 1), by=staff)
    add_contact(world.committee, [world.units[0]], D(2026, 4, 9), by=staff)
    add_contact(world.committee, [world.units[1]], D(2026, 4, 9), by=staff)
    rows = {r.name: r for r in coverage.build_board(world.committee, 2026, D(2026, 6, 1)).rows}
    assert rows["测试单位0"].colour == MET and rows["测试单位0"].covered_on == D(2026, 4, 9)
    assert rows["测试单位1"].colour == PENDING and rows["测试单位1"].covered_on is None


@pytest.mark.django_db
def test_merged_units_and_units_in_no_group(world: World) -> None:
    u = world.units
    # Merged into unit 1 in May 2026, never contacted: grey, not counted.
    Unit.objects.filter(pk=u[3].pk).update(
        status=Unit.Status.MERGED, status_date=D(2026, 5, 1), successor=u[1]
    )
    # Abolished in 2025: not on the 2026 board at all.
    Unit.objects.filter(pk=u[2].pk).update(status=Unit.Status.ABOLISHED, status_date=D(2025, 3, 1))
    loose = Unit.objects.create(committee=world.committee, name="新组建单位", sort_order=9)
    board = coverage.build_board(world.committee, 2026, D(2026, 6, 1))
    rows = {r.name: r for r in board.rows}
    assert "测试单位2" not in rows
    assert rows["测试单位3"].colour == CEASED
    assert rows[loose.name].group_id is None
    assert board.groups[-1].group_id is None
    assert board.total == 3  # units 0, 1 and the new one
    only = board.only(colour=CEASED)
    assert [r.name for r in only.rows] == ["测试单位3"]


@pytest.mark.django_db
def test_subject_matrix_counts_each_subject(world: World) -> None:
    staff = world.user("staff")
    u = world.units
    add_contact(
        world.committee, [u[0], u[1]], D(2026, 3, 2), by=staff, subjects=["decisions", "views"]
    )
    add_contact(world.committee, [u[0]], D(2026, 4, 2), by=staff, subjects=["views", "problems"])
    matrix = coverage.build_matrix(coverage.build_board(world.committee, 2026, D(2026, 6, 1)))
    cells = {r.unit.name: r.cells for r in matrix.rows}
    assert cells["测试单位0"] == [1, 2, 0, 0, 1]
    assert cells["测试单位1"] == [1, 1, 0, 0, 0]
    assert cells["测试单位2"] == [0, 0, 0, 0, 0]
    assert matrix.not_raised() == [2, 2, 4, 4, 3]
    assert matrix.contacts() == [2, 3, 0, 0, 1]
    missing = coverage.missing_subject(matrix, "problems")
    assert [r.unit.name for r in missing.rows] == ["测试单位1", "测试单位2", "测试单位3"]


@pytest.mark.django_db
def test_board_reads_in_four_queries(world: World) -> None:
    staff = world.user("staff")
    add_contact(world.committee, world.units, D(2026, 3, 2), by=staff)
    coverage.settings_for(world.committee)
    with CaptureQueriesContext(connection) as ctx:
        board = coverage.build_board(world.committee, 2026, D(2026, 6, 1))
        coverage.build_matrix(board)
    assert len(ctx.captured_queries) == 5
