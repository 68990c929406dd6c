"""The notification centre, preferences and group-robot pages: who may, and what they do."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.notifications import actions
from heli.notifications.models import Channel, Notification, NotificationPreference, WebhookRobot
from heli.notifications.tests.fakeserver import FakeRobotServer
from heli.notifications.views import PER_PAGE
from heli.testing import World

CENTRE = "/notifications/"
ROBOTS = "/notifications/robots/"


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _note(world: World, name: str, key: str = "k:1", title: str = "请反馈") -> Notification:
    return Notification.objects.create(
        committee=world.committee,
        recipient=world.user(name),
        kind="test.k",
        key=key,
        title=title,
        url="/org/units/",
    )


def test_the_centre_shows_only_ones_own_notifications(world: World) -> None:
    _note(world, "staff", title="给王处员")
    _note(world, "leader", title="给李领导")
    response = _client(world, "staff").get(CENTRE)
    assert response.status_code == 200
    assert "给王处员" in response.text and "给李领导" not in response.text


@pytest.mark.parametrize("url", ["notifications:open", "notifications:read"])
def test_another_persons_notification_is_a_404(world: World, url: str) -> None:
    theirs = _note(world, "leader")
    client = _client(world, "staff")
    method = client.get if url == "notifications:open" else client.post
    response = method(reverse(url, args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert AuditEvent.objects.filter(event=events.PERMISSION_DENIED).exists()


def test_opening_a_notification_marks_it_read_and_follows_its_link(world: World) -> None:
    note = _note(world, "staff")
    response = _client(world, "staff").get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == "/org/units/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_an_outside_link_is_not_followed(world: World) -> None:
    note = _note(world, "staff")
    note.url = "https://evil.example.com/"
    note.save(update_fields=["url"])
    response = _client(world, "staff").get(reverse("notifications:open", args=[note.pk]))
    assert response["Location"] == CENTRE


def test_mark_read_in_place_with_htmx(world: World) -> None:
    note = _note(world, "staff")
    response = _client(world, "staff").post(
        reverse("notifications:read", args=[note.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert f'id="notification-{note.pk}"' in response.text
    assert "<html" not in response.text
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_all_read_only_touches_ones_own(world: World) -> None:
    _note(world, "staff", "a:1")
    _note(world, "staff", "a:2")
    theirs = _note(world, "leader")
    client = _client(world, "staff")
    assert client.post(reverse("notifications:read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=world.user("staff"), read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_bell_shows_the_unread_count(world: World) -> None:
    _note(world, "staff", "a:1")
    _note(world, "staff", "a:2")
    _note(world, "leader", "a:3")
    response = _client(world, "staff").get("/")
    assert 'id="notification-bell"' in response.text
    assert ">2<span" in response.text


def _centre_queries(world: World, n: int) -> dict[str, int]:
    for i in range(n):
        _note(world, "unit0_staff", f"q:{n}:{i}")
    client = _client(world, "unit0_staff")
    counts = {}
    for name, url, headers in (
        ("centre", CENTRE, {}),
        ("page 2", f"{CENTRE}?page=2", {}),
        ("unread", f"{CENTRE}?unread=1", {}),
        ("fragment", f"{CENTRE}?page=2", {"HX-Request": "true"}),
    ):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, name
        assert len(response.context["page"].object_list) == PER_PAGE, name
        counts[name] = len(ctx.captured_queries)
    return counts


def test_the_centre_runs_a_fixed_number_of_queries(world: World) -> None:
    # Both sizes fill more than one page: a query per row would show at either.
    small = _centre_queries(world, 2 * PER_PAGE + 5)
    large = _centre_queries(world, 6 * PER_PAGE)
    assert small == large, (small, large)
    assert max(small.values()) <= 12, small


def test_preferences_turn_email_off(world: World) -> None:
    client = _client(world, "staff")
    assert client.get(reverse("notifications:preferences")).status_code == 200
    response = client.post(reverse("notifications:preferences"), {})
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=world.user("staff")).email is False


# --- Group robots -------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secadmin", "auditor", "leader", "office", "unit0_staff"])
def test_only_the_sysadmin_configures_robots(world: World, who: str) -> None:
    robot = WebhookRobot.objects.create(
        committee=world.committee, kind=Channel.WECOM, name="r", url="https://a.example/x"
    )
    client = _client(world, who)
    assert client.get(ROBOTS).status_code == 404
    assert (
        client.post(ROBOTS, {"kind": "wecom", "name": "x", "url": "https://b/"}).status_code == 404
    )
    assert client.post(reverse("notifications:robot_test", args=[robot.pk])).status_code == 404
    assert WebhookRobot.objects.count() == 1


def test_a_robot_of_another_committee_is_a_404(world: World) -> None:
    robot = WebhookRobot.objects.create(
        committee=world.other_committee, kind=Channel.WECOM, name="r", url="https://a.example/x"
    )
    client = _client(world, "sysadmin")
    assert client.get(reverse("notifications:robot_edit", args=[robot.pk])).status_code == 404


@pytest.mark.parametrize(
    "url", ["http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1", "ftp://x/", "https://", "x"]
)
def test_an_insecure_address_is_refused_in_chinese(world: World, url: str, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = _client(world, "sysadmin").post(ROBOTS, {"kind": "wecom", "name": "x", "url": url})
    assert response.status_code == 200
    assert "群机器人地址" in response.text and "请从群聊的机器人设置中" in response.text
    assert not WebhookRobot.objects.exists()


def test_the_sysadmin_adds_a_robot_tests_it_and_the_change_is_audited(
    world: World, robot_server: FakeRobotServer
) -> None:
    client = _client(world, "sysadmin")
    assert client.get(ROBOTS).status_code == 200
    url = robot_server.url("/robot/send?access_token=abc123")
    response = client.post(
        ROBOTS,
        {
            "kind": "dingtalk",
            "name": "工委钉钉群",
            "url": url,
            "secret": "SECsecret",
            "enabled": "on",
            "reminder_kinds": ["org.leads_unconfirmed"],
        },
    )
    assert response.status_code == 302, response.text
    robot = WebhookRobot.objects.get()
    assert (robot.url, robot.secret) == (url, "SECsecret")
    raw = WebhookRobot.objects.values_list("url", "secret").get()
    assert "abc123" not in raw[0] and "SECsecret" not in raw[1]  # stored encrypted
    row = AuditEvent.objects.get(event=events.SETTINGS_CHANGED)
    assert row.detail["setting"] == "webhook_robot"
    assert "abc123" not in str(row.detail) and "SECsecret" not in str(row.detail)

    response = client.post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)
    assert "测试消息已发送" in response.text
    (hit,) = robot_server.hits
    assert hit.query["access_token"] == "abc123" and "sign" in hit.query

    robot_server.answers = [{"errcode": 310000, "errmsg": "sign not match"}]
    response = client.post(reverse("notifications:robot_test", args=[robot.pk]), follow=True)
    assert "测试消息未能送达" in response.text and "sign not match" not in response.text


def test_editing_a_robot_keeps_its_secret_unless_removed(world: World) -> None:
    robot = WebhookRobot.objects.create(
        committee=world.committee,
        kind=Channel.DINGTALK,
        name="r",
        # A public address written as one: saving it asks no name server.
        url="https://1.2.3.4/robot/send?access_token=t",
        secret="SECkeep",
    )
    client = _client(world, "sysadmin")
    edit = reverse("notifications:robot_edit", args=[robot.pk])
    page = client.get(edit)
    assert "SECkeep" not in page.text
    data = {"kind": "dingtalk", "name": "r2", "url": robot.url}
    assert client.post(edit, data).status_code == 302
    robot.refresh_from_db()
    assert (robot.name, robot.secret, robot.enabled) == ("r2", "SECkeep", False)
    assert client.post(edit, {**data, "clear_secret": "on"}).status_code == 302
    robot.refresh_from_db()
    assert robot.secret == ""
    assert AuditEvent.objects.filter(event=events.SETTINGS_CHANGED).count() == 2


def test_save_robot_refuses_anyone_but_the_sysadmin(world: World) -> None:
    from django.core.exceptions import PermissionDenied

    robot = WebhookRobot(kind=Channel.WECOM, name="r", url="https://a.example/x")
    with pytest.raises(PermissionDenied):
        actions.save_robot(world.user("secadmin"), world.committee, robot)
