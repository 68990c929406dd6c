"""The battle map's lists read a page from indexes rather than sorting every task, and
show exactly what the plain query would: the task list's pages, the board's columns,
"waiting for me" (its counts and its first tasks), and the unit filter found by typing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.org.models import Unit
from heli.testing import FROZEN_TODAY, World, build_sized_committee
from heli.tracking.board import build_board
from heli.tracking.lists import (
    FIRST_KINDS,
    UrgentFirst,
    _urgency,
    urgent_first,
    visible_tasks,
    waiting_conditions,
    waiting_counts,
    waiting_first,
)
from heli.tracking.models import ExtensionRequest, Task, TaskUnit
from heli.tracking.tests.helpers import add_sized_tasks
from heli.tracking.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

YEAR = FROZEN_TODAY.year
ROLES = ["leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff",
         "unit2_secretary", "unit2_staff"]  # fmt: skip


def _tasks(world: World) -> list[Task]:
    """Tasks of every status, many on the same deadline (ties broken by id), some of two
    kinds of waiting work at once, one withdrawn."""
    made = []
    statuses = [s for s in Status.values if s != Status.WITHDRAWN]
    for i in range(48):
        status = statuses[i % len(statuses)]
        closed = status == Status.CLOSED
        made.append(
            Task.objects.create(
                committee=world.committee,
                year=YEAR if i % 5 else YEAR - 1,
                title=f"事项{i}",
                lead_unit=world.units[i % 4],
                department=world.department if i % 3 else world.office,
                assigned_at=datetime.date(YEAR - 1, 1, 1),
                deadline=FROZEN_TODAY + datetime.timedelta(days=(i * 7) % 40 - 20),
                status=status,
                created_by=world.user("staff"),
                closed_by=world.user("staff") if closed else None,
                closed_at=timezone.now() if closed else None,
            )
        )
    for task in made[::6]:
        TaskUnit.objects.create(committee=world.committee, task=task, unit=world.units[0])
    for task in made[::7]:
        if not task.is_final:
            ExtensionRequest.objects.create(
                committee=world.committee,
                task=task,
                current_deadline=task.deadline,
                requested_deadline=task.deadline + datetime.timedelta(days=30),
                reason="需要延期",
                requested_by=world.user("unit0_secretary"),
            )
    Task.objects.filter(pk=made[1].pk).update(status=Status.WITHDRAWN)
    return made


def _ids(tasks: Any) -> list[int]:
    return [t.pk for t in tasks]


# --- The task list --------------------------------------------------------------------


@pytest.mark.parametrize("name", ROLES)
def test_every_page_is_the_slice_of_the_whole_list_most_urgent_first(
    world: World, name: str
) -> None:
    _tasks(world)
    tasks = visible_tasks(world.user(name))
    for narrowed in (tasks, tasks.filter(year=YEAR), tasks.open_work(), tasks.filter(
            Q(lead_unit=world.units[1]) | Q(department=world.office))):  # fmt: skip
        whole = list(urgent_first(narrowed).values_list("pk", flat=True))
        pages = UrgentFirst(narrowed)
        assert pages.count() == len(whole) == len(pages)
        for start, stop in ((0, 1), (0, 7), (7, 14), (3, 30), (30, 60), (40, 41), (90, 99)):
            assert _ids(pages[start:stop]) == whole[start:stop], (name, start, stop)
        assert _ids(pages) == whole
        if whole:
            assert pages[len(whole) - 1].pk == whole[-1]
        with pytest.raises(IndexError):
            pages[len(whole)]


def test_the_list_pages_through_a_sized_committee_in_order(client: Client) -> None:
    committee = build_sized_committee(12, year=YEAR)
    client.force_login(add_sized_tasks(committee, per_unit=10, year=YEAR))
    url = reverse("tracking:task_list")
    expected = list(
        urgent_first(Task.objects.filter(committee=committee)).values_list("pk", flat=True)
    )
    seen: list[int] = []
    for number in range(1, 6):
        response = client.get(url, {"year": "", "status": "", "page": str(number)})
        assert response.context["page"].paginator.count == len(expected) == 120
        if number <= 4:
            seen += _ids(response.context["page"])
    assert seen == expected


# --- The board ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["staff", "unit0_secretary", "unit2_staff"])
def test_each_column_holds_the_first_cards_by_deadline_and_the_true_count(
    world: World, name: str
) -> None:
    _tasks(world)
    user = world.user(name)
    columns = build_board(user, YEAR, FROZEN_TODAY, cap=2)
    year_tasks = visible_tasks(user).filter(year=YEAR)
    assert Status.WITHDRAWN not in [c.status for c in columns]
    for column in columns:
        of_status = year_tasks.filter(status=column.status).order_by("deadline", "id")
        assert column.count == of_status.count()
        assert [card["id"] for card in column.cards] == _ids(of_status[:2])


# --- Waiting for me -------------------------------------------------------------------


def _first_by_one_sort(user: Any, n: int) -> list[tuple[int, str]]:
    """What the home page names first, by the plain query: every waiting task sorted by
    its first kind, its urgency and its deadline."""
    found = waiting_conditions(user, timezone.localdate())
    conditions = {key: found[key] for key in FIRST_KINDS if key in found}
    if not conditions:
        return []
    anything = Q()
    for q in conditions.values():
        anything |= q
    kind = Case(
        *(When(q, then=Value(i)) for i, q in enumerate(conditions.values())),
        output_field=IntegerField(),
    )
    rows = (
        visible_tasks(user)
        .filter(anything)
        .annotate(kind=kind)
        .order_by("kind", _urgency().asc(), "deadline", "id")[:n]
    )
    keys = list(conditions)
    return [(t.pk, keys[t.kind]) for t in rows]


@pytest.mark.parametrize("name", ROLES)
def test_the_first_waiting_tasks_and_the_counts_are_those_of_the_plain_query(
    world: World, name: str
) -> None:
    _tasks(world)
    user = world.user(name)
    for n in (1, 3, 5, 8, 100):
        got = [(task.pk, key) for task, key in waiting_first(user, n)]
        assert got == _first_by_one_sort(user, n), (name, n)
    tasks = visible_tasks(user)
    expected = {
        k: tasks.filter(q).count() for k, q in waiting_conditions(user, FROZEN_TODAY).items()
    }
    assert waiting_counts(user) == expected
    assert any(expected.values()), name


def test_the_first_waiting_tasks_come_with_their_unit(
    world: World, django_assert_num_queries: Any
) -> None:
    _tasks(world)
    user = world.user("staff")
    waiting_first(user, 5)  # the person's roles, read once a request
    with django_assert_num_queries(1):
        first = waiting_first(user, 5)
        names = [task.lead_unit.name for task, _key in first]
    assert len(names) == 5


# --- The unit filter, found by typing -------------------------------------------------


def _unit_select(page: str) -> str:
    found = re.search(r'<select[^>]*name="unit"[^>]*>(.*?)</select>', page, re.S)
    assert found, page[:2000]
    return found.group(1)


def _options(select: str) -> list[tuple[str, bool]]:
    return [(v, bool(s)) for v, s in re.findall(r'<option value="([^"]*)"( selected)?', select)]


def test_the_unit_filter_draws_no_option_per_unit(client: Client) -> None:
    committee = build_sized_committee(60, year=YEAR)
    client.force_login(add_sized_tasks(committee, per_unit=1, year=YEAR))
    page = client.get(reverse("tracking:task_list")).content.decode()
    assert _options(_unit_select(page)) == [("", True)]
    assert 'name="unit_q"' in page and f'hx-get="{reverse("tracking:unit_options")}"' in page
    # A unit chosen (the unit page's link) is the one option besides "all units".
    unit = Unit.objects.filter(committee=committee).order_by("sort_order")[7]
    response = client.get(reverse("tracking:task_list"), {"year": str(YEAR), "unit": str(unit.pk)})
    assert _options(_unit_select(response.content.decode())) == [("", False), (str(unit.pk), True)]
    _all_of(response, unit)


def _all_of(response: Any, unit: Unit) -> None:
    """The listed tasks are those the unit leads or cooperates on."""
    listed = _ids(response.context["page"])
    assert listed
    expected = Task.objects.filter(Q(lead_unit=unit) | Q(cooperations__unit=unit)).distinct()
    assert sorted(listed) == sorted(expected.values_list("pk", flat=True))


def test_a_name_typed_without_script_chooses_the_one_unit_it_matches(client: Client) -> None:
    committee = build_sized_committee(60, year=YEAR)
    client.force_login(add_sized_tasks(committee, per_unit=1, year=YEAR))
    unit = Unit.objects.get(committee=committee, name="单位00042")
    url = reverse("tracking:task_list")
    response = client.get(url, {"year": str(YEAR), "status": "", "unit_q": "00042"})
    page = response.content.decode()
    assert _options(_unit_select(page)) == [("", False), (str(unit.pk), True)]
    _all_of(response, unit)
    # The pages and the export carry the unit chosen.
    assert f"unit={unit.pk}" in response.context["query"]
    assert 'value="00042"' in page

    # Several match: they are offered, and no task is left out yet.
    response = client.get(url, {"year": str(YEAR), "status": "", "unit_q": "0004"})
    options = _options(_unit_select(response.content.decode()))
    # 单位00004 and 单位00040 to 单位00049.
    assert len(options) == 12 and [v for v, selected in options if selected] == [""]
    assert response.context["page"].paginator.count == 60

    # Too many: the first ones, and what to do to see the others.
    response = client.get(url, {"year": str(YEAR), "status": "", "unit_q": "单位"})
    select = _unit_select(response.content.decode())
    assert len(_options(select)) == 1 + 30 + 1
    assert "disabled" in select


def test_the_search_box_asks_for_the_options_that_match(client: Client, world: World) -> None:
    url = reverse("tracking:unit_options")
    client.force_login(world.user("staff"))
    one = client.get(url, {"unit_q": "单位3", "unit": ""}).content.decode()
    assert _options(one) == [("", False), (str(world.units[3].pk), True)]
    both = client.get(url, {"unit_q": "测试 单位", "unit": str(world.units[1].pk)}).content.decode()
    assert _options(both) == [("", False), *((str(u.pk), u == world.units[1]) for u in world.units)]
    # The chosen unit stays offered whatever is typed; another committee's never is.
    kept = client.get(url, {"unit_q": "外区", "unit": str(world.units[2].pk)}).content.decode()
    assert _options(kept) == [("", False), (str(world.units[2].pk), True)]
    foreign = client.get(url, {"unit_q": "", "unit": str(world.other_unit.pk)}).content.decode()
    assert _options(foreign) == [("", True)]


@pytest.mark.parametrize("name", ["sysadmin", "auditor", "nobody"])
def test_who_reads_no_tasks_gets_no_units(client: Client, world: World, name: str) -> None:
    client.force_login(world.user(name))
    assert client.get(reverse("tracking:unit_options"), {"unit_q": "单位"}).status_code == 404


def test_the_search_box_reads_as_many_queries_whatever_the_size(client: Client) -> None:
    counts = []
    for n in (12, 60):
        committee = build_sized_committee(n, year=YEAR)
        client.force_login(add_sized_tasks(committee, per_unit=1, year=YEAR))
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("tracking:unit_options"), {"unit_q": "单位", "unit": ""})
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


# --- Counts of each status, cached and kept current on write --------------------------


def _total(client: Client, **params: str) -> int:
    response = client.get(reverse("tracking:task_list"), params)
    assert response.status_code == 200
    return int(response.context["page"].paginator.count)


@pytest.mark.parametrize("name", ["staff", "unit0_secretary", "unit2_staff"])
def test_the_lists_total_is_the_count_of_its_rows(client: Client, world: World, name: str) -> None:
    _tasks(world)
    user = world.user(name)
    client.force_login(user)
    tasks = visible_tasks(user)
    y = str(YEAR)
    assert _total(client) == tasks.filter(year=YEAR).open_work().count()
    assert _total(client, year=y, status="") == tasks.filter(year=YEAR).count()
    assert _total(client, year=y, status="open") == tasks.filter(year=YEAR).open_work().count()
    for status in (Status.CLOSED, Status.RETURNED, Status.LONG_RUNNING):
        expected = tasks.filter(year=YEAR, status=status).count()
        assert _total(client, year=y, status=status) == expected, status
    assert _total(client, year="", status="") == tasks.count()
    unit = world.units[2] if name.startswith("unit2") else world.units[0]
    assert (
        _total(client, year=y, status="", unit=str(unit.pk))
        == tasks.filter(Q(lead_unit=unit) | Q(cooperations__unit=unit), year=YEAR)
        .distinct()
        .count()
    )
    assert (
        _total(client, year=y, status="", overdue="on")
        == tasks.filter(year=YEAR).in_state("overdue", FROZEN_TODAY).count()
    )
    assert (
        _total(client, year=y, status="", lead_unit=str(unit.pk))
        == tasks.filter(year=YEAR, lead_unit=unit).count()
    )


def test_the_counts_follow_every_step(client: Client, world: World) -> None:
    from heli.tracking import actions
    from heli.tracking.tests.helpers import make_task

    client.force_login(world.user("staff"))
    y = str(YEAR)
    board = reverse("tracking:board")

    def counts() -> tuple[int, int, dict[str, int]]:
        columns = client.get(board, {"year": y}).context["columns"]
        return (
            _total(client),
            _total(client, year=y, status=""),
            {c.status: c.count for c in columns},
        )

    assert counts() == (0, 0, dict.fromkeys(counts()[2], 0))
    task = make_task(world)
    opened, every, by_status = counts()
    assert (opened, every, by_status[Status.ASSIGNED]) == (1, 1, 1)
    actions.withdraw_task(task, world.user("staff"), "误交办")
    assert counts()[:2] == (0, 0)
    other = make_task(world, title="另一项")
    assert counts()[:2] == (1, 1)
    # No step, no signal: what a writer that bypasses them must follow with forget().
    Task.objects.filter(pk=other.pk).update(
        status=Status.CLOSED, closed_at=timezone.now(), closed_by=world.user("staff")
    )
    assert counts()[:2] == (1, 1)
    from heli.tracking import chart

    chart.forget(world.committee.pk)
    opened, every, by_status = counts()
    assert (opened, every, by_status[Status.CLOSED]) == (0, 1, 1)
