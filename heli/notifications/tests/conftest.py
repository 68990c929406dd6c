from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heli.notifications.tests.fakeserver import FakeRobotServer


@pytest.fixture
def robot_server() -> Iterator[FakeRobotServer]:
    server = FakeRobotServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    settings.NOTIFY_EMAIL_ENABLED = True
    settings.NOTIFY_ALLOW_HTTP_LOOPBACK = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://heli.example.gov.cn"
    settings.LANGUAGE_CODE = "zh-hans"
