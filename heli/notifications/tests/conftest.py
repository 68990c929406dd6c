from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from heli.notifications.tests.fakeserver import FakeRobotServer, use_test_delivery


@pytest.fixture
def robot_server() -> Iterator[FakeRobotServer]:
    server = FakeRobotServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    use_test_delivery(settings)
