"""Signing in and out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from heli.testing import PASSWORD, World

pytestmark = pytest.mark.django_db


def test_login_with_the_right_password_opens_the_home_page(client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "leader", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert "欢迎，李领导" in client.get(reverse("home")).content.decode()


def test_wrong_password_says_so_in_chinese_and_keeps_the_username(client, world: World) -> None:
    response = client.post(reverse("accounts:login"), {"username": "leader", "password": "wrong"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "或密码不正确，请重新输入" in body
    assert 'value="leader"' in body
    assert "_auth_user_id" not in client.session


def test_logout_destroys_the_server_side_session(client, world: World) -> None:
    client.post(reverse("accounts:login"), {"username": "leader", "password": PASSWORD})
    key = client.session.session_key
    from django.contrib.sessions.models import Session

    assert Session.objects.filter(session_key=key).exists()
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("home")).status_code == 302


def test_logout_needs_post(client, world: World) -> None:
    client.force_login(world.user("leader"))
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_signed_in_pages_are_not_cached(client, world: World) -> None:
    client.force_login(world.user("leader"))
    assert "no-store" in client.get(reverse("home"))["Cache-Control"]


def test_home_page_differs_by_role(client, world: World) -> None:
    client.force_login(world.user("office"))
    body = client.get(reverse("home")).content.decode()
    assert "进入牵头单位轮换" in body and "在册单位" in body
    client.force_login(world.user("unit0_secretary"))
    body = client.get(reverse("home")).content.decode()
    assert "测试单位0" in body and "牵头单位" in body and "在册单位" not in body
    client.force_login(world.user("secadmin"))
    body = client.get(reverse("home")).content.decode()
    assert "角色授权" in body and "进入牵头单位轮换" not in body
    client.force_login(world.user("leader"))
    assert "我联系的组" in client.get(reverse("home")).content.decode()


def test_a_user_without_a_role_is_told_whom_to_ask(client, world: World) -> None:
    client.force_login(world.user("nobody"))
    body = client.get(reverse("home")).content.decode()
    assert "请联系本工委的安全管理员" in body
    client.force_login(world.user("leader"))
    assert "请联系本工委的安全管理员" not in client.get(reverse("home")).content.decode()
