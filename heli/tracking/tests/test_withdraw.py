"""A task assigned by mistake can be withdrawn (撤销) by whoever may assign it, with a
reason: it leaves every list, count, chart, board, dashboard, export and reminder — one
rule, ``TaskQuerySet.live`` — and stays readable on its page, in its history and in the
audit log."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from heli.audit.models import AuditEvent
from heli.testing import World
from heli.tracking import actions, reminders, ui
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Status, Step

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]
TITLE = "误交办的事项"


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _tasks(world: World) -> tuple[Task, Task]:
    """A task that stays, and one withdrawn: overdue, never reported on, waiting to be signed
    for — so that every list, count and reminder would have had it."""
    today = timezone.localdate()
    dates = {"assigned_at": today - datetime.timedelta(days=40), "year": today.year}
    kept = make_task(
        world, title="保留的事项", deadline=today - datetime.timedelta(days=3), **dates
    )
    wrong = make_task(world, title=TITLE, deadline=today - datetime.timedelta(days=2), **dates)
    response = _client(world, "staff").post(
        reverse("tracking:task_step", args=[wrong.pk, Step.WITHDRAW.value]),
        {"reason": "与另一事项重复交办", "confirm": "on", "version": wrong.version},
    )
    assert response.status_code == 302
    wrong.refresh_from_db()
    assert wrong.status == Status.WITHDRAWN
    return kept, wrong


def test_a_withdrawn_task_is_gone_from_the_chart_and_every_list_and_count(world: World) -> None:
    kept, wrong = _tasks(world)
    year = str(kept.year)
    for name in ("staff", "leader", "unit0_secretary"):
        client = _client(world, name)
        chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
        assert chart.total.count == 1, name
        board = client.get(reverse("tracking:board"), {"year": year}).context["columns"]
        assert sum(c.count for c in board) == 1, name
        listed = client.get(reverse("tracking:task_list"), {"year": year}).context["page"]
        assert [t.pk for t in listed.object_list] == [kept.pk], name
        everything = client.get(reverse("tracking:task_list")).context["page"]
        assert wrong.pk not in [t.pk for t in everything.object_list], name
        data = client.get(reverse("tracking:dashboard_data"), {"year": year}).json()
        assert data["totals"]["tasks"] == 1 and data["totals"]["overdue"] == 1, name
        waiting = client.get(reverse("tracking:waiting")).context["sections"]
        assert all(wrong.pk not in [t.pk for t in rows] for _k, _l, rows in waiting), name
        home = client.get(reverse("home")).content.decode()
        assert TITLE not in home, name
        export = client.get(reverse("tracking:task_export"), {"year": year})
        cells = [
            str(c)
            for row in load_workbook(io.BytesIO(export.content)).worksheets[0].values
            for c in row
        ]
        assert "保留的事项" in cells and TITLE not in cells, name
    # Nobody is reminded of it, nor is it found by search.
    today = timezone.localdate()
    for kind in (reminders.overdue, reminders.near_deadline, reminders.no_report):
        assert all(not r.key.startswith(f"{wrong.pk}:") for r in kind(world.committee, today))
    assert any(r.key.startswith(f"{kept.pk}:") for r in reminders.overdue(world.committee, today))
    assert [d.pk for d in ui.task_documents(world.committee.pk)] == [kept.pk]


def test_a_withdrawn_task_stays_readable_in_its_history_and_the_audit_log(world: World) -> None:
    _kept, wrong = _tasks(world)
    for name in ("staff", "unit0_secretary", "unit0_staff", "leader"):
        response = _client(world, name).get(reverse("tracking:task_detail", args=[wrong.pk]))
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "此事项已撤销。" in page and "与另一事项重复交办" in page, name
        assert response.context["panel"] == [], name  # nothing can be done to it any more
        history = [t.step for t in response.context["transitions"]]
        assert history == [Step.CREATE, Step.WITHDRAW], name
    audit = AuditEvent.objects.filter(object_type="tracking.task", object_id=str(wrong.pk))
    assert [e.detail.get("step") for e in audit.order_by("pk")][-1] == Step.WITHDRAW
    with pytest.raises(ValidationError):
        actions.receive_task(wrong, world.user("unit0_secretary"))


def test_only_whoever_may_assign_withdraws_with_a_reason_and_a_ticked_box(world: World) -> None:
    task = make_task(world)
    url = reverse("tracking:task_step", args=[task.pk, Step.WITHDRAW.value])
    for name in ("unit0_secretary", "office", "unit0_leadership"):
        response = _client(world, name).post(url, {"reason": "误交办", "confirm": "on"})
        assert response.status_code == 200, name
        task.refresh_from_db()
        assert task.status == Status.ASSIGNED, name
    staff = _client(world, "staff")
    # No reason, no tick: refused next to each field, what was typed kept.
    response = staff.post(url, {"reason": ""})
    form = next(i.form for i in response.context["panel"] if i.key == Step.WITHDRAW)
    assert form.errors["reason"] == ["请说明撤销此事项的理由。"]
    assert form.errors["confirm"] == ["请勾选确认：此操作不能撤回。"]
    response = staff.post(url, {"reason": "重复交办"})
    assert "重复交办" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.ASSIGNED
    # A committee leader assigns for every department: a leader may withdraw too.
    assert (
        _client(world, "leader").post(url, {"reason": "重复交办", "confirm": "on"}).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.status == Status.WITHDRAWN


def test_a_parent_is_withdrawn_after_its_sub_tasks(world: World) -> None:
    parent = make_task(world)
    child = make_task(world, title="子事项", parent=parent)
    staff = world.user("staff")
    with pytest.raises(ValidationError) as caught:
        actions.withdraw_task(parent, staff, "误交办")
    assert "请先撤销子事项" in caught.value.messages[0]
    actions.withdraw_task(child, staff, "误交办")
    actions.withdraw_task(parent, staff, "误交办")
    parent.refresh_from_db()
    assert parent.status == Status.WITHDRAWN
