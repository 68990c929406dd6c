"""Nothing is lost at 320 px: the columns the task list hides on a phone (cooperating units,
supervising department, progress) open in the row's detail, by keyboard too; and a
person's larger text (适老化) really enlarges the page, without a sideways scroll."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking import actions
from heli.tracking.tests.helpers import make_task

# The tests' dates sit in one work year: they run on heli.testing.FROZEN_TODAY (mid-2026).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.frozen_clock,
]

TITLE = "推进机关党建与业务深度融合"


def _task(world: World) -> None:
    task = make_task(world, title=TITLE, cooperating_units=[world.units[1], world.units[2]])
    actions.receive_task(task, world.user("unit0_staff"))
    actions.report_progress(task, text="已完成调研", by=world.user("unit0_staff"), percent=40)


def _row(page: Any) -> Any:
    return page.locator("tbody tr").filter(has=page.get_by_role("link", name=TITLE, exact=True))


def _at_320(page: Any, live_server: Any, world: World, path: str) -> None:
    """The task in the world, and the page opened by the committee's staff at 320 px."""
    _task(world)
    login(page, live_server, "staff")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}{path}")


def test_the_task_row_detail_shows_the_hidden_columns_at_320_px(
    page: Any, live_server: Any, world: World
) -> None:
    _at_320(page, live_server, world, "/tracking/tasks/")
    row = _row(page)
    cells = row.locator("td")
    # The three columns are hidden at this width ...
    assert not cells.nth(2).is_visible()  # cooperating units
    assert not cells.nth(3).is_visible()  # supervising department
    assert not cells.nth(6).is_visible()  # progress
    detail = row.locator("details.heli-row-detail")
    summary = detail.locator("summary")
    assert summary.is_visible()
    assert not detail.locator("dl").is_visible()
    # ... and the keyboard opens the detail that holds them, with their headings.
    summary.focus()
    page.keyboard.press("Enter")
    assert detail.evaluate("d => d.open") is True
    items = detail.locator("dl > div")
    assert items.locator("dt").all_inner_texts() == ["配合单位", "督办处室", "进度（%）"]
    assert items.locator("dd").all_inner_texts() == ["测试单位1、测试单位2", "宣传部", "40%"]
    for n in range(3):
        assert items.nth(n).is_visible()
    # The page itself does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # Between the breakpoints the detail lists only what is still hidden.
    page.set_viewport_size({"width": 800, "height": 800})
    assert cells.nth(3).is_visible() and cells.nth(6).is_visible()
    assert not cells.nth(2).is_visible()
    assert [i.is_visible() for i in items.all()] == [True, False, False]
    # On a wide screen every column is in the table and the detail is gone.
    page.set_viewport_size({"width": 1440, "height": 900})
    assert cells.nth(2).inner_text() == "测试单位1、测试单位2"
    assert cells.nth(6).inner_text() == "40%"
    assert not summary.is_visible()


def _sizes(page: Any) -> tuple[float, float]:
    return page.evaluate(
        """() => [parseFloat(getComputedStyle(document.documentElement).fontSize),
                  parseFloat(getComputedStyle(document.querySelector('main h1')).fontSize)]"""
    )


def test_larger_text_raises_the_font_size_and_the_page_still_fits_320_px(
    page: Any, live_server: Any, world: World
) -> None:
    _task(world)
    login(page, live_server, "staff")
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/tracking/tasks/")
    root, heading = _sizes(page)

    page.click("header .dropdown-toggle")
    page.click("header a[href$='/accounts/display/']")
    page.check("#id_large_text")
    page.click("#display-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#id_large_text").is_checked()

    page.goto(f"{live_server.url}/tracking/tasks/")
    assert page.evaluate("document.documentElement.classList.contains('heli-large-text')")
    larger_root, larger_heading = _sizes(page)
    assert larger_root == pytest.approx(root * 1.25)
    assert larger_heading == pytest.approx(heading * 1.25)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    # The row detail still opens and holds the hidden columns.
    detail = _row(page).locator("details.heli-row-detail")
    detail.locator("summary").click()
    assert "宣传部" in detail.locator("dl").inner_text()


# In June the current month sits mid-chart, so the chart scrolls it to the units' column.
@pytest.mark.frozen_clock(datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC))
def test_the_wall_chart_opens_at_the_current_month_clear_of_the_units_column(
    page: Any, live_server: Any, world: World
) -> None:
    _at_320(page, live_server, world, "/tracking/wallchart/")
    boxes = page.evaluate(
        """() => { const box = s => document.querySelector(s).getBoundingClientRect();
        const w = document.querySelector('.wallchart-wrap');
        return {scrolled: w.scrollLeft, wrap: box('.wallchart-wrap').right,
                unit: box('.wallchart thead .wc-unit').right, month: box('th.wc-current')}; }"""
    )
    assert boxes["scrolled"] > 0, boxes  # the chart is wider than the phone
    # The month's column starts where the sticky units' column ends, not under it.
    assert abs(boxes["month"]["left"] - boxes["unit"]) <= 1, boxes
    assert boxes["month"]["right"] <= boxes["wrap"] + 0.5, boxes
