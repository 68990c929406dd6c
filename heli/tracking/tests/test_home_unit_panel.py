"""A unit's page lists its tasks of the year: the battle map's panel on the unit page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.org.models import Unit
from heli.testing import FROZEN_TODAY, World
from heli.tracking.models import Task, TaskUnit
from heli.tracking.ui import UNIT_PANEL_TASKS
from heli.tracking.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

YEAR = FROZEN_TODAY.year


def _task(
    world: World,
    title: str,
    lead: Unit,
    *,
    status: str = Status.IN_PROGRESS,
    days: int = 30,
    year: int = YEAR,
    cooperating: tuple[Unit, ...] = (),
) -> Task:
    task = Task.objects.create(
        committee=world.committee,
        year=year,
        title=title,
        lead_unit=lead,
        department=world.department,
        assigned_at=datetime.date(year, 1, 10),
        deadline=FROZEN_TODAY + datetime.timedelta(days=days),
        status=status,
        created_by=world.user("staff"),
        **(
            {"closed_by": world.user("staff"), "closed_at": timezone.now()}
            if status == Status.CLOSED
            else {}
        ),
    )
    for unit in cooperating:
        TaskUnit.objects.create(committee=world.committee, task=task, unit=unit)
    return task


def _panel(client: Client, unit: Unit) -> tuple[dict[str, object] | None, str]:
    response = client.get(reverse("org:unit_detail", args=[unit.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    panels = [p for p in response.context["panels"] if p.code == "tracking.unit_tasks"]
    return (panels[0].context if panels else None), page


def test_the_units_page_lists_its_tasks_of_the_year_that_the_viewer_sees(
    client: Client, world: World
) -> None:
    u0, u1, u2 = world.units[0], world.units[1], world.units[2]
    _task(world, "led late", u0, days=-5)
    _task(world, "led on track", u0, days=40)
    _task(world, "led and closed", u0, status=Status.CLOSED, days=-20)
    _task(world, "cooperating, led by unit 2", u2, days=10, cooperating=(u0,))
    _task(world, "led, last year", u0, year=YEAR - 1, days=-300)
    _task(world, "led, withdrawn", u0, status=Status.WITHDRAWN)
    _task(world, "another unit's", u1)
    for name in ("staff", "leader", "unit0_secretary", "unit0_leadership"):
        client.force_login(world.user(name))
        panel, page = _panel(client, u0)
        assert panel is not None, name
        titles = [t.title for t in panel["tasks"]]  # type: ignore[attr-defined]
        assert titles == [
            "led late",
            "cooperating, led by unit 2",
            "led on track",
            "led and closed",
        ], name
        assert f"{YEAR}年督办事项" in page and "牵头" in page and "配合" in page
        assert "由测试单位2牵头" in page
        assert "task-overdue" in page
        # The link opens exactly these in the task list.
        more = f"{reverse('tracking:task_list')}?year={YEAR}&unit={u0.pk}"
        assert f'href="{more.replace("&", "&amp;")}"' in page
        listed = client.get(more).context["page"]
        assert [t.title for t in listed.object_list] == titles, name
    # A unit's people see only their own unit's tasks, on any unit's page they may open.
    client.force_login(world.user("unit2_secretary"))
    response = client.get(reverse("org:unit_detail", args=[u0.pk]))
    if response.status_code == 200:
        panel, _page = _panel(client, u0)
        assert panel is not None
        assert [t.title for t in panel["tasks"]] == ["cooperating, led by unit 2"]  # type: ignore[attr-defined]
    # No panel for who reads no tasks.
    client.force_login(world.user("sysadmin"))
    response = client.get(reverse("org:unit_detail", args=[u0.pk]))
    if response.status_code == 200:
        assert _panel(client, u0)[0] is None


def test_a_unit_without_tasks_says_so(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    panel, page = _panel(client, world.units[3])
    assert panel is not None and not panel["tasks"]
    assert f"{YEAR}年没有督办事项。" in page


def _queries(client: Client, unit: Unit) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("org:unit_detail", args=[unit.pk])).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["staff", "unit0_secretary"])
def test_the_panel_runs_a_fixed_number_of_queries(
    client: Client, world: World, username: str, django_assert_max_num_queries: object
) -> None:
    u0, u2 = world.units[0], world.units[2]
    _task(world, "one", u0)
    _task(world, "two", u2, cooperating=(u0,))
    client.force_login(world.user(username))
    _queries(client, u0)  # what other parts of the page set up once
    few = _queries(client, u0)
    for i in range(UNIT_PANEL_TASKS + 15):
        _task(world, f"led {i}", u0, days=i - 10, cooperating=(world.units[1],))
        _task(world, f"cooperating {i}", u2, days=i, cooperating=(u0, world.units[1]))
    with django_assert_max_num_queries(few):  # type: ignore[operator]
        panel, page = _panel(client, u0)
    assert panel is not None
    assert len(panel["tasks"]) == UNIT_PANEL_TASKS  # type: ignore[arg-type]
    assert panel["total"] == 2 + 2 * (UNIT_PANEL_TASKS + 15)
    assert f"全部{panel['total']}项，在事项清单中查看" in page
