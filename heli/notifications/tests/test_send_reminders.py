"""The send_reminders command: idempotent, after commit, by each person's channels."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction

from heli.accounts.models import SecurityPolicy
from heli.notifications import actions, registry
from heli.notifications.models import Channel, Delivery, Notification, WebhookRobot
from heli.notifications.registry import Reminder, ReminderKind
from heli.notifications.reminders import leads_unconfirmed, password_expiry
from heli.notifications.tests.fakeserver import FakeRobotServer
from heli.org.models import Committee
from heli.testing import World

TODAY = "2026-11-26"


def _overdue(world: World) -> ReminderKind:
    """A task-like reminder to unit 0's secretary and staff, also meant for robots."""

    def due(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
        if committee != world.committee:
            return
        yield Reminder(
            key=f"7:{today.isoformat()}",
            title="督办事项已逾期",
            body="请尽快反馈办理情况。",
            url="/tracking/tasks/7/",
            recipients=[world.user("unit0_secretary"), world.user("unit0_staff")],
            to_robots=True,
        )

    return ReminderKind("test.overdue", "逾期", due)


@pytest.fixture
def people(world: World) -> World:
    for name in ("unit0_secretary", "unit0_staff", "office"):
        user = world.user(name)
        user.email = f"{name}@example.gov.cn"
        user.save(update_fields=["email"])
    return world


def _robot(world: World, server: FakeRobotServer, kind: str, **extra: Any) -> WebhookRobot:
    return WebhookRobot.objects.create(
        committee=world.committee,
        kind=kind,
        name=f"{kind} robot",
        url=server.url(f"/{kind}?key=token"),
        **extra,
    )


def _run(*args: str) -> None:
    call_command("send_reminders", "--date", TODAY, *args)


def test_running_twice_sends_each_reminder_once(
    people: World, robot_server: FakeRobotServer
) -> None:
    _robot(people, robot_server, Channel.WECOM)
    _robot(people, robot_server, Channel.DINGTALK)
    with registry.only(_overdue(people)):
        _run()
        _run()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "unit0_secretary@example.gov.cn",
        "unit0_staff@example.gov.cn",
    ]
    assert "https://heli.example.gov.cn/tracking/tasks/7/" in mail.outbox[0].body
    assert sorted(h.path for h in robot_server.hits) == ["/dingtalk", "/wecom"]
    wecom = next(h for h in robot_server.hits if h.path == "/wecom")
    assert wecom.body["msgtype"] == "markdown"
    assert "督办事项已逾期" in wecom.body["markdown"]["content"]
    dingtalk = next(h for h in robot_server.hits if h.path == "/dingtalk")
    assert dingtalk.body["markdown"]["title"] == "督办事项已逾期"
    assert "sign" not in dingtalk.query  # no secret, no signature
    notes = Notification.objects.all()
    assert sorted(n.recipient.username for n in notes) == ["unit0_secretary", "unit0_staff"]
    assert {n.key for n in notes} == {f"test.overdue:7:{TODAY}"}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_new_day_is_a_new_reminder(people: World) -> None:
    with registry.only(_overdue(people)):
        _run()
        call_command("send_reminders", "--date", "2026-11-27")
    assert Notification.objects.count() == 4
    assert len(mail.outbox) == 4


def test_a_person_who_turned_email_off_still_gets_the_in_app_one(people: World) -> None:
    actions.set_preferences(people.user("unit0_staff"), email=False)
    with registry.only(_overdue(people)):
        _run()
    assert [m.to for m in mail.outbox] == [["unit0_secretary@example.gov.cn"]]
    assert Notification.objects.filter(recipient=people.user("unit0_staff")).count() == 1


def test_no_email_when_the_installation_does_not_send_any(people: World, settings: Any) -> None:
    settings.NOTIFY_EMAIL_ENABLED = False
    with registry.only(_overdue(people)):
        _run()
    assert mail.outbox == []
    assert Notification.objects.count() == 2


def test_a_failing_robot_is_retried_next_run_and_never_sent_twice(
    people: World, robot_server: FakeRobotServer
) -> None:
    _robot(people, robot_server, Channel.WECOM)
    robot_server.answers = [500]
    with registry.only(_overdue(people)):
        _run()
        delivery = Delivery.objects.get(channel=Channel.WECOM)
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert delivery.last_error == "HTTP 500"
        assert "token" not in delivery.last_error
        # The robot's failure did not hold up the emails.
        assert len(mail.outbox) == 2
        _run()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("sent", 2)
        _run()
    assert len(robot_server.hits) == 2
    assert len(mail.outbox) == 2


def test_a_refused_message_is_given_up_after_the_attempt_limit(
    people: World, robot_server: FakeRobotServer, settings: Any
) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 2
    _robot(people, robot_server, Channel.WECOM)
    robot_server.answers = [{"errcode": 93000, "errmsg": "invalid webhook url"}] * 5
    with registry.only(_overdue(people)):
        for _ in range(4):
            _run()
    assert len(robot_server.hits) == 2
    delivery = Delivery.objects.get(channel=Channel.WECOM)
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert delivery.last_error == "errcode 93000: invalid webhook url"


