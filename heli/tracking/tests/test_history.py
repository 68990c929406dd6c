"""The database keeps a task's history: its steps, its reports and their files stay as written.

Every refusal here comes from the database's triggers (PostgreSQL and SQLite), not from
the model: bulk ``update()``/``delete()`` and raw SQL never pass through ``save()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from heli.files.actions import store_upload
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.lib import append_only
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import ProgressReport, Task, TaskTransition
from heli.tracking.tests.helpers import make_task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

Links = ProgressReport.attachments.through
TABLES = (
    TaskTransition._meta.db_table,
    ProgressReport._meta.db_table,
    Links._meta.db_table,
)
REFUSED = "督办历史只能追加，不能修改或删除"

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"
)


def refused(attempt: Callable[[], Any]) -> str:
    """Run ``attempt`` in its own savepoint; return the database's refusal."""
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        attempt()
    return str(refusal.value)


def sql(statement: str, params: list[Any] | None = None) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


def history(world: World) -> tuple[Task, ProgressReport, ProgressReport]:
    """A received task with two reports, the first with a file."""
    secretary = world.user("unit0_secretary")
    task = make_task(world)
    actions.receive_task(task, secretary)
    attachment = store_upload(
        upload("进展材料.pdf", samples.PDF),
        committee=world.committee,
        unit=world.units[0],
        by=secretary,
    )
    with_file = actions.report_progress(
        task, text="已召开部署会", percent=30, by=secretary, attachments=[attachment]
    )
    without = actions.report_progress(task, text="正在推进", percent=50, by=secretary)
    return task, with_file, without


def snapshot(task: Task) -> list[Any]:
    return [
        list(TaskTransition.objects.filter(task=task).order_by("pk").values_list()),
        list(ProgressReport.objects.filter(task=task).order_by("pk").values_list()),
        list(Links.objects.filter(progressreport__task=task).order_by("pk").values_list()),
    ]


def test_history_rows_cannot_be_changed_or_removed(world: World) -> None:
    task, with_file, without = history(world)
    before = snapshot(task)
    step = task.transitions.first()
    assert step is not None and len(before[2]) == 1
    other = store_upload(
        upload("另一份.pdf", samples.PDF),
        committee=world.committee,
        unit=world.units[0],
        by=step.by,
    )
    # The model refuses first ...
    step.reason = "改写历史"
    with pytest.raises(TypeError):
        step.save()
    with pytest.raises(TypeError):
        step.delete()
    # ... and the database refuses whatever goes around it.
    attempts: list[tuple[str, Callable[[], Any]]] = [
        (
            "UPDATE on tracking_tasktransition",
            lambda: TaskTransition.objects.filter(pk=step.pk).update(reason="改写历史"),
        ),
        (
            "DELETE on tracking_tasktransition",
            lambda: TaskTransition.objects.filter(task=task).delete(),
        ),
        (
            "UPDATE on tracking_progressreport",
            lambda: ProgressReport.objects.filter(task=task).update(percent=100),
        ),
        (
            "DELETE on tracking_progressreport",
            lambda: ProgressReport.objects.filter(pk=without.pk).delete(),
        ),
        # Deleting a report with files starts at its links to them.
        (
            "DELETE on tracking_progressreport_attachments",
            lambda: ProgressReport.objects.filter(pk=with_file.pk).delete(),
        ),
        ("DELETE on tracking_progressreport_attachments", with_file.attachments.clear),
        (
            "UPDATE on tracking_progressreport_attachments",
            lambda: Links.objects.filter(progressreport=with_file).update(attachment=other),
        ),
    ]
    for expected, attempt in attempts:
        refusal = refused(attempt)
        # The refusal names the operation and the very table ("…_attachments" is another).
        assert REFUSED in refusal, (expected, refusal)
        assert re.search(rf"{re.escape(expected)}(?!\w)", refusal), (expected, refusal)
    for statement, params in (
        ("UPDATE tracking_tasktransition SET reason = 'x' WHERE id = %s", [step.pk]),
        ("DELETE FROM tracking_tasktransition", None),
        ("UPDATE tracking_progressreport SET text = text", None),
        ("DELETE FROM tracking_progressreport WHERE id = %s", [with_file.pk]),
        ("DELETE FROM tracking_progressreport_attachments", None),
        ("UPDATE tracking_progressreport_attachments SET attachment_id = %s", [other.pk]),
    ):
        assert REFUSED in refused(sql(statement, params)), statement
    assert snapshot(task) == before


