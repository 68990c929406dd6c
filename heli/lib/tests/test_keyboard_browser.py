"""Heli with the keyboard alone, in the system Chromium: signing in, the skip link, the
task list's filters and a task, every control of a task's page, each with a focus mark
one can see; the phone menu opened, walked and closed again; a list filtered in place
says its new count to a screen reader; a box that scrolls is reached with Tab, named and
scrolled with the arrow keys; a form sent with errors puts the cursor in its first one.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.utils import timezone

from heli.testing import PASSWORD, World
from heli.tracking.models import Task
from heli.tracking.tests.helpers import make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What has the focus: where it is, whether it is shown, and whether it is marked (an
# outline or a ring drawn as a box shadow — the colours are the style sheet's business).
FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  if (!e.dataset.kb) { e.dataset.kb = String(document.querySelectorAll("[data-kb]").length); }
  const style = getComputedStyle(e);
  const rect = e.getBoundingClientRect();
  const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== "none" && !/^rgba\\(0, 0, 0, 0\\)/.test(style.boxShadow);
  return {
    key: e.dataset.kb, tag: e.tagName, id: e.id, href: e.getAttribute("href"),
    name: (e.getAttribute("aria-label") || e.innerText || e.value || "").trim().slice(0, 40),
    inMain: !!e.closest("main#content"), inMenu: !!e.closest("#sidebar"),
    shown: e.checkVisibility() && rect.width > 0 && rect.height > 0,
    marked: outline || ring,
  };
}"""

# Every control of the page's main part that Tab should reach: what is shown and not
# disabled or taken out of the order, one stop per group of radio buttons.
CONTROLS = """() => {
  const seen = new Set();
  return [...document.querySelectorAll(
    "main#content :is(a[href], button, input, select, textarea, summary, [tabindex])")]
    .filter(e => e.tabIndex >= 0 && !e.disabled && e.type !== "hidden" && e.checkVisibility())
    .filter(e => {
      if (e.type !== "radio") { return true; }
      if (seen.has(e.name)) { return false; }
      seen.add(e.name);
      return true;
    })
    .map(e => {
      if (!e.dataset.kb) { e.dataset.kb = "c" + String(document.querySelectorAll("[data-kb]").length); }
      return e.dataset.kb;
    });
}"""


def focused(page: Any) -> dict[str, Any]:
    info = page.evaluate(FOCUSED)
    assert info is not None, "the focus is nowhere"
    return info


def tab(page: Any) -> dict[str, Any]:
    """Press Tab; what now has the focus must be shown and marked."""
    page.keyboard.press("Tab")
    info = focused(page)
    assert info["shown"], f"the focus is on something not shown: {info}"
    assert info["marked"], f"the focus is not marked: {info}"
    return info


