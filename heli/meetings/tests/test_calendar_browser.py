"""The calendar and the compliance view in the system Chromium: on a desk the wall chart
of groups × months, on a phone the list by month; a chip opens its meeting; the
compliance view's amber count opens the amber group; nothing breaks the page's policy."""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import pytest

from heli.meetings.models import JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.org.tests.test_browser import login
from heli.testing import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.frozen_clock(datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)),
]

S = JointMeeting.Status
# Where to keep the screenshots for a person to look at (unset: none are kept).
SHOTS = os.environ.get("HELI_SCREENSHOTS", "")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_calendar_and_compliance_at_desk_and_phone_width(
    page: Any, browser: Any, live_server: Any, world: World
) -> None:
    year = world.group_years[0].year
    done = make_meeting(world, status=S.MINUTES_APPROVED, starts_at=when(year, 3, 18))
    make_meeting(world, status=S.NOTICE_SENT, starts_at=when(year, 12, 28))
    make_meeting(world, group_year=world.group_years[1], status=S.CANCELLED,
                 starts_at=when(year, 5, 6))  # fmt: skip
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server, "office")
    page.goto(f"{live_server.url}/meetings/calendar/?year={year}")
    assert page.locator("#calendar-grid").is_visible()
    assert not page.locator("#calendar-list").is_visible()
    chip = page.locator(f'#calendar-grid [data-meeting="{done.pk}"]')
    assert chip.is_visible()
    _shot(page, "calendar-1440")
    chip.click()
    page.wait_for_url(f"{live_server.url}/meetings/{done.pk}/")
    page.goto(f"{live_server.url}/meetings/compliance/?year={year}")
    assert page.locator("#compliance-groups tbody tr").count() == 2
    _shot(page, "compliance-1440")

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    small = phone.new_page()
    errors: list[str] = []
    small.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(small, live_server, "unit0_secretary")
    small.goto(f"{live_server.url}/meetings/calendar/?year={year}")
    assert small.locator("#calendar-list").is_visible()
    assert not small.locator("#calendar-grid").is_visible()
    # The secretary of group 1 sees group 1's meetings, not group 2's.
    assert small.locator("#calendar-list [data-meeting]").count() == 2
    _shot(small, "calendar-390")
    small.goto(f"{live_server.url}/meetings/compliance/?year={year}")
    assert small.locator("#compliance-groups tbody tr").count() == 1
    _shot(small, "compliance-390")
    phone.close()
    assert not errors, errors
