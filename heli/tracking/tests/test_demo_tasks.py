"""The demonstration committee's tasks: every unit, every state, every colour, loaded once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from heli.org.demo import load_demo
from heli.org.models import Committee, Unit
from heli.tracking import sources, states
from heli.tracking.demo import TASKS_PER_UNIT, load_demo_tasks
from heli.tracking.models import ProgressReport, Task, TaskTransition
from heli.tracking.states import state_of
from heli.tracking.workflow import Status, Step, next_status

# The demonstration tasks are dated from today: the clock is frozen on a mid-year day.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


@pytest.fixture
def demo() -> Committee:
    committee = load_demo().committee
    load_demo_tasks(committee)
    return committee


def _counts() -> tuple[int, int, int]:
    return Task.objects.count(), TaskTransition.objects.count(), ProgressReport.objects.count()


def test_every_active_unit_has_tasks_last_year_and_this_year(demo: Committee) -> None:
    year = timezone.localdate().year
    active = Unit.objects.filter(committee=demo, status=Unit.Status.ACTIVE).count()
    assert active == 122
    for y in (year - 1, year):
        # The battle map's own demonstration tasks (other areas' loaders add theirs).
        per_unit = (
            Task.objects.filter(committee=demo, year=y, source_kind=sources.MANUAL)
            .values("lead_unit")
            .annotate(n=Count("id"))
        )
        assert len(per_unit) == active
        low, high = TASKS_PER_UNIT
        assert all(low - 1 <= row["n"] <= high for row in per_unit)


def test_this_year_has_every_status_and_every_colour(demo: Committee) -> None:
    today = timezone.localdate()
    tasks = list(Task.objects.filter(committee=demo, year=today.year))
    # Every status but withdrawn: nothing of the demonstration was assigned by mistake.
    assert {t.status for t in tasks} == set(Status.values) - {Status.WITHDRAWN}
    assert {state_of(t.status, t.deadline, today) for t in tasks} == set(states.STATES)
    assert any(t.deadline < today and not t.is_closed for t in tasks)


def test_last_year_is_mostly_closed(demo: Committee) -> None:
    tasks = Task.objects.filter(committee=demo, year=timezone.localdate().year - 1)
    closed = tasks.filter(status=Status.CLOSED).count()
    assert closed / tasks.count() > 0.8
    assert tasks.exclude(status=Status.CLOSED).exists()


def test_each_task_history_follows_the_workflow(demo: Committee) -> None:
    transitions = TaskTransition.objects.filter(committee=demo).order_by("task_id", "at", "id")
    by_task: dict[int, list[TaskTransition]] = {}
    for t in transitions:
        by_task.setdefault(t.task_id, []).append(t)
    tasks = {t.pk: t for t in Task.objects.filter(committee=demo)}
    assert set(by_task) == set(tasks)
    now = timezone.now()
    for pk, steps in by_task.items():
        assert steps[0].step == Step.CREATE and steps[0].to_status == Status.ASSIGNED
        for before, after in zip(steps, steps[1:], strict=False):
            assert after.from_status == before.to_status
            assert next_status(after.from_status, after.step) == after.to_status
        assert steps[-1].to_status == tasks[pk].status
        assert steps[-1].at <= now
        if tasks[pk].status == Status.CLOSED:
            assert tasks[pk].closed_at == steps[-1].at
    returned = TaskTransition.objects.filter(committee=demo, step=Step.RETURN)
    assert returned.exists() and all(t.reason for t in returned)
    # Work in progress has its reports; the task shows the last percentage.
    working = Task.objects.filter(committee=demo, status=Status.IN_PROGRESS).first()
    assert working is not None
    last = working.reports.order_by("reported_at").last()
    assert last is not None and working.progress == last.percent


def test_a_second_load_changes_nothing(demo: Committee) -> None:
    before = _counts()
    again = load_demo_tasks(demo)
    assert not again.changed
    assert _counts() == before


def test_the_command_loads_tasks_once(db: None) -> None:
    call_command("load_demo", verbosity=0)
    first = _counts()
    assert first[0] > 700
    call_command("load_demo", verbosity=0)
    assert _counts() == first


def test_every_supervising_department_has_a_demo_staff_login(demo: Committee) -> None:
    """Every demonstration task can be carried to its closure from a demonstration login."""
    from heli.accounts.models import Role, RoleAssignment
    from heli.org.demo import DEMO_LOGINS

    supervising = set(
        Task.objects.filter(committee=demo).values_list("department__name", flat=True)
    )
    logins = {
        login.department
        for login in DEMO_LOGINS
        if Role.COMMITTEE_STAFF in login.roles and login.department
    }
    assert supervising <= logins
    staffed = set(
        RoleAssignment.objects.filter(
            committee=demo,
            role=Role.COMMITTEE_STAFF,
            user__username__in=[login.username for login in DEMO_LOGINS],
        ).values_list("department__name", flat=True)
    )
    assert supervising <= staffed
