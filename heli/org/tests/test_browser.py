"""A person walks the organisation pages in the system Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest

from heli.testing import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def test_meeting_office_walks_the_organisation_pages(
    page: Any, live_server: Any, world: World
) -> None:
    page.goto(f"{live_server.url}/org/units/")
    # Anonymous visitors are sent to sign in first.
    assert "/accounts/login/" in page.url
    login(page, live_server, "office")
    assert page.get_by_role("heading", name=re.compile("欢迎")).is_visible()

    page.get_by_role("link", name="单位", exact=True).first.click()
    page.wait_for_url(re.compile(r"/org/units/"))
    rows = page.locator("#unit-rows tbody tr")
    assert rows.count() == 4

    # Searching narrows the list in place.
    page.get_by_placeholder("按名称或简称搜索").fill("测试单位2")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"q="))
    assert page.locator("#unit-rows tbody tr").count() == 1

    page.get_by_role("link", name="测试单位2").click()
    assert page.get_by_role("heading", name="测试单位2").is_visible()
    assert page.get_by_text("测试单位2机关党委").is_visible()

    page.get_by_role("link", name="分组", exact=True).first.click()
    page.wait_for_url(re.compile(r"/org/groups/"))
    assert page.get_by_role("link", name="第一组").is_visible()
    assert page.get_by_role("link", name="第二组").is_visible()

    page.get_by_role("link", name="牵头单位轮换").first.click()
    page.wait_for_url(re.compile(r"/org/leads/"))
    assert page.get_by_role("heading", name=re.compile("牵头单位")).is_visible()


def test_phone_width_folds_the_menu(browser: Any, live_server: Any, world: World) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
    )
    page = context.new_page()
    login(page, live_server, "unit0_secretary")
    menu_link = page.locator("#sidebar").get_by_role("link", name="单位", exact=True)
    assert not menu_link.is_visible()
    page.get_by_role("button", name="菜单").click()
    menu_link.wait_for(state="visible")
    menu_link.click()
    page.wait_for_url(re.compile(r"/org/units/"))
    # A unit's secretary of a lead unit sees its own unit and its group's units, not others.
    names = page.locator("#unit-rows tbody tr td:first-child a").all_inner_texts()
    assert sorted(names) == ["测试单位0", "测试单位1"]
    context.close()
