"""Document numbers (文号): per committee and year, without gaps or duplicates, also when
two letters are sent at the same moment (real concurrent transactions on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from heli.liaison import letters
from heli.liaison.models import Letter, LetterCounter
from heli.liaison.tests.letter_helpers import send
from heli.testing import World

pytestmark = pytest.mark.django_db


def test_numbers_run_per_year_and_committee(world: World) -> None:
    assert [send(world).serial for _ in range(3)] == [1, 2, 3]
    with transaction.atomic():
        assert letters.next_serial(world.committee, 2031) == 1
        assert letters.next_serial(world.other_committee, 2031) == 1
    assert letters.document_number("京直工函", 2026, 12) == "京直工函〔2026〕12号"


def test_the_database_refuses_a_duplicate_serial(world: World) -> None:
    send(world)
    second = send(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Letter.objects.filter(pk=second.pk).update(serial=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"
)
@pytest.mark.parametrize("counter_exists", [False, True])
def test_two_letters_sent_at_once_get_two_numbers(world: World, counter_exists: bool) -> None:
    if counter_exists:
        send(world)  # the year's counter row exists; without it both sends race to make it
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []
    numbers: list[str] = []

    def sender(title: str, hold: float) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                letter = send(world, title=title)
                numbers.append(letter.number)
                # Still open: the other send must wait for this one to end.
                threading.Event().wait(hold)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sender, args=("甲", 0.5)),
        threading.Thread(target=sender, args=("乙", 0.5)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    serials = sorted(Letter.objects.values_list("serial", flat=True))
    first = 2 if counter_exists else 1
    assert serials == list(range(1, first + 2))
    year = Letter.objects.get(serial=first).year
    assert LetterCounter.objects.get(committee=world.committee, year=year).last == first + 1
    assert len(set(numbers)) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"
)
def test_a_send_rolled_back_while_another_waits_leaves_no_gap(world: World) -> None:
    started = threading.Event()
    failures: list[BaseException] = []

    class Abandoned(Exception):
        pass

    def failing() -> None:
        try:
            with transaction.atomic():
                send(world, title="作废")
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
            send(world, title="有效")
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
    assert list(Letter.objects.values_list("title", "serial")) == [("有效", 1)]
