"""Writers at the same time still make one valid chain (PostgreSQL, real transactions)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from heli.audit import actions, chain, events
from heli.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 4
EVENTS_EACH = 25


def test_a_transactional_test_can_empty_the_audit_log_between_tests() -> None:
    # The flush after this test must get past the triggers (heli.audit's flush command).
    actions.record(events.LOGOUT)
    assert AuditEvent.objects.count() == 1
    assert AuditEvent.objects.get().pk == 1  # the log was empty when the test began


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_concurrent_writers_still_give_a_valid_chain() -> None:
    start = threading.Barrier(WRITERS)
    failures: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(EVENTS_EACH):
                # Some inside a longer business transaction, some on their own.
                if i % 2:
                    with transaction.atomic():
                        actions.record(events.RECORD_UPDATED, object_repr=f"写入者{n}-{i}")
                else:
                    actions.record(events.RECORD_CREATED, object_repr=f"写入者{n}-{i}")
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    total = WRITERS * EVENTS_EACH
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)) == list(
        range(1, total + 1)
    )
    times = list(AuditEvent.objects.order_by("pk").values_list("created_at", flat=True))
    assert times == sorted(times)  # stamped under the chain's lock
    report = chain.verify()
    assert report.ok, report.problem
    assert report.rows == total
