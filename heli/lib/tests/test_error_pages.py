"""The error pages: Chinese, in the house layout, with a way back, for everyone.

The URLconf of these tests is Heli's own plus three pages that fail on purpose (a
refusal, a bad request and a crash), open to anonymous visitors and to signed-in people
alike; the handlers are Heli's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path, reverse

from heli import urls as heli_urls
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@login_not_required
def _refuse(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


@login_not_required
def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a request that makes no sense")


@login_not_required
def _crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    *heli_urls.urlpatterns,
    path("fails/refused/", _refuse),
    path("fails/bad/", _suspicious),
    path("fails/crash/", _crash),
]
handler400 = heli_urls.handler400
handler403 = heli_urls.handler403
handler404 = heli_urls.handler404
handler500 = heli_urls.handler500

HOME = 'href="/"'
SIGN_IN = 'href="/accounts/login/"'
BACK = "返回上一页"
HEADINGS = {
    400: "请求无法处理",
    403: "您无权打开此页面",
    404: "页面不存在",
    500: "服务器出错了",
}


def signed_in(world: World, name: str = "staff") -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.user(name))
    return client


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def page(response: Any, status: int, heading: str | None = None) -> str:
    """The body of an error page, after checking it is Heli's Chinese one."""
    assert response.status_code == status
    body: str = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert f"错误代码 {status}" in body
    assert (heading or HEADINGS[status]) in body
    assert 'id="error-page"' in body
    for english in ("Not Found", "Forbidden", "Server Error", "Bad Request", "verification"):
        assert english not in body, english
    return body


def in_the_signed_in_layout(body: str) -> bool:
    return 'id="sidebar"' in body and "heli-topbar" in body


def test_a_missing_page_is_the_chinese_404_with_a_way_home(world: World) -> None:
    body = page(signed_in(world).get("/no-such-page/"), 404)
    assert in_the_signed_in_layout(body) and HOME in body
    assert "<title>页面不存在 · 合力</title>" in body
    body = page(anonymous().get("/no-such-page/"), 404)
    assert not in_the_signed_in_layout(body)
    assert SIGN_IN in body and "login-card" in body


def test_a_record_the_person_may_not_see_is_the_same_404(world: World) -> None:
    # units[0] is outside the second group: its page does not exist for units[2]'s people.
    client = signed_in(world, "unit2_secretary")
    hidden = page(client.get(reverse("org:unit_detail", args=[world.units[0].pk])), 404)
    assert in_the_signed_in_layout(hidden)
    assert world.units[0].name not in hidden  # nothing says the unit exists


def test_a_refusal_is_the_chinese_403_for_everyone(world: World) -> None:
    # A real refusal: a unit's staff may not add a committee file (heli.files).
    upload = {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n")}
    body = page(signed_in(world, "unit0_staff").post(reverse("files:upload"), upload), 403)
    assert in_the_signed_in_layout(body) and HOME in body
    assert "安全管理员" in body  # who can grant what is missing
    body = page(anonymous().get("/fails/refused/"), 403)
    assert SIGN_IN in body and not in_the_signed_in_layout(body)


def test_a_crash_is_the_chinese_500_with_a_way_back(world: World) -> None:
    for client in (signed_in(world), anonymous()):
        body = page(client.get("/fails/crash/"), 500)
        # Rendered from its own context: no menu, no person, no query; the way home.
        assert not in_the_signed_in_layout(body)
        assert HOME in body and "发生时间" in body
        assert "a bug" not in body and "Traceback" not in body


@contextmanager
def database_down() -> Iterator[list[str]]:
    """Every query fails as it does when the database server is gone."""
    tried: list[str] = []

    def refuse(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        tried.append(sql)
        raise OperationalError("connection refused: the database is down")

    with connection.execute_wrapper(refuse):
        yield tried


def test_the_500_page_answers_when_the_database_is_down(world: World) -> None:
    client = signed_in(world)
    with database_down() as tried:
        body = page(client.get("/"), 500)
    assert tried, "the request never reached the database"
    assert HOME in body
    # A visitor signing in: checking the password needs the database.
    with database_down() as tried:
        sign_in = {"username": "staff", "password": "whatever"}
        body = page(anonymous().post(reverse("accounts:login"), sign_in), 500)
    assert tried and HOME in body


def test_a_bad_request_is_the_chinese_400(world: World) -> None:
    for client in (signed_in(world), anonymous()):
        body = page(client.get("/fails/bad/"), 400)
        assert HOME in body
    # A Host header Heli does not serve: the page still answers, without a way "back" there.
    body = page(anonymous().get("/", headers={"host": "elsewhere.example"}), 400)
    assert "elsewhere.example" not in body


@pytest.mark.parametrize("who", ["staff", None])
def test_a_form_refused_by_the_csrf_check_shows_the_chinese_page(
    world: World, who: str | None
) -> None:
    client = Client(enforce_csrf_checks=True)
    if who is not None:
        client.force_login(world.user(who))
        url = reverse("accounts:logout")
    else:
        url = reverse("accounts:login")
    # The page the form was on: the sign-in form posts to itself, the sign-out button
    # sits on every page (here the home page).
    came_from = {"referer": f"http://testserver{url if who is None else '/'}"}
    body = page(client.post(url, {"username": "staff"}, headers=came_from), 403, "表单未能提交")
    assert "刷新页面" in body
    if who is not None:
        assert in_the_signed_in_layout(body) and HOME in body
        # Nothing happened: the person is still signed in.
        assert client.get(reverse("home")).status_code == 200
    else:
        # The way on is the sign-in form again, reloaded with a fresh token.
        assert f'href="http://testserver{url}"' in body and BACK in body


def test_the_way_back_is_the_page_of_heli_the_person_came_from(world: World) -> None:
    client = signed_in(world)
    came_from = "http://testserver" + reverse("org:unit_list")
    body = page(client.get("/no-such-page/", headers={"referer": came_from}), 404)
    assert BACK in body and f'href="{came_from}"' in body
    # Not another site's page, and not the failing page itself.
    for referer in ("https://elsewhere.example/phish/", "http://testserver/no-such-page/"):
        body = page(client.get("/no-such-page/", headers={"referer": referer}), 404)
        assert BACK not in body, referer