def sign_in_by_keyboard(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    # The sign-in page puts the cursor in the user name.
    assert focused(page)["id"] == "id_username"
    page.keyboard.type(username)
    assert tab(page)["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")


def skip_to_content(page: Any) -> None:
    """The first Tab reaches the skip link, shown; Enter puts the focus on the content."""
    info = tab(page)
    assert info["name"] == "跳到正文" and info["href"] == "#content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def tasks(world: World) -> list[Task]:
    today = timezone.localdate()
    due = today + datetime.timedelta(days=30)
    made = [
        make_task(world, title=title, lead_unit=world.units[unit], assigned_at=today, deadline=due)
        for title, unit in (
            ("落实意识形态工作责任制", 0),
            ("机关党委按期换届", 0),
            ("整改巡察反馈问题", 2),
        )
    ]
    return made


def test_the_task_list_and_a_task_page_by_keyboard_alone(
    page: Any, live_server: Any, world: World
) -> None:
    task = tasks(world)[0]
    sign_in_by_keyboard(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/tasks/")
    skip_to_content(page)
    # From the content, Tab reaches every filter and then the tasks, each marked.
    reached: list[dict[str, Any]] = []
    while not reached or reached[-1]["name"] != task.title:
        reached.append(tab(page))
        assert reached[-1]["inMain"] and len(reached) < 40, reached
    ids = {info["id"] for info in reached}
    assert {"id_year", "id_status", "id_unit", "id_department", "id_overdue"} <= ids
    assert any(info["tag"] == "BUTTON" and info["name"] == "搜索" for info in reached)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/tracking/tasks/{task.pk}/")

    # The task's page: from the content, Tab stops at every control, each shown and
    # marked, until the focus leaves the page's main part.
    skip_to_content(page)
    expected = page.evaluate(CONTROLS)
    assert len(expected) >= 3, expected
    stops: list[dict[str, Any]] = []
    while True:
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None or not info["inMain"]:
            break
        assert info["shown"] and info["marked"], info
        stops.append(info)
        assert len(stops) < 200
    missed = set(expected) - {info["key"] for info in stops}
    assert not missed, page.evaluate(
        "keys => keys.map(k => document.querySelector(`[data-kb='${k}']`).outerHTML.slice(0, 120))",
        sorted(missed),
    )
    # A folded step opens from the keyboard too.
    summary = page.locator("main summary").first
    if summary.count():
        summary.focus()
        page.keyboard.press("Enter")
        assert summary.evaluate("s => s.parentElement.open")


def test_the_phone_menu_opens_and_closes_from_the_keyboard(
    browser: Any, live_server: Any, world: World
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in_by_keyboard(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/tasks/")
    menu = page.locator("#sidebar")
    button = page.get_by_role("button", name="菜单")
    assert tab(page)["name"] == "跳到正文"
    assert tab(page)["name"] == "菜单"
    assert button.get_attribute("aria-expanded") == "false"
    assert button.get_attribute("aria-controls") == "sidebar"

    page.keyboard.press("Enter")
    page.wait_for_selector("#sidebar.show")
    assert button.get_attribute("aria-expanded") == "true"
    # Tab moves inside the menu (its close button, then its links), never behind it.
    info = tab(page)
    for _ in range(3):
        if info["tag"] == "A":
            break
        assert info["inMenu"], info
        info = tab(page)
    assert info["inMenu"] and info["tag"] == "A", info

    page.keyboard.press("Escape")
    page.wait_for_selector("#sidebar.show", state="detached")
    assert button.get_attribute("aria-expanded") == "false"
    # Gone once it has slid out.
    menu.wait_for(state="hidden")
    assert focused(page)["name"] == "菜单"

    # Space opens it as well; a link chosen with Enter goes there, the menu closed.
    page.keyboard.press(" ")
    page.wait_for_selector("#sidebar.show")
    assert button.get_attribute("aria-expanded") == "true"
    while not (info := tab(page))["name"].endswith("挂图"):
        assert info["inMenu"], info
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tracking/wallchart/"))
    assert page.get_by_role("button", name="菜单").get_attribute("aria-expanded") == "false"
    assert not errors
    context.close()


def test_a_list_filtered_in_place_says_its_new_count(
    page: Any, live_server: Any, world: World
) -> None:
    tasks(world)
    sign_in_by_keyboard(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/tasks/")
    live = page.locator("#heli-live")
    assert live.get_attribute("role") == "status" and live.get_attribute("aria-live") == "polite"
    count = page.locator("#task-rows [data-heli-count]")
    assert "3" in count.inner_text()
    assert live.inner_text() == ""
    # The unit list offers the units whose names hold what is typed in its search box.
    page.locator("#id_unit_search").focus()
    page.keyboard.type(world.units[0].name)
    unit = str(world.units[0].pk)
    page.wait_for_selector(f"#id_unit option[value='{unit}']", state="attached")
    page.locator("#id_unit").select_option(unit)
    for _ in range(5):
        if tab(page)["name"] == "搜索":
            break
    assert focused(page)["name"] == "搜索"
    assert live.inner_text() == ""  # a search among the units' names is no list's count
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('heli-live').textContent.includes('2')")
    assert page.locator("#task-rows tbody tr").count() == 2
    assert live.inner_text() == count.inner_text()
    assert live.inner_text() == "共2项"  # the list's own words, read once by the reader


def test_a_box_that_scrolls_is_reached_named_and_scrolled_by_keyboard(
    browser: Any, live_server: Any, world: World
) -> None:
    tasks(world)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in_by_keyboard(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/wallchart/")
    chart = page.locator(".wallchart-wrap")
    heading = page.locator("main h1").inner_text().strip()
    assert chart.get_attribute("tabindex") == "0"
    assert chart.get_attribute("role") == "region"
    assert chart.get_attribute("aria-label") == heading
    skip_to_content(page)
    for _ in range(60):
        if tab(page)["key"] == chart.evaluate("c => c.dataset.kb || ''"):
            break
    else:
        pytest.fail("Tab never reached the wall chart")
    start = chart.evaluate("c => c.scrollLeft")
    key, sign = ("ArrowLeft", -1) if start > 0 else ("ArrowRight", 1)
    for _ in range(5):
        page.keyboard.press(key)
    page.wait_for_function(
        "([start, sign]) => (document.querySelector('.wallchart-wrap').scrollLeft - start) * sign > 0",
        arg=[start, sign],
    )
    # A wide window: the task table no longer scrolls, so it is no stop for Tab.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(f"{live_server.url}/tracking/tasks/")
    table = page.locator("#task-rows .table-responsive")
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth")
    assert table.get_attribute("tabindex") is None and table.get_attribute("role") is None
    context.close()


def test_a_form_sent_with_errors_puts_the_cursor_in_the_first_one(
    page: Any, live_server: Any, world: World
) -> None:
    sign_in_by_keyboard(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/tasks/new/")
    page.get_by_label("事项名称").focus()
    page.keyboard.type("落实“第一议题”制度")
    page.keyboard.press("Enter")  # sends the form without its lead unit and deadline
    page.wait_for_selector(".invalid-feedback")
    page.wait_for_function("() => document.activeElement.getAttribute('aria-invalid') === 'true'")
    first = page.evaluate(
        "[...document.querySelectorAll('main [aria-invalid=true]')].find(e => e.checkVisibility()).id"
    )
    info = focused(page)
    assert info["id"] == first and info["id"] != "id_title" and info["shown"]
    message = page.evaluate(
        "document.getElementById(document.activeElement.getAttribute('aria-describedby')"
        ".split(' ').find(id => id.endsWith('_error')))"
        "?.innerText"
    )
    assert message and page.get_by_text(message.strip()).first.is_visible()
