"""Django's own form messages read plainly on Heli's pages, next to the field.

Heli's catalogue gives Django's messages plain Chinese ("不能超过100个字…", not "确保该变量
包含不超过 100 字符"); the registry's unit form shows them as a person meets them.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from heli.org.models import Unit
from heli.testing import World

pytestmark = pytest.mark.django_db

NEW_UNIT = {
    "name": "北京市新设单位",
    "short_name": "新设单位",
    "leading_body": "party_group",
    "sort_order": "900",
    "submission": "plain-words",
}


def refused(world: World, **typed: str) -> str:
    client = Client()
    client.force_login(world.user("office"))
    response = client.post(reverse("org:unit_create"), {**NEW_UNIT, **typed})
    assert response.status_code == 200
    assert not Unit.objects.filter(short_name="新设单位").exists()
    return response.content.decode()


def test_a_too_long_name_says_how_long_it_may_be_and_is(world: World) -> None:
    body = refused(world, name="党" * 120)
    assert escape("不能超过100个字（现在有120个字），请删减。") in body
    assert "确保该变量" not in body and "字符 (目前" not in body
    assert "党" * 120 in body  # what was typed stays


def test_missing_and_out_of_range_values_say_what_to_do(world: World) -> None:
    body = refused(world, name="", sort_order="-1")
    assert "此项必须填写。" in body
    assert "不能小于0，请改大。" in body
    body = refused(world, sort_order="第九百")
    assert "请填写整数。" in body
    body = refused(world, leading_body="council")
    assert escape("“council”不在可选范围内，请从列表中重新选择。") in body
