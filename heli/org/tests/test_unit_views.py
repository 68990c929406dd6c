"""The units list and unit page: search, filters, history, people."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from heli.org.models import Unit
from heli.testing import World, make_unit

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [u.name for u in response.context["page"]]


def test_search_by_name_and_short_name(client, world: World) -> None:
    Unit.objects.filter(pk=world.units[1].pk).update(short_name="交通委")
    client.force_login(world.user("leader"))
    assert names(client.get(reverse("org:unit_list"), {"q": "单位3"})) == ["测试单位3"]
    assert names(client.get(reverse("org:unit_list"), {"q": "交通"})) == ["测试单位1"]
    response = client.get(reverse("org:unit_list"), {"q": "不存在"})
    assert names(response) == []
    assert "没有符合条件的单位" in response.content.decode()


def test_filter_by_group_and_status(client, world: World) -> None:
    gone = make_unit(world.committee, "已撤销单位", 10)
    Unit.objects.filter(pk=gone.pk).update(
        status=Unit.Status.ABOLISHED, status_date=datetime.date(2019, 1, 1)
    )
    client.force_login(world.user("leader"))
    by_group = names(client.get(reverse("org:unit_list"), {"group": world.groups[1].pk}))
    assert by_group == ["测试单位2", "测试单位3"]
    assert names(client.get(reverse("org:unit_list"), {"status": "abolished"})) == ["已撤销单位"]
    assert len(names(client.get(reverse("org:unit_list"), {"status": "active"}))) == 4


def test_other_committees_units_never_listed(client, world: World) -> None:
    client.force_login(world.user("leader"))
    assert "外区单位" not in names(client.get(reverse("org:unit_list"), {"q": "外区"}))


def test_htmx_request_gets_only_the_rows(client, world: World) -> None:
    client.force_login(world.user("leader"))
    response = client.get(reverse("org:unit_list"), {"q": "单位"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "<html" not in body
    assert "测试单位0" in body


def test_pagination_keeps_the_filters(client, world: World) -> None:
    for i in range(60):
        make_unit(world.committee, f"分页单位{i:02d}", 100 + i)
    client.force_login(world.user("leader"))
    response = client.get(reverse("org:unit_list"), {"q": "分页"})
    assert response.context["page"].paginator.count == 60
    assert len(names(response)) == 50
    assert "q=%E5%88%86%E9%A1%B5&amp;page=2" in response.content.decode()
    assert len(names(client.get(reverse("org:unit_list"), {"q": "分页", "page": 2}))) == 10


def test_bad_filter_values_are_ignored_not_errors(client, world: World) -> None:
    client.force_login(world.user("leader"))
    response = client.get(reverse("org:unit_list"), {"group": "abc", "status": "x", "page": "zz"})
    assert response.status_code == 200


def test_unit_page_shows_party_body_people_and_groups(client, world: World) -> None:
    client.force_login(world.user("leader"))
    body = client.get(reverse("org:unit_detail", args=[world.units[0].pk])).content.decode()
    assert "测试单位0机关党委" in body
    assert "unit0_secretary" in body and "机关党委书记" in body
    assert "第一组" in body and "牵头" in body


def test_merged_unit_keeps_its_history_and_points_to_successor(client, world: World) -> None:
    old = world.units[1]
    Unit.objects.filter(pk=old.pk).update(
        status=Unit.Status.MERGED, status_date=datetime.date(2025, 3, 1), successor=world.units[0]
    )
    client.force_login(world.user("leader"))
    body = client.get(reverse("org:unit_detail", args=[old.pk])).content.decode()
    assert "已于2025年3月1日并入" in body
    assert reverse("org:unit_detail", args=[world.units[0].pk]) in body
    assert "第一组" in body  # its past group stays readable
    successor = client.get(reverse("org:unit_detail", args=[world.units[0].pk])).content.decode()
    assert "由以下单位组建" in successor and "测试单位1" in successor


def test_unit_secretary_sees_own_group_but_not_others(client, world: World) -> None:
    client.force_login(world.user("unit2_secretary"))
    assert names(client.get(reverse("org:unit_list"))) == ["测试单位2"]
    groups = client.get(reverse("org:group_list")).context["group_years"]
    assert [gy.group.name for gy in groups] == ["第二组"]


def test_english_is_selectable(client, world: World) -> None:
    client.force_login(world.user("leader"))
    client.post(reverse("set_language"), {"language": "en", "next": "/org/units/"})
    body = client.get(reverse("org:unit_list")).content.decode()
    assert "Search by name or short name" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/org/units/"})
    assert "按名称或简称搜索" in client.get(reverse("org:unit_list")).content.decode()
