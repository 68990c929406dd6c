"""Task numbers (督办编号): the work year and the task's place in its committee's year,
as in 2026-0123, the number an office writes on paper instead of the database's id.

A task is numbered when it is assigned, in the same transaction, one above the highest
number of its committee's year. The allotment takes a lock of its own first, so two tasks
assigned at the same moment wait for each other rather than take the same number; an
assignment that fails is rolled back with its number, which the next one takes. Numbers
run without gaps or duplicates (a task is withdrawn, never deleted), and the database
refuses a duplicate all the same (``tracking_task_unique_number``). Tasks inserted in bulk (the demonstration's) are
numbered afterwards, in the order they were created, by :func:`number_unnumbered`.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Max

from heli.tracking.models import Task

# Four digits a year: a committee assigns a few hundred tasks a year. More still number
# on (2026-10000), as wide as they need.
DIGITS = 4
# The first key of the allotment's PostgreSQL advisory lock ("task"), the committee the
# second; two-key locks never meet the audit chain's one-key lock.
LOCK_SPACE = 0x7461736B


def label(year: int, number: int | None) -> str:
    """How a task number reads (``2026-0123``); empty for a task not numbered."""
    return "" if number is None else f"{year}-{number:0{DIGITS}d}"


def task_label(task: Task) -> str:
    """The task's number as it reads, or an empty text before it has one."""
    return label(task.year, task.number)


def _lock(committee_id: int) -> None:
    # Held until the transaction ends. SQLite lets one transaction write at a time, and
    # the unique constraint refuses what a lock would have prevented.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_SPACE, committee_id])


def _highest(committee_id: int, year: int) -> int:
    found = Task.objects.filter(committee_id=committee_id, year=year).aggregate(
        highest=Max("number")
    )
    return int(found["highest"] or 0)


@transaction.atomic
def allot(task: Task) -> str:
    """Give a task just created the next number of its committee's year; its label.

    Call it at the end of the transaction that creates the task, after its audit row:
    the lock is then taken after the audit chain's, in the same order everywhere.
    """
    if task.number is not None:
        return task_label(task)
    _lock(task.committee_id)
    task.number = _highest(task.committee_id, task.year) + 1
    Task.objects.filter(pk=task.pk).update(number=task.number)
    return task_label(task)


@transaction.atomic
def number_unnumbered(committee_id: int) -> int:
    """Number the committee's tasks that have none, each year in the order of creation,
    after the numbers already given; how many were numbered."""
    _lock(committee_id)
    waiting = list(
        Task.objects.filter(committee_id=committee_id, number__isnull=True)
        .order_by("year", "created_at", "id")
        .only("id", "year", "number")
    )
    highest: dict[int, int] = {}
    for task in waiting:
        if task.year not in highest:
            highest[task.year] = _highest(committee_id, task.year)
        highest[task.year] += 1
        task.number = highest[task.year]
    Task.objects.bulk_update(waiting, ["number"], batch_size=500)
    return len(waiting)
