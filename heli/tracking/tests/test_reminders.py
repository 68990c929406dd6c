"""The battle map's reminders: each due reminder once, to the right people only."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from heli.notifications import registry
from heli.notifications.actions import set_preferences
from heli.notifications.models import Channel, Notification, WebhookRobot
from heli.notifications.tests.fakeserver import FakeRobotServer, use_test_delivery
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import ProgressReport, Task
from heli.tracking.tests.helpers import make_task

DAY = datetime.date(2026, 3, 20)  # a Friday: the next day is in the same ISO week
KINDS = ("tracking.near_deadline", "tracking.overdue", "tracking.no_report")


@pytest.fixture
def robot_server() -> Iterator[FakeRobotServer]:
    server = FakeRobotServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    use_test_delivery(settings)
    settings.TRACKING_NO_REPORT_DAYS = 14


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def tasks(world: World) -> dict[str, Task]:
    for user in world.users.values():
        user.email = f"{user.username}@example.gov.cn"
        user.save(update_fields=["email"])
    set_preferences(world.user("unit2_staff"), email=False)
    d = datetime.timedelta
    staff = world.user("staff")
    # Due in 3 days, not yet signed for.
    near = make_task(world, title="近期到期", assigned_at=DAY - d(days=5), deadline=DAY + d(days=3))
    # Five days late, in progress, reported on two days ago.
    late = make_task(
        world,
        title="已经逾期",
        lead_unit=world.units[2],
        cooperating_units=[],
        assigned_at=DAY - d(days=40),
        deadline=DAY - d(days=5),
    )
    actions.receive_task(late, world.user("unit2_secretary"))
    actions.start_task(late, world.user("unit2_secretary"))
    ProgressReport.objects.create(
        committee=world.committee,
        task=late,
        text="推进中",
        by=world.user("unit2_staff"),
        reported_at=_at(DAY - d(days=2)),
    )
    # Signed for twenty days ago, never reported on; the deadline is far.
    quiet = make_task(
        world, title="久未反馈", assigned_at=DAY - d(days=20), deadline=DAY + d(days=60)
    )
    actions.receive_task(quiet, world.user("unit0_staff"))
    # Late but closed: nobody is reminded.
    done = make_task(
        world, title="已经销号", assigned_at=DAY - d(days=40), deadline=DAY - d(days=1)
    )
    actions.receive_task(done, world.user("unit0_secretary"))
    actions.report_done(done, world.user("unit0_secretary"), "已全部完成，请核实。")
    actions.close_task(done, staff)
    # Each step above told the other side at once; these tests are about the reminders.
    Notification.objects.all().delete()
    return {"near": near, "late": late, "quiet": quiet, "done": done}


def _run(day: datetime.date) -> None:
    kinds = [registry.get(code) for code in KINDS]
    assert all(kinds)
    with registry.only(*kinds):  # type: ignore[arg-type]
        call_command("send_reminders", "--date", day.isoformat(), verbosity=0)


def _reminders() -> Any:
    """The reminders sent (each step on a task also notifies at once: not counted here)."""
    return Notification.objects.filter(kind__in=KINDS)


def _sent() -> set[tuple[str, str, str]]:
    return {(n.kind, n.recipient.username, n.url) for n in _reminders().select_related("recipient")}


def test_kinds_are_registered() -> None:
    assert all(registry.get(code) is not None for code in KINDS)


def test_each_reminder_once_to_the_right_people(
    world: World, tasks: dict[str, Task], robot_server: FakeRobotServer
) -> None:
    WebhookRobot.objects.create(
        committee=world.committee,
        kind=Channel.WECOM,
        name="群机器人",
        url=robot_server.url("/wecom?key=token"),
    )
    _run(DAY)
    _run(DAY)

    def url(name: str) -> str:
        return f"/tracking/tasks/{tasks[name].pk}/"

    assert _sent() == {
        ("tracking.near_deadline", "unit0_secretary", url("near")),
        ("tracking.near_deadline", "unit0_staff", url("near")),
        ("tracking.overdue", "unit2_secretary", url("late")),
        ("tracking.overdue", "unit2_staff", url("late")),
        ("tracking.overdue", "staff", url("late")),
        ("tracking.no_report", "unit0_secretary", url("quiet")),
        ("tracking.no_report", "unit0_staff", url("quiet")),
    }
    assert _reminders().count() == 7
    # Each side is told what is its own to do: the unit may ask the department for more
    # time, the department is not told to ask itself.
    overdue = {n.recipient.username: n.body for n in _reminders().filter(kind="tracking.overdue")}
    assert "申请延期" in overdue["unit2_secretary"]
    assert "申请延期" not in overdue["staff"] and "重新设定办理期限" in overdue["staff"]
    # unit2_staff turned email off: in-app only.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        f"{name}@example.gov.cn"
        for name in (
            "unit0_secretary",
            "unit0_staff",
            "unit2_secretary",
            "staff",
            "unit0_secretary",
            "unit0_staff",
        )
    )
    # Only the overdue task goes to the group robot, once.
    assert len(robot_server.hits) == 1
    assert "已经逾期" in robot_server.hits[0].body["markdown"]["content"]


def test_overdue_repeats_weekly_and_no_report_per_period(
    world: World, tasks: dict[str, Task]
) -> None:
    _run(DAY)
    _run(DAY + datetime.timedelta(days=1))  # same week, same period: nothing new
    assert _reminders().count() == 7
    _run(DAY + datetime.timedelta(days=7))
    kinds = list(_reminders().values_list("kind", flat=True))
    # The late task again (a new week, the same three people) and the near one, now late.
    assert kinds.count("tracking.overdue") == 9
    # 27 days quiet is still the first 14-day period; the near-deadline task is now late.
    assert kinds.count("tracking.no_report") == 2
    assert kinds.count("tracking.near_deadline") == 2


def test_a_report_resets_the_quiet_period(world: World, tasks: dict[str, Task]) -> None:
    ProgressReport.objects.create(
        committee=world.committee,
        task=tasks["quiet"],
        text="已启动",
        by=world.user("unit0_staff"),
        reported_at=_at(DAY - datetime.timedelta(days=3)),
    )
    _run(DAY)
    assert not Notification.objects.filter(kind="tracking.no_report").exists()


@pytest.mark.frozen_clock  # the demonstration tasks are dated from today
def test_on_the_demonstration_data_each_reminder_once_to_the_right_people(db: None) -> None:
    from heli.accounts.models import ADMIN_ROLES, Role, RoleAssignment
    from heli.org.demo import load_demo

    committee = load_demo().committee
    # What loading itself told people (steps other areas' demonstrations took) is no reminder.
    loaded = list(Notification.objects.filter(committee=committee).values_list("pk", flat=True))
    day = timezone.localdate()
    _run(day)
    first = list(
        Notification.objects.filter(committee=committee)
        .exclude(pk__in=loaded)
        .values_list("kind", "key", "recipient_id", "url")
    )
    assert {kind for kind, *_rest in first} == set(KINDS)
    _run(day)
    assert Notification.objects.filter(committee=committee).exclude(pk__in=loaded).count() == len(
        first
    )

    roles = list(RoleAssignment.objects.filter(committee=committee))
    unit_people = {
        (r.unit_id, r.user_id) for r in roles if r.role in (Role.UNIT_SECRETARY, Role.UNIT_STAFF)
    }
    department_staff = {
        (r.department_id, r.user_id) for r in roles if r.role == Role.COMMITTEE_STAFF
    }
    admins = {r.user_id for r in roles if r.role in ADMIN_ROLES}
    tasks = {t.pk: t for t in Task.objects.filter(committee=committee)}
    for kind, _key, user_id, url in first:
        task = tasks[int(url.strip("/").split("/")[-1])]
        assert user_id not in admins
        allowed = (task.lead_unit_id, user_id) in unit_people or (
            kind == "tracking.overdue" and (task.department_id, user_id) in department_staff
        )
        assert allowed, (kind, task.title, user_id)
    # Every lead unit person of an overdue, running task was told.
    overdue = [
        t
        for t in tasks.values()
        if t.deadline < day and t.status in ("assigned", "received", "in_progress", "returned")
    ]
    told = {(url, user_id) for kind, _k, user_id, url in first if kind == "tracking.overdue"}
    for task in overdue:
        for unit_id, user_id in unit_people:
            if unit_id == task.lead_unit_id:
                assert (f"/tracking/tasks/{task.pk}/", user_id) in told
