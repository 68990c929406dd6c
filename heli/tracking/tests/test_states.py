"""One colour rule and one set of statuses for every page: the Python rule and the query
agree, and "to report on" is exactly what the lead unit is reminded about."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from heli.testing import World
from heli.tracking import actions, reminders, states
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Status, Step

TODAY = datetime.date(2026, 6, 15)
DAY = datetime.timedelta(days=1)


@given(st.lists(st.sampled_from(states.STATES)))
def test_worst_state_wins(found_states: list[str]) -> None:
    found = states.worst(found_states)
    if not found_states:
        assert found is None
    else:
        assert found in found_states
        assert all(states.STATES.index(found) <= states.STATES.index(s) for s in found_states)


def test_state_precedence_is_overdue_soon_ok_closed() -> None:
    assert states.worst(["closed", "ok", "soon", "overdue"]) == "overdue"
    assert states.worst(["closed", "ok", "soon"]) == "soon"
    assert states.worst(["closed", "ok"]) == "ok"
    assert states.worst(["closed"]) == "closed"


def test_state_boundaries() -> None:
    window = states.SOON_DAYS * DAY
    assert states.state_of(Status.IN_PROGRESS, TODAY - DAY, TODAY) == "overdue"
    assert states.state_of(Status.RETURNED, TODAY, TODAY) == "soon"
    assert states.state_of(Status.ASSIGNED, TODAY + window, TODAY) == "soon"
    assert states.state_of(Status.ASSIGNED, TODAY + window + DAY, TODAY) == "ok"
    assert states.state_of(Status.CLOSED, TODAY - DAY, TODAY) == "closed"
    assert states.state_of(Status.REPORTED_DONE, TODAY - DAY, TODAY) == "overdue"


@given(st.integers(min_value=-400, max_value=400))
def test_long_running_tasks_read_as_long_running_whatever_their_deadline(offset: int) -> None:
    """Never "due within 7 days" nor overdue: kept open on purpose (持续跟踪)."""
    deadline = TODAY + offset * DAY
    assert states.state_of(Status.LONG_RUNNING, deadline, TODAY) == "long_running"
    assert states.state_labels()["long_running"] != states.state_labels()["soon"]


def test_every_colour_has_a_label_and_a_colour_of_its_own() -> None:
    assert list(states.COLOURS) == list(states.STATES) == list(states.state_labels())
    assert len(set(states.COLOURS.values())) == len(states.STATES)


def test_the_soon_label_names_the_window() -> None:
    assert str(states.SOON_DAYS) in states.state_labels()["soon"]
    assert list(states.state_labels()) == list(states.STATES)


@pytest.mark.django_db
def test_the_query_selects_exactly_the_tasks_of_each_colour(world: World) -> None:
    """``in_state`` (lists, wall-chart links, dashboards) and ``state_of`` (colours) agree."""
    offsets = range(-2, states.SOON_DAYS + 3)
    made = []
    for status in Status.values:
        for offset in offsets:
            task = make_task(
                world,
                title=f"{status}{offset}",
                assigned_at=TODAY - 30 * DAY,
                deadline=TODAY + offset * DAY,
                cooperating_units=[],
            )
            closed = status == Status.CLOSED
            Task.objects.filter(pk=task.pk).update(
                status=status,
                closed_at=timezone.now() if closed else None,
                closed_by=world.user("staff") if closed else None,
            )
            made.append((task.pk, states.state_of(status, task.deadline, TODAY)))
    for state in states.STATES:
        expected = {pk for pk, colour in made if colour == state}
        selected = set(Task.objects.in_state(state, TODAY).values_list("pk", flat=True))
        assert selected == expected, state
    assert not Task.objects.in_state("purple", TODAY).exists()


def _task_in(world: World, status: Status, assigned_at: datetime.date) -> Task:
    task = make_task(
        world,
        title=f"事项 {status}",
        assigned_at=assigned_at,
        deadline=assigned_at + 60 * DAY,
        cooperating_units=[],
    )
    unit, staff = world.user("unit0_secretary"), world.user("staff")
    path = {
        Status.ASSIGNED: [],
        Status.RECEIVED: [(Step.RECEIVE, unit)],
        Status.IN_PROGRESS: [(Step.RECEIVE, unit), (Step.START, unit)],
        Status.REPORTED_DONE: [(Step.RECEIVE, unit), (Step.REPORT_DONE, unit)],
        Status.RETURNED: [
            (Step.RECEIVE, unit),
            (Step.REPORT_DONE, unit),
            (Step.RETURN, staff),
        ],
        Status.LONG_RUNNING: [(Step.RECEIVE, unit), (Step.KEEP_FOLLOWING, staff)],
        Status.CLOSED: [(Step.RECEIVE, unit), (Step.REPORT_DONE, unit), (Step.CLOSE, staff)],
        Status.WITHDRAWN: [(Step.RECEIVE, unit), (Step.WITHDRAW, staff)],
    }[status]
    for step, by in path:
        actions.take_step(task, step, by, reason="需要说明理由")
    task.refresh_from_db()
    assert task.status == status
    return task


@pytest.mark.django_db
def test_to_report_on_is_what_the_unit_is_reminded_about(client: Client, world: World) -> None:
    assigned_at = timezone.localdate() - 60 * DAY
    tasks = {status: _task_in(world, status, assigned_at) for status in Status}
    reminded = {
        int(r.key.split(":")[0]) for r in reminders.no_report(world.committee, timezone.localdate())
    }
    client.force_login(world.user("unit0_staff"))
    page = client.get(reverse("tracking:waiting"))
    sections = {key: listed for key, _label, listed in page.context["sections"]}
    to_report = {t.pk for t in sections["to_report"]}
    assert to_report == reminded
    assert tasks[Status.LONG_RUNNING].pk in to_report
    assert to_report == {tasks[s].pk for s in states.UNIT_OWES_WORK}
    assert {t.pk for t in sections["to_sign"]} == {tasks[Status.ASSIGNED].pk}
