"""Task numbers (2026-0123): in order per committee and work year, without gaps or
duplicates, also when two tasks are assigned at the same moment."""

from __future__ import annotations

import datetime
import importlib
import threading
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, connections, transaction

from heli.org.models import Department
from heli.testing import World
from heli.tracking import numbers
from heli.tracking.models import Task
from heli.tracking.tests.helpers import TODAY, make_task

pytestmark = pytest.mark.django_db


def _bare_task(world: World, title: str, **fields: Any) -> Task:
    """A task row as a bulk insert writes it: no number, no history."""
    values: dict[str, Any] = {
        "committee": world.committee,
        "year": TODAY.year,
        "title": title,
        "lead_unit": world.units[0],
        "department": world.department,
        "assigned_at": TODAY,
        "deadline": TODAY + datetime.timedelta(days=30),
        "created_by": world.user("staff"),
    }
    return Task(**{**values, **fields})


def test_tasks_are_numbered_in_order_of_assignment_within_their_year(world: World) -> None:
    first = make_task(world, title="甲")
    second = make_task(world, title="乙")
    next_year = make_task(
        world,
        title="丙",
        year=TODAY.year + 1,
        assigned_at=datetime.date(TODAY.year + 1, 1, 5),
        deadline=datetime.date(TODAY.year + 1, 3, 1),
    )
    third = make_task(world, title="丁")
    labels = [
        numbers.task_label(Task.objects.get(pk=t.pk)) for t in (first, second, next_year, third)
    ]
    assert labels == ["2026-0001", "2026-0002", "2027-0001", "2026-0003"]
    assert numbers.task_label(first) == "2026-0001"  # the task in hand has it too


def test_each_committee_numbers_its_own_tasks(world: World) -> None:
    make_task(world, title="本委事项")
    other = world.other_committee
    department = Department.objects.create(committee=other, name="另一区组织部")
    task = Task.objects.create(
        committee=other,
        year=TODAY.year,
        title="外区事项",
        lead_unit=world.other_unit,
        department=department,
        assigned_at=TODAY,
        deadline=TODAY,
        created_by=world.user("outsider"),
    )
    assert numbers.allot(task) == "2026-0001"


def test_an_assignment_that_fails_leaves_no_gap(world: World) -> None:
    make_task(world, title="甲")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_task(world, title="回滚的事项")
        raise RuntimeError("the rest of the assignment failed")
    later = make_task(world, title="乙")
    assert Task.objects.get(pk=later.pk).number == 2


def test_the_database_refuses_a_duplicate_number(world: World) -> None:
    first, second = make_task(world, title="甲"), make_task(world, title="乙")
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=second.pk).update(number=first.number)


def test_numbers_read_with_four_digits_and_grow_past_them() -> None:
    assert numbers.label(2026, 7) == "2026-0007"
    assert numbers.label(2026, 12345) == "2026-12345"
    assert numbers.label(2026, None) == ""


def test_tasks_inserted_in_bulk_are_numbered_after_the_others_in_creation_order(
    world: World,
) -> None:
    make_task(world, title="已编号")
    at = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    late, early = Task.objects.bulk_create(
        [
            _bare_task(world, "后建", created_at=at + datetime.timedelta(hours=1)),
            _bare_task(world, "先建", created_at=at),
        ]
    )
    assert numbers.number_unnumbered(world.committee.pk) == 2
    got = dict(Task.objects.values_list("title", "number"))
    assert got == {"已编号": 1, "先建": 2, "后建": 3}
    assert numbers.number_unnumbered(world.committee.pk) == 0


def test_the_migration_numbers_existing_tasks_in_creation_order(world: World) -> None:
    at = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    Task.objects.bulk_create(
        [
            _bare_task(world, "二", created_at=at + datetime.timedelta(days=1)),
            _bare_task(world, "一", created_at=at),
            _bare_task(world, "明年", created_at=at, year=TODAY.year + 1),
        ]
    )
    migration = importlib.import_module("heli.tracking.migrations.0006_task_number")
    migration.number_existing_tasks(apps, None)
    got = dict(Task.objects.values_list("title", "number"))
    assert got == {"一": 1, "二": 2, "明年": 1}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_two_tasks_assigned_at_the_same_moment_get_two_numbers(world: World) -> None:
    allotted = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():
                numbers.allot(_saved(world, "先"))
                allotted.set()
                # Still open: the other assignment must wait for this one to commit.
                threading.Event().wait(0.5)
        except BaseException as error:  # reported below
            failures.append(error)
            allotted.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            allotted.wait()
            with transaction.atomic():
                numbers.allot(_saved(world, "后"))
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert dict(Task.objects.values_list("title", "number")) == {"先": 1, "后": 2}


def _saved(world: World, title: str) -> Task:
    task = _bare_task(world, title)
    task.save()
    return task
