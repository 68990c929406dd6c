from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from heli.testing import FROZEN_NOW, World, build_world, verify_otp

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "frozen_clock(moment=FROZEN_NOW): the clock starts at this moment (heli.testing)"
        " and runs on from there, for tests whose dates are computed from today",
    )
    # A developer's probe of dates: HELI_TEST_NOW=2027-01-01T09:00+08:00 runs the whole
    # session from that moment (the turn of a year, the last day of a month, a weekend),
    # as the suite would run on that day; a frozen_clock mark still moves its test to its
    # own moment. What is not this process's clock stays on the real day — the database's
    # own now() in the audit log's prune guard, files' times on disk, the servers and the
    # certificate the production test starts — so the tests that compare with those fail
    # under the probe alone.
    if moment := os.environ.get("HELI_TEST_NOW", ""):
        travel = time_machine.travel(datetime.datetime.fromisoformat(moment), tick=True)
        travel.start()
        config.add_cleanup(travel.stop)


@pytest.fixture(autouse=True)
def _frozen_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Travel to the moment of a ``frozen_clock`` mark before any other fixture runs.

    An autouse fixture is set up first, so the shared world (whose work year is this
    year) is built on the frozen day too. The clock ticks on: what compares times of
    the same test (sessions, the audit chain's order) still sees them pass.
    """
    marker = request.node.get_closest_marker("frozen_clock")
    if marker is None:
        yield
        return
    moment = marker.args[0] if marker.args else FROZEN_NOW
    assert isinstance(moment, datetime.datetime) and moment.tzinfo is not None, moment
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_local_cache() -> None:
    """Every test starts with an empty local-memory cache: the database is rolled back
    between tests and gives the same ids again, so what one test cached (a drawn wall
    chart) must not meet the next one's rows."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture(autouse=True, scope="session")
def _flushes_empty_append_only_tables_too() -> Iterator[None]:
    """Django empties the database with ``flush`` after every transactional test.

    The audit log and the task history refuse DELETE and TRUNCATE, so ``flush`` stops at
    them unless it is explicitly permitted (``heli.lib.append_only``).
    """
    from heli.lib import append_only

    with append_only.permit_full_flush():
        yield


@pytest.fixture(autouse=True, scope="session")
def _force_login_passes_the_second_factor() -> Iterator[None]:
    """``Client.force_login`` also passes the one-time code, as it passes the password.

    Without this every page test of an administrator would stop at the two-step
    verification that the three administrators must complete (heli.accounts).
    """
    from django.test import Client

    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        verify_otp(self, user)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", force_login)
        yield


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's
    # database work happens in its own thread, so Django's async guard does not apply.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser page that fails the test if anything is requested off the server."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    outside: list[str] = []

    def watch(request: Any) -> None:
        if not request.url.startswith((live_server.url, "data:", "about:")):
            outside.append(request.url)

    def console(message: Any) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            errors.append(message.text)

    errors: list[str] = []
    page.on("request", watch)
    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not outside, f"requests outside the server: {outside}"
    assert not errors, f"errors in the browser console: {errors}"


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Path:
    """A file storage of the test's own, with the virus scan off."""
    root = tmp_path / "files"
    settings.FILE_STORAGE_ROOT = root
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_COMMAND = ""
    return root
