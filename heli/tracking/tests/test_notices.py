"""Every step on a task tells the other side at once: in the notification centre and by
each person's chosen channel, once, after the transaction commits."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from heli.notifications.actions import set_preferences
from heli.notifications.models import Delivery, Notification
from heli.notifications.tests.fakeserver import use_test_delivery
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Step

pytestmark = pytest.mark.django_db

LEAD = {"unit0_secretary", "unit0_staff"}  # units[0] leads every task here
COOPERATING = {"unit2_secretary", "unit2_staff"}  # units[2] cooperates
DEPARTMENT = {"staff"}  # the supervising department's staff


@pytest.fixture(autouse=True)
def _delivery(settings: Any, world: World) -> None:
    use_test_delivery(settings)
    for user in world.users.values():
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])


def _told(since: int = 0) -> list[tuple[str, str, str]]:
    """(recipient, title, body) of the notifications after id ``since``, in order."""
    return list(
        Notification.objects.filter(pk__gt=since)
        .order_by("pk")
        .values_list("recipient__username", "title", "body")
    )


def _last_id() -> int:
    last = Notification.objects.order_by("-pk").first()
    return last.pk if last else 0


def _step(capture: Any, call: Callable[[], Any]) -> tuple[list[tuple[str, str, str]], list[Any]]:
    """Run one action as a request would (committed), and what it told whom."""
    since, sent = _last_id(), len(mail.outbox)
    with capture(execute=True):
        call()
    return _told(since), mail.outbox[sent:]


def test_each_step_tells_the_other_side_once_and_names_the_task_step_person_and_reason(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    staff, secretary = world.user("staff"), world.user("unit0_secretary")
    task: Task | None = None

    def assign() -> None:
        nonlocal task
        task = make_task(world, title="落实“第一议题”制度", cooperating_units=[world.units[2]])

    told, emails = _step(capture, assign)
    assert task is not None
    url = f"/tracking/tasks/{task.pk}/"
    assert {who for who, _t, _b in told} == LEAD | COOPERATING
    lead_titles = {t for who, t, _b in told if who in LEAD}
    assert lead_titles == {"新交办事项：落实“第一议题”制度"}
    assert all("为配合单位" in body for who, _t, body in told if who in COOPERATING)
    assert all("宣传部" in body and "签收" in body for who, _t, body in told if who in LEAD)
    # Emailed after the commit to everyone with an address, with the link to the task.
    assert sorted(m.to[0] for m in emails) == sorted(
        f"{name}@example.gov.cn" for name in LEAD | COOPERATING
    )
    assert all(url in m.body for m in emails)
    assert set(Notification.objects.values_list("url", flat=True)) == {url}

    told, _ = _step(capture, lambda: actions.receive_task(task, secretary))
    assert {(who, title) for who, title, _b in told} == {("staff", "签收：落实“第一议题”制度")}
    told, _ = _step(
        capture,
        lambda: actions.report_progress(task, text="已召开专题会议部署", percent=50, by=secretary),
    )
    assert [(w, t) for w, t, _b in told] == [("staff", "办理情况反馈：落实“第一议题”制度")]
    assert "进度50%" in told[0][2] and "已召开专题会议部署" in told[0][2]
    told, _ = _step(capture, lambda: actions.report_done(task, secretary, "已全部完成"))
    assert [(w, t) for w, t, _b in told] == [("staff", "上报办结：落实“第一议题”制度")]
    assert "办结情况：已全部完成" in told[0][2]
    assert world.user("unit0_secretary").get_full_name() in told[0][2]

    # The department's steps go to the lead unit's people, with the reason.
    told, _ = _step(capture, lambda: actions.return_for_redo(task, staff, "请补充会议记录"))
    assert {w for w, _t, _b in told} == LEAD
    assert all(t == "退回重办：落实“第一议题”制度" for _w, t, _b in told)
    assert all("理由：请补充会议记录" in b for _w, _t, b in told)
    actions.report_done(task, secretary, "已补充会议记录")
    told, _ = _step(capture, lambda: actions.close_task(task, staff, "经核实，同意销号"))
    assert {w for w, _t, _b in told} == LEAD
    assert all("销号" in t and "销号意见：经核实，同意销号" in b for _w, t, b in told)

    # Once per step: nothing is told twice, whoever runs delivery again.
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))
    # The person who acted is never told of their own step.
    assert not Notification.objects.filter(recipient=staff, title__startswith="退回重办").exists()


def test_extensions_and_new_deadlines_tell_both_sides_with_the_dates(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    capture = django_capture_on_commit_callbacks
    staff, secretary = world.user("staff"), world.user("unit0_secretary")
    task = make_task(world, cooperating_units=[])
    actions.receive_task(task, secretary)
    later = task.deadline + datetime.timedelta(days=30)
    told, _ = _step(
        capture,
        lambda: actions.request_extension(
            task, requested_deadline=later, reason="需等待上级批复", by=secretary
        ),
    )
    assert [w for w, _t, _b in told] == ["staff"]
    assert "申请将此事项的办理期限由2026年4月1日延至2026年5月1日" in told[0][2]
    extension = task.extensions.get()
    told, _ = _step(
        capture, lambda: actions.decide_extension(extension, approve=False, by=staff, reason="无")
    )
    assert {w for w, _t, _b in told} == LEAD
    assert all("办理期限仍为2026年4月1日" in b and "理由：无" in b for _w, _t, b in told)
    told, _ = _step(
        capture,
        lambda: actions.change_deadline(task, deadline=later, reason="市委部署调整", by=staff),
    )
    assert {w for w, _t, _b in told} == LEAD
    assert all("调整办理期限：" in t for _w, t, _b in told)
    assert all("2026年5月1日（原为2026年4月1日）" in b for _w, _t, b in told)


def test_a_person_who_turned_email_off_is_told_in_the_centre_only(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    set_preferences(world.user("unit0_staff"), email=False)
    with django_capture_on_commit_callbacks(execute=True):
        make_task(world, cooperating_units=[])
    assert {n.recipient.username for n in Notification.objects.all()} == LEAD
    assert [m.to for m in mail.outbox] == [["unit0_secretary@example.gov.cn"]]


def test_a_step_that_is_rolled_back_tells_nobody(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    task = make_task(world, cooperating_units=[])
    before, sent = Notification.objects.count(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            actions.receive_task(task, world.user("unit0_secretary"))
            raise RuntimeError("the request failed after the step")
    assert Notification.objects.count() == before
    assert len(mail.outbox) == sent
    assert not Delivery.objects.filter(notification__title__startswith="签收").exists()


def test_withdrawing_tells_everyone_the_assignment_told_and_the_department(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    task = make_task(world, cooperating_units=[world.units[2]])
    since = _last_id()
    with django_capture_on_commit_callbacks(execute=True):
        actions.withdraw_task(task, world.user("leader"), "与另一事项重复交办")
    told = _told(since)
    assert {w for w, _t, _b in told} == LEAD | COOPERATING | DEPARTMENT
    assert all(t.startswith("撤销：") and "理由：与另一事项重复交办" in b for _w, t, b in told)
    assert task.transitions.last().step == Step.WITHDRAW  # type: ignore[union-attr]
