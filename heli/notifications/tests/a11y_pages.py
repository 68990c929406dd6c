"""The notification pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

from heli.notifications.models import ROBOT_CHANNELS, WebhookRobot
from heli.org.models import Committee
from heli.testing import AuditedPage


def a_robot() -> list[int]:
    """The demonstration committee's group robot (one is added if it has none)."""
    robot = WebhookRobot.objects.order_by("pk").first()
    if robot is None:
        robot = WebhookRobot.objects.create(
            committee=Committee.objects.get(),
            kind=ROBOT_CHANNELS[0].value,
            name="工委工作群",
            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo",
        )
    return [robot.pk]


PAGES = [
    AuditedPage("notifications:centre"),
    AuditedPage("notifications:preferences"),
    AuditedPage("notifications:robots"),
    AuditedPage("notifications:robot_edit", a_robot),
]

NOT_PAGES = {
    "notifications:open": "marks a notification read and goes on to the page it is about",
    "notifications:read": "a POST: marks one notification read",
    "notifications:read_all": "a POST: marks every notification read",
    "notifications:robot_test": "a POST: sends a test message, answered on the robot's page",
}
