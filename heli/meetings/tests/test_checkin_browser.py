"""Sign-in walked in the system Chromium at phone width (390 px): the host opens the QR
page, a secretary opens its address on the phone, signs in and sees it done, and a second
try is refused with the time of the first; the host taps the other seats on the sheet (htmx) and the counts follow."""

from __future__ import annotations

from typing import Any

import pytest

from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.org.tests.test_browser import login
from heli.testing import World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.frozen_clock,
]

PHONE = {"width": 390, "height": 844}


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_signing_in_by_phone_and_on_the_sheet(browser: Any, live_server: Any, world: World) -> None:
    meeting = make_meeting(
        world,
        status=JointMeeting.Status.NOTICE_SENT,
        starts_at=when(world.group_years[0].year, 6, 15, 9),
    )
    errors: list[str] = []
    host_context = browser.new_context(locale="zh-CN", viewport=PHONE)
    host = host_context.new_page()
    host.on("pageerror", lambda error: errors.append(str(error)))
    login(host, live_server, "office")
    host.goto(f"{live_server.url}/meetings/{meeting.pk}/checkin/qr/")
    assert host.locator("#checkin-qr svg").is_visible()
    box = host.locator("#checkin-qr svg").bounding_box()
    assert box is not None and box["width"] >= 300  # the whole width of a phone
    address = host.locator("#checkin-url a").inner_text()
    assert address.endswith(f"/meetings/{meeting.pk}/checkin/{meeting.checkin_token}/")
    assert _fits(host)

    phone_context = browser.new_context(locale="zh-CN", viewport=PHONE)
    phone = phone_context.new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    phone.goto(address)
    assert "/accounts/login/" in phone.url  # signed in first, then back
    phone.get_by_label("用户名").fill("unit0_secretary")
    from heli.testing import PASSWORD

    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(address)
    assert _fits(phone)
    # A second tab on the same confirm page, for the second tap below.
    again = phone_context.new_page()
    again.goto(address)
    phone.locator("#checkin-button").click()
    phone.wait_for_url(address)
    assert phone.locator("#checkin-signed").is_visible()
    assert "2026年6月15日 10:" in phone.locator("#checkin-signed").inner_text()
    assert _fits(phone)
    seat = Attendance.objects.get(meeting=meeting, unit=world.units[0])
    assert (seat.presence, seat.signed_via) == ("present", "qr")
    # The confirm page still open in the other tab, tapped: refused, with the time.
    again.locator("#checkin-button").click()
    again.locator("#checkin-repeated").wait_for()
    assert "2026年6月15日 10:" in again.locator("#checkin-repeated").inner_text()
    assert Attendance.objects.get(pk=seat.pk).signed_at == seat.signed_at

    host.goto(f"{live_server.url}/meetings/{meeting.pk}/attendance/")
    assert _fits(host)
    other = Attendance.objects.get(meeting=meeting, unit=world.units[1])
    row = host.locator(f"#seat-{other.pk}")
    row.locator('[data-tap="absent"]').click()
    host.locator(f'#seat-{other.pk}[data-presence="absent"]').wait_for()
    assert host.locator('#attendance-counts [data-count="absent"] .stat-value').inner_text() == "1"
    assert host.locator('#attendance-counts [data-count="present"] .stat-value').inner_text() == "1"
    # Leave without a reason: the row says so, keeps its mark; with a reason it takes.
    host.locator(f'#seat-{other.pk} [data-tap="leave"]').click()
    host.locator(f"#seat-error-{other.pk}").wait_for()
    host.locator(f"#note-{other.pk}").fill("临时公务")
    host.locator(f'#seat-{other.pk} [data-tap="leave"]').click()
    host.locator(f'#seat-{other.pk}[data-presence="leave"]').wait_for()
    assert host.locator('#attendance-counts [data-count="leave"] .stat-value').inner_text() == "1"
    assert Attendance.objects.get(pk=other.pk).presence_note == "临时公务"
    assert _fits(host)
    host_context.close()
    phone_context.close()
    assert not errors
