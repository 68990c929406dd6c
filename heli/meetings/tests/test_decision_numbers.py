"""Decision numbers: per group and year, without gaps or duplicates, also when two
decisions are saved at the same moment (real concurrent transactions on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from heli.meetings.models import Decision, DecisionCounter
from heli.meetings.tests.test_minutes_fixtures import decide, held_meeting
from heli.testing import World
from heli.tracking.models import Task

pytestmark = pytest.mark.django_db

ONLY_POSTGRESQL = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"
)


@pytest.mark.django_db(transaction=True)
@ONLY_POSTGRESQL
@pytest.mark.parametrize("counter_exists", [False, True])
def test_two_decisions_saved_at_once_get_two_numbers(world: World, counter_exists: bool) -> None:
    # Two meetings of the same group and year: one series of numbers, two meeting rows,
    # so nothing but the counter makes the two saves wait for each other.
    first, second = held_meeting(world, topics=1), held_meeting(world, topics=1)
    if counter_exists:
        decide(world, first)  # the year's counter row exists; without it both race to make it
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []
    numbers: list[str] = []

    def recorder(meeting: object, title: str, hold: float) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                decision = decide(world, meeting, title=title)  # type: ignore[arg-type]
                numbers.append(decision.number)
                # Still open: the other save must wait for this one to end.
                threading.Event().wait(hold)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=recorder, args=(first, "甲", 0.5)),
        threading.Thread(target=recorder, args=(second, "乙", 0.5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    serials = sorted(Decision.objects.values_list("serial", flat=True))
    start = 2 if counter_exists else 1
    assert serials == list(range(1, start + 2))
    counter = DecisionCounter.objects.get(committee=world.committee, group=world.groups[0])
    assert counter.last == start + 1
    assert len(set(numbers)) == 2
    # Each decision has its task.
    assert Task.objects.filter(source_kind="meetings").count() == start + 1


@pytest.mark.django_db(transaction=True)
@ONLY_POSTGRESQL
def test_two_decisions_of_one_meeting_saved_at_once_get_two_numbers(world: World) -> None:
    meeting = held_meeting(world, topics=1)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def recorder(title: str) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                decide(world, meeting, title=title)
                threading.Event().wait(0.3)
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=recorder, args=(t,)) for t in ("甲", "乙")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(Decision.objects.values_list("serial", flat=True)) == [1, 2]


@pytest.mark.django_db(transaction=True)
@ONLY_POSTGRESQL
def test_a_save_rolled_back_while_another_waits_leaves_no_gap(world: World) -> None:
    first, second = held_meeting(world, topics=1), held_meeting(world, topics=1)
    started = threading.Event()
    failures: list[BaseException] = []

    class Abandoned(Exception):
        pass

    def failing() -> None:
        try:
            with transaction.atomic():
                decide(world, first, title="作废")
                started.set()
                threading.Event().wait(0.5)
                raise Abandoned
        except Abandoned:
            pass
        except BaseException as error:
            failures.append(error)
            started.set()
        finally:
            connections.close_all()

    def waiting() -> None:
        try:
            started.wait()
            decide(world, second, title="有效")
        except BaseException as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=failing), threading.Thread(target=waiting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert list(Decision.objects.values_list("title", "serial")) == [("有效", 1)]
    assert not Task.objects.filter(title="作废").exists()
