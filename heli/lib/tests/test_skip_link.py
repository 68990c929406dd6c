"""Keyboard and screen-reader basics of the house layout: the first Tab reaches a
"skip to content" link that moves focus past the top bar and the menu, and the account
menu's button has a name at phone width, where the person's name is hidden."""

from __future__ import annotations

from typing import Any

import pytest

from heli.org.tests.test_browser import login
from heli.testing import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_first_tab_skips_to_the_content_and_the_menu_button_has_a_name(
    browser: Any, live_server: Any, world: World
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    # The sign-in page puts the cursor in the user name; its skip link is there all the same.
    skip = page.get_by_role("link", name="跳到正文")
    assert skip.get_attribute("href") == "#content" and page.locator("main#content").count() == 1
    login(page, live_server, "staff")
    page.keyboard.press("Tab")
    assert skip.evaluate("element => element === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0  # shown when focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    # Below 576 px the person's name is hidden: the button still says what it opens.
    account = page.locator("header .dropdown-toggle")
    assert account.get_by_text(world.user("staff").get_full_name()).is_hidden()
    assert page.get_by_role("button", name="我的账号").is_visible()
    context.close()
