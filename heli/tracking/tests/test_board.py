"""The status board (看板): one column per status whose count equals the list it opens."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.testing import FROZEN_TODAY, World
from heli.tracking import actions, board
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Status, Step

# The cards' colours depend on today: the clock is frozen on a mid-year day.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _year_tasks(world: World, n: int) -> list[Task]:
    year = timezone.localdate().year
    start = datetime.date(year, 1, 1)
    return [
        make_task(
            world,
            title=f"事项{i}",
            lead_unit=world.units[i % 4],
            cooperating_units=[],
            assigned_at=start,
            deadline=start + datetime.timedelta(days=i * 13),
            year=year,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("name", ["staff", "leader", "unit0_staff", "unit2_secretary"])
def test_column_counts_equal_the_lists_they_open(client: Client, world: World, name: str) -> None:
    tasks = _year_tasks(world, 9)
    lead = world.user("unit0_staff")
    actions.take_step(tasks[0], Step.RECEIVE, lead)
    # Assigned by mistake and withdrawn: on no column, in no count.
    actions.withdraw_task(tasks[8], world.user("staff"), "重复交办")
    client.force_login(world.user(name))
    response = client.get(reverse("tracking:board"))
    assert response.status_code == 200
    columns = response.context["columns"]
    assert [c.status for c in columns] == [s for s in Status.values if s != Status.WITHDRAWN]
    html = response.content.decode()
    for column in columns:
        listed = client.get(column.url).context["page"].paginator.count
        assert listed == column.count, (name, column.status)
        assert f'href="{column.url.replace("&", "&amp;")}"' in html
    assert sum(c.count for c in columns) == (8 if name in ("staff", "leader") else 2)


def test_cards_are_capped_with_a_link_to_all(client: Client, world: World) -> None:
    _year_tasks(world, 3)
    client.force_login(world.user("staff"))
    original = board.CARDS_PER_COLUMN
    board.CARDS_PER_COLUMN = 2
    try:
        response = client.get(reverse("tracking:board"))
    finally:
        board.CARDS_PER_COLUMN = original
    assigned = response.context["columns"][0]
    assert assigned.count == 3 and len(assigned.cards) == 2
    footer = response.content.decode().split('class="card-footer small"')
    assert len(footer) == 2 and assigned.url.replace("&", "&amp;") in footer[1][:300]


def test_cards_show_their_deadline_state(client: Client, world: World) -> None:
    assert timezone.localdate() == FROZEN_TODAY
    day = datetime.timedelta(days=1)
    for title, deadline in (("逾期", -1 * day), ("临期", 3 * day), ("正常", 30 * day)):
        make_task(
            world,
            title=title,
            assigned_at=datetime.date(FROZEN_TODAY.year, 1, 1),
            deadline=FROZEN_TODAY + deadline,
            year=FROZEN_TODAY.year,
        )
    client.force_login(world.user("staff"))
    response = client.get(reverse("tracking:board"))
    cards = response.context["columns"][0].cards
    assert [(card["title"], card["state"]) for card in cards] == [
        ("逾期", "overdue"),
        ("临期", "soon"),
        ("正常", "ok"),
    ]
    html = response.content.decode()
    for state in ("overdue", "soon", "ok"):
        assert f"state-border-{state}" in html


def test_the_list_keeps_a_cells_filters_when_searched_again(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    response = client.get(
        reverse("tracking:task_list"), {"year": str(year), "state": "overdue", "month": "3"}
    )
    body = response.content.decode()
    assert '<input type="hidden" name="state" value="overdue">' in body
    assert '<input type="hidden" name="month" value="3">' in body
    assert "显示全部事项" in body
    plain = client.get(reverse("tracking:task_list"), {"year": year}).content.decode()
    assert 'type="hidden" name="state"' not in plain