@on_postgresql
def test_history_tables_refuse_truncate_on_postgresql(world: World) -> None:
    history(world)
    # Check the deferred foreign keys now, as a commit would: TRUNCATE waits for no one.
    sql("SET CONSTRAINTS ALL IMMEDIATE")()
    for statement in (
        "TRUNCATE tracking_tasktransition",
        "TRUNCATE tracking_progressreport, tracking_progressreport_attachments",
        "TRUNCATE tracking_progressreport_attachments",
    ):
        assert REFUSED in refused(sql(statement)), statement
    # A privilege error, so operators see what kind of failure it is.
    with pytest.raises(DatabaseError) as refusal, transaction.atomic():
        sql("DELETE FROM tracking_tasktransition")()
    assert getattr(refusal.value.__cause__, "sqlstate", "") == "42501"


@on_postgresql
def test_an_empty_history_table_may_be_truncated(world: World) -> None:
    assert not TaskTransition.objects.exists()
    sql("TRUNCATE tracking_tasktransition")()


def test_history_is_still_written(world: World) -> None:
    task, with_file, without = history(world)
    steps = list(task.transitions.values_list("step", flat=True))
    assert len(steps) == 3  # assigned, received, started by the first report
    assert list(task.reports.order_by("pk")) == [with_file, without]
    assert [a.original_name for a in with_file.attachments.all()] == ["进展材料.pdf"]
    # Inserting stays open, in bulk as well.
    TaskTransition.objects.bulk_create(
        [
            TaskTransition(
                committee=t.committee, task=task, step=t.step, to_status=t.to_status, by=t.by
            )
            for t in task.transitions.all()
        ]
    )
    assert task.transitions.count() == 6


def test_the_triggers_are_in_place_after_migrate(world: World) -> None:
    for table in TABLES:
        assert append_only.installed(connection, table) is True, table
    assert set(TABLES) <= set(append_only.guarded_tables(connection))


def test_migrate_puts_back_history_triggers_a_rebuilt_table_lost(world: World) -> None:
    # SQLite rebuilds a table to alter it, and the new table has no triggers.
    with transaction.atomic():
        for table in TABLES:
            append_only.remove(connection, table)
            assert append_only.installed(connection, table) is False
        append_only.reinstall_after_migrate(sender=apps.get_app_config("tracking"))
        for table in TABLES:
            assert append_only.installed(connection, table) is True, table


@pytest.mark.django_db(transaction=True)
def test_the_migration_takes_the_triggers_away_and_puts_them_back() -> None:
    loader = MigrationLoader(connection)
    key, migration = next(
        (key, m)
        for key, m in loader.disk_migrations.items()
        if key[0] == "tracking"
        and any(isinstance(op, append_only.MakeAppendOnly) for op in m.operations)
    )
    before = loader.project_state(key, at_end=False)
    with connection.schema_editor() as editor:
        migration.unapply(before, editor)
    try:
        assert [append_only.installed(connection, t) for t in TABLES] == [False] * 3
        assert not set(TABLES) & set(append_only.guarded_tables(connection))
    finally:
        with connection.schema_editor() as editor:
            migration.apply(loader.project_state(key, at_end=False), editor)
    assert [append_only.installed(connection, t) for t in TABLES] == [True] * 3


def test_flush_refuses_a_database_that_holds_task_history(world: World) -> None:
    task, _with_file, _without = history(world)
    before = snapshot(task)
    with append_only.permit_full_flush(False), pytest.raises(CommandError) as refusal:
        call_command("flush", interactive=False, verbosity=0)
    assert "不能删除" in str(refusal.value) and "tracking_tasktransition" in str(refusal.value)
    assert snapshot(task) == before


@pytest.mark.django_db(transaction=True)
def test_a_permitted_flush_empties_the_history_and_keeps_its_triggers(
    world: World,
) -> None:
    history(world)
    assert append_only.full_flush_permitted()  # the test suite's session switch
    call_command("flush", interactive=False, verbosity=0)
    assert not TaskTransition.objects.exists()
    assert not ProgressReport.objects.exists()
    assert not Links.objects.exists()
    assert not Attachment.objects.exists()
    for table in TABLES:
        assert append_only.installed(connection, table) is True, table