def test_dingtalk_messages_are_signed_as_dingtalk_documents(
    people: World, robot_server: FakeRobotServer
) -> None:
    secret = "SEC0123456789abcdef+/="
    _robot(people, robot_server, Channel.DINGTALK, secret=secret)
    with registry.only(_overdue(people)):
        _run()
    (hit,) = robot_server.hits
    assert hit.query["key"] == "token"
    timestamp = hit.query["timestamp"]
    # https://open.dingtalk.com/document/robots/customize-robot-security-settings
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert hit.query["sign"] == expected
    assert abs(int(timestamp) / 1000 - datetime.datetime.now(tz=datetime.UTC).timestamp()) < 60


def test_robots_receive_only_the_kinds_they_take(
    people: World, robot_server: FakeRobotServer
) -> None:
    _robot(people, robot_server, Channel.WECOM, reminder_kinds=["other.kind"])
    _robot(people, robot_server, Channel.DINGTALK, enabled=False)
    with registry.only(_overdue(people)):
        _run()
    assert robot_server.hits == []


def test_nothing_is_sent_when_the_transaction_rolls_back(
    people: World, robot_server: FakeRobotServer, django_capture_on_commit_callbacks: Any
) -> None:
    _robot(people, robot_server, Channel.WECOM)
    secretary = people.user("unit0_secretary")

    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Boom):
        with transaction.atomic():
            actions.notify(
                people.committee,
                "test.now",
                "test.now:1",
                [secretary],
                title="已退回",
                to_robots=True,
            )
            raise Boom
    assert mail.outbox == [] and robot_server.hits == []
    assert not Notification.objects.exists() and not Delivery.objects.exists()

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        actions.notify(
            people.committee, "test.now", "test.now:1", [secretary], title="已退回", to_robots=True
        )
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1 and len(robot_server.hits) == 1


def test_dry_run_writes_and_sends_nothing(people: World) -> None:
    with registry.only(_overdue(people)):
        _run("--dry-run")
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_people_of_another_committee_are_never_notified(world: World) -> None:
    def due(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
        yield Reminder(key="1:x", title="t", recipients=[world.user("outsider")])

    with registry.only(ReminderKind("test.cross", "x", due)):
        _run("--committee", world.committee.code)
    assert not Notification.objects.exists()


def test_a_failing_kind_does_not_stop_the_others(people: World) -> None:
    def broken(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
        raise RuntimeError("bug")
        yield  # pragma: no cover

    with (
        registry.only(ReminderKind("test.broken", "x", broken), _overdue(people)),
        pytest.raises(CommandError),
    ):
        _run()
    assert Notification.objects.count() == 2


def test_registration_refuses_a_code_without_an_app() -> None:
    with pytest.raises(ValueError):
        registry.register(ReminderKind("overdue", "x", lambda c, d: []))


# --- The built-in kinds -----------------------------------------------------------------


def test_unconfirmed_lead_units_remind_the_meeting_office_from_december(people: World) -> None:
    kind = registry.get("org.leads_unconfirmed")
    assert kind is not None and kind.due is leads_unconfirmed
    with registry.only(kind):
        call_command("send_reminders", "--date", "2026-11-30")
        assert not Notification.objects.exists()
        call_command("send_reminders", "--date", "2026-12-01")
        call_command("send_reminders", "--date", "2026-12-02")  # same week: nothing new
    (note,) = Notification.objects.all()
    assert note.recipient == people.user("office")
    assert note.title == "2027年牵头单位：2个组中有2个尚未确认"
    assert note.url == "/org/leads/?year=2027"
    assert [m.to for m in mail.outbox] == [["office@example.gov.cn"]]


def test_password_expiry_is_announced_once_a_week_ahead(world: World) -> None:
    kind = registry.get("accounts.password_expiry")
    assert kind is not None and kind.due is password_expiry
    SecurityPolicy.objects.create(committee=world.committee, max_age_days=30)
    staff = world.user("staff")
    staff.password_changed_at = datetime.datetime(2026, 11, 1, 9, tzinfo=datetime.UTC)
    staff.save(update_fields=["password_changed_at"])
    others = [u for n, u in world.users.items() if n not in ("staff", "outsider")]
    for user in others:
        user.password_changed_at = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
        user.save(update_fields=["password_changed_at"])
    with registry.only(kind):
        call_command("send_reminders", "--date", "2026-11-23")  # expires 12-01: 8 days
        assert not Notification.objects.exists()
        call_command("send_reminders", "--date", "2026-11-24")
        call_command("send_reminders", "--date", "2026-11-25")
    (note,) = Notification.objects.all()
    assert note.recipient == staff
    assert note.title == "您的密码将于2026年12月1日到期"
