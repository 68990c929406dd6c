"""Group robots are posted only where they should be: never to this machine or the intranet.

Every refusal is proved without connecting anywhere: the addresses that would reach this
machine point at a local server that counts each connection it accepts, and must leave
that count at 0. The only traffic of these tests is to 127.0.0.1, and only through the
allow-list (``WEBHOOK_ALLOWED_HOSTS``), as an intranet robot gateway would be reached.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from heli.notifications import actions, addresses, senders
from heli.notifications.models import Channel, Delivery, WebhookRobot
from heli.notifications.tests.fakeserver import FakeRobotServer
from heli.testing import World

pytestmark = pytest.mark.django_db

ROBOTS = "/notifications/robots/"
NOT_PUBLIC = "必须是 https 开头的公网服务器地址"
NUMERIC = "不能写成十进制、十六进制、八进制或缩写的数字"
USERINFO = "不能带用户名或“@”"


@pytest.fixture(autouse=True)
def _nothing_allowed(settings: Any) -> None:
    """No intranet gateway unless a test names one."""
    settings.WEBHOOK_ALLOWED_HOSTS = []


def _sysadmin(world: World) -> Client:
    client = Client()
    client.force_login(world.user("sysadmin"))
    return client


def _post_robot(world: World, url: str) -> Any:
    return _sysadmin(world).post(
        ROBOTS, {"kind": "wecom", "name": "工委群", "url": url, "enabled": "on"}
    )


def _stored_robot(world: World, url: str) -> WebhookRobot:
    """A robot row as it may be found later: saved when its address was still allowed."""
    return WebhookRobot.objects.create(
        committee=world.committee, kind=Channel.WECOM, name="工委群", url=url
    )


# Each way of writing an address of this machine, all on the counting server's port.
LOOPBACK_TRICKS = {
    "loopback": ("https://127.0.0.1:{port}/send?key=k", NOT_PUBLIC),
    "loopback_http": ("http://127.0.0.1:{port}/send?key=k", NOT_PUBLIC),
    "other_loopback": ("https://127.8.9.10:{port}/send", NOT_PUBLIC),
    "localhost_name": ("https://localhost:{port}/send", NOT_PUBLIC),
    "localhost_subdomain": ("https://robot.localhost:{port}/send", NOT_PUBLIC),
    "trailing_dot": ("https://127.0.0.1.:{port}/send", NOT_PUBLIC),
    "localhost_trailing_dot": ("https://localhost.:{port}/send", NOT_PUBLIC),
    "decimal": ("https://2130706433:{port}/send", NUMERIC),
    "hexadecimal": ("https://0x7f000001:{port}/send", NUMERIC),
    "octal": ("https://0177.0.0.1:{port}/send", NUMERIC),
    "short_form": ("https://127.1:{port}/send", NUMERIC),
    "mixed_short_hex": ("https://0x7f.1:{port}/send", NUMERIC),
    "leading_zero": ("https://127.0.0.01:{port}/send", NUMERIC),
    "ipv6_loopback": ("https://[::1]:{port}/send", NOT_PUBLIC),
    "ipv4_mapped_ipv6": ("https://[::ffff:127.0.0.1]:{port}/send", NOT_PUBLIC),
    "unspecified": ("https://0.0.0.0:{port}/send", NOT_PUBLIC),
    "userinfo_before_loopback": ("https://qyapi.weixin.qq.com@127.0.0.1:{port}/send", USERINFO),
    "userinfo_name_only": ("https://good@127.0.0.1:{port}/send", USERINFO),
    "fullwidth_idn_localhost": ("https://ｌｏｃａｌｈｏｓｔ:{port}/send", NOT_PUBLIC),
    "fullwidth_digits": ("https://１２７．０．０．１:{port}/send", NOT_PUBLIC),
}

# Addresses of the intranet and of special networks: refused by the check alone, so
# nothing is ever sent towards them, not even by a test.
INSIDE_ADDRESSES = [
    "https://10.0.0.8/cgi-bin/webhook/send?key=k",
    "https://172.16.5.4/send",
    "https://192.168.1.1/send",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/send",
    "https://198.18.0.1/send",
    "https://224.0.0.1/send",
    "https://255.255.255.255/send",
    "https://[fe80::1]/send",
    "https://[fc00::1]/send",
    "https://[::]/send",
    "https://[::ffff:10.0.0.1]/send",
    "https://[64:ff9b::7f00:1]/send",
    "https://[2002:7f00:1::]/send",
    "https://[2002:c0a8:101::]/send",
]


@pytest.mark.parametrize("trick", sorted(LOOPBACK_TRICKS))
def test_a_robot_address_on_this_machine_is_refused_in_any_spelling(
    world: World, robot_server: FakeRobotServer, trick: str
) -> None:
    template, message = LOOPBACK_TRICKS[trick]
    url = template.format(port=robot_server.port)
    response = _post_robot(world, url)
    assert response.status_code == 200
    assert message in response.text, trick
    assert not WebhookRobot.objects.exists()
    with pytest.raises(senders.SendError, match="address refused"):
        senders.send_wecom(url, "t", "b", "")
    assert robot_server.connections == 0 and robot_server.hits == []


def test_a_robot_address_on_127_0_0_1_is_refused(
    world: World, robot_server: FakeRobotServer
) -> None:
    response = _post_robot(world, robot_server.url("/wecom?key=k", scheme="https"))
    assert "群机器人地址必须是 https 开头的公网服务器地址" in response.text
    assert "WEBHOOK_ALLOWED_HOSTS" in response.text  # and how an intranet gateway is allowed
    assert not WebhookRobot.objects.exists()
    assert robot_server.connections == 0


@pytest.mark.parametrize("url", INSIDE_ADDRESSES)
def test_a_robot_address_in_a_private_link_local_or_special_network_is_refused(
    world: World, url: str
) -> None:
    with pytest.raises(addresses.Refused) as refused:
        addresses.target(url)
    assert refused.value.code == "not_public"
    assert NOT_PUBLIC in _post_robot(world, url).text
    assert not WebhookRobot.objects.exists()


def test_the_model_refuses_an_inside_address_next_to_the_field(world: World) -> None:
    robot = WebhookRobot(
        committee=world.committee, kind=Channel.WECOM, name="r", url="https://10.1.2.3/x"
    )
    with pytest.raises(ValidationError) as error:
        robot.full_clean()
    assert list(error.value.message_dict) == ["url"]
    with pytest.raises(ValidationError):
        actions.save_robot(world.user("sysadmin"), world.committee, robot)
    assert not WebhookRobot.objects.exists()


def test_a_public_https_address_is_accepted_without_connecting(world: World) -> None:
    url = "https://1.2.3.4/cgi-bin/webhook/send?key=k"
    assert _post_robot(world, url).status_code == 302
    assert WebhookRobot.objects.get().url == url
    target = addresses.target(url)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "1.2.3.4",
        443,
        "/cgi-bin/webhook/send?key=k",
    )


def test_plain_http_to_a_public_server_is_refused(world: World) -> None:
    response = _post_robot(world, "http://1.2.3.4/cgi-bin/webhook/send?key=k")
    assert "必须以 https:// 开头" in response.text
    assert not WebhookRobot.objects.exists()


def test_a_stored_robot_whose_address_now_leads_inside_is_refused_at_send_time(
    world: World, robot_server: FakeRobotServer, settings: Any
) -> None:
    # Saved while the gateway was allowed (or while its name still resolved outside):
    # the address is checked again, on what it resolves to now, before every post.
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    robot = _stored_robot(world, robot_server.url("/wecom?key=k"))
    robot.full_clean()
    settings.WEBHOOK_ALLOWED_HOSTS = []
    Delivery.objects.create(
        committee=world.committee, channel=Channel.WECOM, robot=robot, key="k:1", title="逾期"
    )
    result = actions.deliver(Delivery.objects.all())
    assert result.failed == 1
    assert Delivery.objects.get().last_error == "address refused: not_public"
    assert robot_server.connections == 0


def test_a_name_that_resolves_to_loopback_is_refused_at_send_time(
    world: World, robot_server: FakeRobotServer
) -> None:
    # "localhost" is not refused by its spelling: it is resolved, and what it resolves
    # to is checked.
    robot = _stored_robot(world, robot_server.url("/wecom?key=k", scheme="https", host="localhost"))
    with pytest.raises(senders.SendError, match="not_public"):
        actions.send_test_message(world.user("sysadmin"), robot)
    assert robot_server.connections == 0


def test_a_redirect_is_not_followed(robot_server: FakeRobotServer, settings: Any) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    inside = FakeRobotServer()
    try:
        robot_server.answers = [307]
        robot_server.location = inside.url("/latest/meta-data/")
        with pytest.raises(senders.SendError, match="HTTP 307"):
            senders.send_wecom(robot_server.url("/wecom?key=k"), "t", "b", "")
        assert len(robot_server.hits) == 1
        assert inside.connections == 0
    finally:
        inside.close()


def test_an_allow_listed_gateway_is_reached_over_plain_http(
    world: World, robot_server: FakeRobotServer, settings: Any
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    url = robot_server.url("/wecom?key=token")
    assert _post_robot(world, url).status_code == 302
    robot = WebhookRobot.objects.get()
    actions.send_test_message(world.user("sysadmin"), robot)
    (hit,) = robot_server.hits
    assert (hit.path, hit.query) == ("/wecom", {"key": "token"})


def test_an_allow_listed_name_or_range_is_posted_to_the_address_it_resolved_to(
    robot_server: FakeRobotServer, settings: Any
) -> None:
    # A range on the list covers what the name resolves to (IPv4 and IPv6 loopback) ...
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.0/8", "::1"]
    senders.send_wecom(robot_server.url("/range", host="localhost"), "t", "b", "")
    # ... and a name on the list is trusted whatever it resolves to.
    settings.WEBHOOK_ALLOWED_HOSTS = ["LocalHost."]
    senders.send_wecom(robot_server.url("/name", host="localhost"), "t", "b", "")
    assert [(h.path, h.host) for h in robot_server.hits] == [
        ("/range", f"localhost:{robot_server.port}"),
        ("/name", f"localhost:{robot_server.port}"),
    ]


def test_the_post_goes_to_the_checked_address_without_a_second_lookup(
    robot_server: FakeRobotServer,
) -> None:
    # A name that can never resolve: the post reaches the server only because the
    # connection is made to the address that was checked, not to the name again.
    target = addresses.Target(
        "http", "robot.invalid", robot_server.port, "/wecom", (ipaddress.ip_address("127.0.0.1"),)
    )
    connection = senders._connect(target, timeout=5)
    try:
        connection.request(
            "POST", target.path, body=b"{}", headers={"Content-Type": "application/json"}
        )
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert robot_server.hits[0].host == f"robot.invalid:{robot_server.port}"


def test_the_allow_list_is_read_from_the_environment() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "heli.settings",
        "WEBHOOK_ALLOWED_HOSTS": " robot-gw.intranet , 10.8.0.0/16,",
    }
    env.pop("HELI_PRODUCTION", None)
    code = (
        "import django; django.setup();"
        "from django.conf import settings; print(settings.WEBHOOK_ALLOWED_HOSTS)"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    ).stdout
    assert out.strip().splitlines()[-1] == "['robot-gw.intranet', '10.8.0.0/16']"
    allowed = addresses.allow_list(["robot-gw.intranet", "10.8.0.0/16", "not a host!"])
    assert allowed.names == frozenset({"robot-gw.intranet"})
    assert addresses.target("http://10.8.3.4:8080/send", allowed=allowed).port == 8080
    with pytest.raises(addresses.Refused):
        addresses.target("http://10.9.0.1/send", allowed=allowed)


# --- The connection test says one thing whatever happened ----------------------------


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        held: list[socket.socket] = []
        stop = threading.Event()

        def hold() -> None:
            sock.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(sock.accept()[0])
                except TimeoutError:
                    continue

        thread = threading.Thread(target=hold, daemon=True)
        thread.start()
        yield int(sock.getsockname()[1])
        stop.set()
        thread.join()
        for conn in held:
            conn.close()


def test_the_connection_test_gives_one_message_for_every_failure(
    world: World,
    robot_server: FakeRobotServer,
    closed_port: int,
    silent_port: int,
    settings: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.NOTIFY_WEBHOOK_TIMEOUT = 1
    client = _sysadmin(world)
    cases = {
        "connection refused": f"http://127.0.0.1:{closed_port}/wecom",
        "no answer": f"http://127.0.0.1:{silent_port}/wecom",
        "TLS to a plain server": robot_server.url("/wecom", scheme="https"),
        "HTTP 500": robot_server.url("/wecom"),
        "platform error code": robot_server.url("/wecom"),
        "address no longer allowed": robot_server.url("/wecom"),
    }
    robot_server.answers = [500, {"errcode": 93000, "errmsg": "invalid webhook url"}]
    pages: dict[str, str] = {}
    for case, url in cases.items():
        if case == "address no longer allowed":
            settings.WEBHOOK_ALLOWED_HOSTS = []
        robot = _stored_robot(world, url)
        with caplog.at_level(logging.WARNING, logger="heli.notifications.views"):
            response = client.post(
                reverse("notifications:robot_test", args=[robot.pk]), follow=True
            )
        errors = [m.message for m in response.context["messages"]]
        assert len(errors) == 1, case
        pages[case] = errors[0]
        robot.delete()
    assert len(set(pages.values())) == 1, pages
    (message,) = set(pages.values())
    assert (
        message
        == "测试消息未能送达“工委群”。请核对机器人的地址（钉钉机器人还有签名密钥）后重试；具体原因已记入服务器日志，可请运维人员查看。"
    )
    for port in (closed_port, silent_port, robot_server.port):
        assert str(port) not in message
    # The reasons are in the server log, for the operators.
    logged = " ".join(r.getMessage() for r in caplog.records)
    for reason in (
        "ConnectionRefusedError",
        "timed out",
        "SSL",
        "HTTP 500",
        "errcode 93000",
        "address refused",
    ):
        assert reason in logged, reason
