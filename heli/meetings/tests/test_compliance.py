"""The compliance rule and its look-ahead: the arithmetic on fixed days, the counts read
from the database, and the page — who sees which rows, colours turning on the right
day, every count opening exactly its rows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from heli.meetings import compliance
from heli.meetings.compliance import AMBER, BLUE, GREEN, GREY, RED, hold_by_date, outlook
from heli.meetings.models import JointMeeting, MeetingSettings
from heli.meetings.tests.factories import make_meeting, when
from heli.org.models import GroupMembership, GroupYear
from heli.testing import WORLD_USERS, World

D = datetime.date
S = JointMeeting.Status
PAGE = reverse("meetings:compliance")
# Mid-June 2026: the world's work year is 2026 whatever the real calendar says.
JUNE = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)
# Late November: the days a group turns amber and red are weeks ahead, not months (a
# password older than the policy's maximum age would stop the sign-in).
NOVEMBER = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.UTC)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


def _colour(held: int, planned: int, today: datetime.date, **kw: Any) -> str:
    values: dict[str, Any] = {"rule": 2, "year": 2026, "lead_days": 7, "gap_days": 30}
    values.update(kw)
    return outlook(held=held, planned=planned, today=today, **values).colour


# --- The arithmetic -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "planned", "today", "expected"),
    [
        # Two missing: the next must be held by 1 December, its notice out by 24 November.
        (0, 0, D(2026, 3, 1), BLUE),
        (0, 0, D(2026, 11, 24), BLUE),
        (0, 0, D(2026, 11, 25), AMBER),
        (0, 0, D(2026, 12, 1), AMBER),
        (0, 0, D(2026, 12, 2), RED),
        # One missing: held by 31 December, noticed by 24 December.
        (1, 0, D(2026, 12, 24), BLUE),
        (1, 0, D(2026, 12, 25), AMBER),
        (1, 0, D(2026, 12, 31), AMBER),
        (0, 1, D(2026, 12, 25), AMBER),
        # The planned meetings make up the rule: in time until the year ends.
        (1, 1, D(2026, 12, 31), BLUE),
        (0, 2, D(2026, 12, 30), BLUE),
        # Met, whatever the day.
        (2, 0, D(2026, 1, 2), GREEN),
        (3, 0, D(2027, 3, 1), GREEN),
        # The year is over without the rule met.
        (1, 0, D(2027, 1, 1), RED),
        (0, 0, D(2027, 1, 1), RED),
        # A year not begun.
        (0, 0, D(2025, 12, 20), BLUE),
    ],
)
def test_colours_on_fixed_days(
    held: int, planned: int, today: datetime.date, expected: str
) -> None:
    assert _colour(held, planned, today) == expected


def test_the_dates_count_back_from_the_year_end() -> None:
    o = outlook(rule=2, held=0, planned=0, year=2026, today=D(2026, 6, 1), lead_days=7,
                gap_days=30)  # fmt: skip
    assert (o.missing, o.hold_by, o.plan_by) == (2, D(2026, 12, 1), D(2026, 11, 24))
    o = outlook(rule=3, held=1, planned=0, year=2026, today=D(2026, 6, 1), lead_days=10,
                gap_days=45)  # fmt: skip
    assert (o.missing, o.hold_by, o.plan_by) == (2, D(2026, 11, 16), D(2026, 11, 6))
    assert hold_by_date(1, 2026, 30) == D(2026, 12, 31)
    assert hold_by_date(3, 2026, 0) == D(2026, 12, 31)
    met = outlook(rule=2, held=2, planned=0, year=2026, today=D(2026, 6, 1), lead_days=7,
                  gap_days=30)  # fmt: skip
    assert (met.missing, met.hold_by, met.plan_by) == (0, None, None)


def test_grey_only_for_a_past_year_without_records() -> None:
    assert _colour(0, 0, D(2027, 2, 1), has_data=False) == GREY
    assert _colour(0, 0, D(2027, 2, 1), has_data=True) == RED
    assert _colour(2, 0, D(2027, 2, 1), has_data=False) == GREEN
    # The current year is never grey: there is still time.
    assert _colour(0, 0, D(2026, 2, 1), has_data=False) == BLUE


def test_a_rule_the_year_cannot_hold_is_red_at_once() -> None:
    # Twenty meetings thirty days apart do not fit in a year.
    assert _colour(0, 0, D(2026, 2, 1), rule=20) == RED
    assert _colour(0, 0, D(2025, 6, 1), rule=20) == RED
    assert _colour(0, 0, D(2026, 2, 1), rule=0) == GREEN


@given(
    held=st.integers(0, 4),
    planned=st.integers(0, 3),
    rule=st.integers(0, 6),
    lead=st.integers(0, 30),
    gap=st.integers(0, 90),
)
def test_a_group_only_ever_gets_worse_as_the_days_pass(
    held: int, planned: int, rule: int, lead: int, gap: int
) -> None:
    """Over the days of the year, with the same meetings, a group goes blue → amber →
    red, or stays green; the first amber day is the day after ``plan_by``."""
    rank = {GREEN: 0, BLUE: 1, AMBER: 2, RED: 3}
    worst = 0
    day = D(2026, 1, 1)
    first_amber = None
    while day <= D(2027, 1, 1):
        o = outlook(rule=rule, held=held, planned=planned, year=2026, today=day, lead_days=lead,
                    gap_days=gap)  # fmt: skip
        assert rank[o.colour] >= worst, (day, o)
        worst = rank[o.colour]
        if o.colour == AMBER and first_amber is None:
            first_amber = day
            assert o.plan_by is not None and day == max(
                o.plan_by + datetime.timedelta(days=1), D(2026, 1, 1)
            )
        day += datetime.timedelta(days=1)
    if held >= rule:
        assert worst == 0


# --- Counted in the database ----------------------------------------------------------


@pytest.mark.frozen_clock(JUNE)
def test_counts_held_planned_and_unrecorded(world: World) -> None:
    gy = world.group_years[0]
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18))
    make_meeting(world, status=S.HELD, starts_at=when(2026, 5, 20))
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 4, 10))  # not marked held
    make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 9, 10))
    make_meeting(world, status=S.CANCELLED, starts_at=when(2026, 10, 10))
    facts = compliance.group_facts(world.committee.pk, 2026, timezone.now())
    assert [f.group_year_id for f in facts] == [gy.pk, world.group_years[1].pk]
    one, two = facts
    assert (one.held, one.planned, one.unrecorded, one.recorded) == (2, 1, 1, 5)
    assert (two.held, two.planned, two.unrecorded, two.recorded) == (0, 0, 0, 0)
    assert one.liaison_leader == "李领导" and two.liaison_leader == ""
    # Narrowed to one group year.
    only = compliance.group_facts(world.committee.pk, 2026, timezone.now(), group_year_ids=[
        world.group_years[1].pk])  # fmt: skip
    assert [f.group_year_id for f in only] == [world.group_years[1].pk]


@pytest.mark.frozen_clock(JUNE)
def test_a_meeting_counts_as_planned_until_its_time(world: World) -> None:
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 6, 15, 16))
    assert compliance.group_facts(world.committee.pk, 2026, timezone.now())[0].planned == 1
    with time_machine.travel(_at(D(2026, 6, 15), 17), tick=False):
        facts = compliance.group_facts(world.committee.pk, 2026, timezone.now())[0]
    assert (facts.planned, facts.unrecorded) == (0, 1)


@pytest.mark.frozen_clock(JUNE)
def test_the_tenant_boundary_holds(world: World) -> None:
    make_meeting(world, status=S.HELD, starts_at=when(2026, 3, 18))
    other = compliance.group_facts(world.other_committee.pk, 2026, timezone.now())
    assert other == []


# --- The page -------------------------------------------------------------------------


def _rows(response: Any) -> list[Any]:
    assert response.status_code == 200
    return [item["row"] for item in response.context["rows"]]


def _colours(response: Any) -> dict[str, str]:
    return {r.facts.name: r.colour for r in _rows(response)}


GROUP1_PEOPLE = {"unit0_leadership", "unit0_secretary", "unit0_staff"}
GROUP2_PEOPLE = {"unit2_secretary", "unit2_staff"}


@pytest.mark.frozen_clock(JUNE)
@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_sees_which_rows(client: Client, world: World, name: str) -> None:
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18))
    client.force_login(world.user(name))
    response = client.get(PAGE, {"year": "2026"})
    if name in {"leader", "staff", "office"}:
        assert [r.facts.name for r in _rows(response)] == ["第一组", "第二组"]
    elif name in GROUP1_PEOPLE:
        assert [r.facts.name for r in _rows(response)] == ["第一组"]
    elif name in GROUP2_PEOPLE:
        assert [r.facts.name for r in _rows(response)] == ["第二组"]
    elif name == "outsider":
        # A leader of another committee sees that committee's groups: none of ours.
        assert _rows(response) == []
    else:
        assert response.status_code == 403, name


@pytest.mark.frozen_clock(JUNE)
def test_refusals_are_recorded(client: Client, world: World) -> None:
    from heli.audit.models import AuditEvent

    client.force_login(world.user("auditor"))
    assert client.get(PAGE).status_code == 403
    assert AuditEvent.objects.filter(
        result=AuditEvent.Result.DENIED, object_type="meetings.jointmeeting"
    ).exists()


@pytest.mark.frozen_clock(NOVEMBER)
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 11, 24), {"第一组": BLUE, "第二组": BLUE}),
        (D(2026, 11, 25), {"第一组": BLUE, "第二组": AMBER}),
        (D(2026, 12, 2), {"第一组": BLUE, "第二组": RED}),
        (D(2026, 12, 24), {"第一组": BLUE, "第二组": RED}),
        (D(2026, 12, 25), {"第一组": AMBER, "第二组": RED}),
        (D(2027, 1, 4), {"第一组": RED, "第二组": RED}),
    ],
)
def test_groups_turn_amber_on_the_right_day_and_red_after_the_year(
    client: Client, world: World, day: datetime.date, expected: dict[str, str]
) -> None:
    # Group 1 held one meeting, group 2 none.
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3))
    with time_machine.travel(_at(day), tick=False):
        client.force_login(world.user("staff"))
        response = client.get(PAGE, {"year": str(world.group_years[0].year)})
    assert _colours(response) == expected
    html = response.content.decode()
    for colour in set(expected.values()):
        assert html.count(f'class="mc-row-{colour}"') == list(expected.values()).count(colour)


@pytest.mark.frozen_clock(JUNE)
def test_the_page_says_by_when(client: Client, world: World) -> None:
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18))
    client.force_login(world.user("office"))
    html = client.get(PAGE, {"year": "2026"}).content.decode()
    # Group 1 misses one meeting: by 31 December, noticed by 24 December; group 2 two.
    assert 'data-hold-by="2026-12-31"' in html and 'data-plan-by="2026-12-24"' in html
    assert 'data-hold-by="2026-12-01"' in html and 'data-plan-by="2026-11-24"' in html
    # The settings move the dates.
    found = MeetingSettings.of(world.committee)
    found.min_gap_days, found.notice_lead_days = 60, 14
    found.save(update_fields=["min_gap_days", "notice_lead_days"])
    html = client.get(PAGE, {"year": "2026"}).content.decode()
    assert 'data-hold-by="2026-11-01"' in html and 'data-plan-by="2026-10-18"' in html
    # So does the rule.
    world.committee.min_meetings_per_year = 3
    world.committee.save(update_fields=["min_meetings_per_year"])
    html = client.get(PAGE, {"year": "2026"}).content.decode()
    assert 'data-hold-by="2026-11-01"' in html  # group 1 now misses two
    assert 'data-hold-by="2026-09-02"' in html  # group 2 three


@pytest.mark.frozen_clock(JUNE)
def test_lead_units_leader_last_and_next_meeting(client: Client, world: World) -> None:
    last = make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18))
    make_meeting(world, status=S.CANCELLED, starts_at=when(2026, 7, 1))
    following = make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 9, 10))
    make_meeting(world, status=S.PLANNED, starts_at=when(2026, 11, 10))
    client.force_login(world.user("leader"))
    response = client.get(PAGE, {"year": "2026"})
    one, two = _rows(response)
    assert one.lead_units == ["测试单位0"] and two.lead_units == []
    assert one.facts.liaison_leader == "李领导"
    assert (one.last.pk, one.next.pk) == (last.pk, following.pk)
    assert two.last is None and two.next is None
    assert (one.outlook.held, one.outlook.planned, one.colour) == (1, 2, BLUE)
    html = response.content.decode()
    assert f'href="{reverse("meetings:meeting_detail", args=[last.pk])}" data-last="{last.pk}"' in (
        html
    )
    assert f'data-next="{following.pk}"' in html


@pytest.mark.frozen_clock(_at(D(2026, 12, 2)))
def test_every_count_opens_exactly_its_rows(client: Client, world: World) -> None:
    make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(2026, 3, 18))
    client.force_login(world.user("leader"))
    response = client.get(PAGE, {"year": "2026"})
    summary = {item["key"]: item for item in response.context["summary"]}
    assert {k: v["count"] for k, v in summary.items()} == {
        "all": 2, GREEN: 0, BLUE: 1, AMBER: 0, RED: 1,
    }  # fmt: skip
    for item in summary.values():
        rows = _rows(client.get(item["url"]))
        assert len(rows) == item["count"], item
        if item["key"] != "all":
            assert {r.colour for r in rows} <= {item["key"]}
    html = response.content.decode()
    assert f'href="{PAGE}?year=2026&amp;status=red" data-status="red"' in html
    # Narrowed to a group, the numbers count that group.
    group = world.groups[1].pk
    response = client.get(PAGE, {"year": "2026", "group": str(group)})
    assert [r.facts.group_id for r in _rows(response)] == [group]
    counts = {item["key"]: item["count"] for item in response.context["summary"]}
    assert counts["all"] == 1 and counts[RED] == 1
    red = client.get(f"{PAGE}?year=2026&group={group}&status=red")
    assert len(_rows(red)) == 1


@pytest.mark.frozen_clock(JUNE)
def test_unknown_filters_select_nothing(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    for query in ("status=purple", f"group={world.groups[0].pk + 1000}", "group=x"):
        assert _rows(client.get(f"{PAGE}?year=2026&{query}")) == [], query
    # A unit's people cannot reach another group's row by its id.
    client.force_login(world.user("unit2_secretary"))
    assert _rows(client.get(f"{PAGE}?year=2026&group={world.groups[0].pk}")) == []


@pytest.mark.frozen_clock(JUNE)
def test_a_past_year_without_records_is_grey(client: Client, world: World) -> None:
    for n, group in enumerate(world.groups):
        gy = GroupYear.objects.create(committee=world.committee, group=group, year=2025)
        GroupMembership.objects.create(
            committee=world.committee, group_year=gy, unit=world.units[2 * n], year=2025
        )
    client.force_login(world.user("office"))
    response = client.get(PAGE, {"year": "2025"})
    assert _colours(response) == {"第一组": GREY, "第二组": GREY}
    assert {k for k, _l, _m in response.context["legend"]} == set(compliance.COLOURS)
    # Once the year holds a meeting, a group without one missed the rule.
    past = GroupYear.objects.get(group=world.groups[0], year=2025)
    make_meeting(world, group_year=past, status=S.MINUTES_APPROVED, starts_at=when(2025, 5))
    make_meeting(world, group_year=past, status=S.HELD, starts_at=when(2025, 10))
    assert _colours(client.get(PAGE, {"year": "2025"})) == {"第一组": GREEN, "第二组": RED}
    # A past-year member sees the row of the group their unit was in that year.
    client.force_login(world.user("unit2_staff"))
    assert list(_colours(client.get(PAGE, {"year": "2025"}))) == ["第二组"]


@pytest.mark.frozen_clock(JUNE)
def test_the_legend_explains_every_colour_with_the_settings(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    html = client.get(PAGE).content.decode()
    for colour in compliance.COLOURS:
        assert f'data-legend="{colour}"' in html
    legend = {k: m for k, _l, m in client.get(PAGE).context["legend"]}
    # The meanings carry this committee's numbers: 7 days of notice, 30 days apart.
    assert "7" in legend[BLUE] and "30" in legend[BLUE] and "7" in legend[AMBER]
