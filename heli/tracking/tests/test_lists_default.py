"""The task list opened without filters: this work year's open tasks, the most urgent
first, with the form showing that state so it can be widened."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.testing import FROZEN_TODAY, World
from heli.tracking.models import Task
from heli.tracking.views import TASKS_PER_PAGE
from heli.tracking.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

YEAR = FROZEN_TODAY.year


def _task(world: World, title: str, status: str, days: int, year: int = YEAR) -> Task:
    """A task of units[0] whose deadline is ``days`` from today."""
    deadline = FROZEN_TODAY + datetime.timedelta(days=days)
    return Task.objects.create(
        committee=world.committee,
        year=year,
        title=title,
        lead_unit=world.units[0],
        department=world.department,
        assigned_at=datetime.date(year, 1, 10),
        deadline=deadline,
        status=status,
        created_by=world.user("staff"),
        **(
            {"closed_by": world.user("staff"), "closed_at": timezone.now()}
            if status == Status.CLOSED
            else {}
        ),
    )


def _tasks(world: World) -> None:
    S = Status
    _task(world, "on track", S.IN_PROGRESS, 60)
    _task(world, "long-running, late", S.LONG_RUNNING, -40)
    _task(world, "due soon", S.RECEIVED, 3)
    _task(world, "overdue a little", S.IN_PROGRESS, -2)
    _task(world, "closed late", S.CLOSED, -50)
    _task(world, "overdue most", S.ASSIGNED, -30)
    _task(world, "reported done, late", S.REPORTED_DONE, -5)
    _task(world, "withdrawn", S.WITHDRAWN, -60)
    _task(world, "last year's", S.IN_PROGRESS, -200, year=YEAR - 1)


def _titles(response: object) -> list[str]:
    return [t.title for t in response.context["page"].object_list]  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", ["staff", "leader", "unit0_secretary"])
def test_opened_plain_the_list_holds_this_years_open_tasks_most_urgent_first(
    client: Client, world: World, username: str
) -> None:
    _tasks(world)
    client.force_login(world.user(username))
    response = client.get(reverse("tracking:task_list"))
    assert _titles(response) == [
        "overdue most",
        "reported done, late",
        "overdue a little",
        "due soon",
        "on track",
        "long-running, late",
    ]
    # The form shows the state it is in, and says how to widen it.
    form = response.context["form"]
    assert form["year"].value() == str(YEAR) and form["status"].value() == "open"
    page = response.content.decode()
    assert f'name="year" value="{YEAR}"' in page
    assert '<option value="open" selected>' in page
    assert "本年度未销号的事项，最紧急的在前。" in page
    assert 'href="/tracking/tasks/?year=&amp;status="' in page
    # Its export carries the same filters.
    export = reverse("tracking:task_export")
    assert f'href="{export}?year={YEAR}&amp;status=open"' in page


def test_widened_the_list_shows_every_status_and_year_still_most_urgent_first(
    client: Client, world: World
) -> None:
    _tasks(world)
    client.force_login(world.user("staff"))
    url = reverse("tracking:task_list")
    everything = _titles(client.get(url, {"year": "", "status": ""}))
    assert everything == [
        "last year's",
        "overdue most",
        "reported done, late",
        "overdue a little",
        "due soon",
        "on track",
        "long-running, late",
        "closed late",
    ]
    this_year = _titles(client.get(url, {"year": str(YEAR), "status": ""}))
    assert this_year == [t for t in everything if t != "last year's"]
    closed = _titles(client.get(url, {"year": str(YEAR), "status": "closed"}))
    assert closed == ["closed late"]
    last_year_open = _titles(client.get(url, {"year": str(YEAR - 1), "status": "open"}))
    assert last_year_open == ["last year's"]


def test_the_pages_of_the_plain_list_keep_its_filters(client: Client, world: World) -> None:
    for i in range(TASKS_PER_PAGE + 2):
        _task(world, f"open {i:02d}", Status.IN_PROGRESS, i)
    _task(world, "closed", Status.CLOSED, -1)
    client.force_login(world.user("staff"))
    url = reverse("tracking:task_list")
    first = client.get(url)
    assert first.context["page"].paginator.count == TASKS_PER_PAGE + 2
    assert f'href="?year={YEAR}&amp;status=open&amp;page=2"' in first.content.decode()
    second = client.get(url, {"year": str(YEAR), "status": "open", "page": "2"})
    assert _titles(second) == [f"open {i:02d}" for i in (TASKS_PER_PAGE, TASKS_PER_PAGE + 1)]
    # A page number alone is no filter: the same list.
    assert _titles(client.get(url, {"page": "2"})) == _titles(second)
