"""The auditor reads words, not codes: kinds of record, detail keys and task steps.

The rows here are written as the battle map writes them when a task takes a step
(``heli.tracking.actions.take_step``): the kind ``tracking.task`` and the step's code.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit import actions, events
from heli.testing import World, verify_otp

pytestmark = pytest.mark.django_db

LIST = "/audit/"


def auditor(world: World) -> Client:
    client = Client()
    client.force_login(world.user("auditor"))
    verify_otp(client, world.user("auditor"))
    return client


def object_type_select(body: str) -> str:
    start = body.index('name="object_type"')
    return body[start : body.index("</select>", start)]


def test_the_object_type_filter_names_kinds_in_words_grouped_by_area(world: World) -> None:
    select = object_type_select(auditor(world).get(LIST).content.decode())
    assert '<option value="org.unit">单位</option>' in select
    assert '<option value="tracking.task">督办事项</option>' in select
    assert '<optgroup label="组织机构">' in select and '<optgroup label="挂图作战">' in select
    # No model label shows as text: every option reads in words.
    shown = re.findall(r">([^<]+)</option>", select)
    assert shown and not [text for text in shown if re.search(r"[a-z]+\.[a-z]+", text)], shown


def test_a_task_step_is_named_by_what_it_did_in_the_list_and_on_its_record(
    world: World,
) -> None:
    row = actions.record(
        events.RECORD_UPDATED,
        user=world.user("staff"),
        object_type="tracking.task",
        object_id="7",
        object_repr="落实党建工作责任制",
        detail={"step": "return", "status": ["reported_done", "returned"], "reason": "材料不全"},
    )
    client = auditor(world)
    body = client.get(LIST).content.decode()
    rows = body[body.index('id="event-rows"') :]
    assert "修改记录：退回重办" in rows
    assert "督办事项" in rows and "tracking.task" not in rows
    record = client.get(reverse("audit:event_detail", args=[row.pk])).content.decode()
    assert "修改记录：退回重办" in record
    for name, value in (
        ("操作", "退回重办"),
        ("状态", "已报办结 → 退回重办"),
        ("理由", "材料不全"),
    ):
        assert re.search(rf"<dt[^>]*>{name}</dt><dd[^>]*>{value}</dd>", record), name


def test_an_edit_reads_field_by_field_with_choices_in_words(world: World) -> None:
    unit = world.units[1]
    row = actions.record(
        events.RECORD_UPDATED,
        user=world.user("office"),
        obj=unit,
        detail={"changes": {"name": ["旧名称", "新名称"], "status": ["active", "merged"]}},
    )
    record = auditor(world).get(reverse("audit:event_detail", args=[row.pk])).content.decode()
    assert "名称：旧名称 → 新名称<br>状态：正常 → 已合并" in record
    # A row without a step keeps its event's name.
    assert '<h1 class="page-title">修改记录 ' in record


def test_a_detail_of_an_unknown_kind_shows_its_codes(world: World) -> None:
    row = actions.record(
        events.EXPORT,
        user=world.user("auditor"),
        object_type="nowhere.thing",
        detail={"step": "receive", "rows": 3},
    )
    record = auditor(world).get(reverse("audit:event_detail", args=[row.pk])).content.decode()
    assert re.search(r"<dt[^>]*>step</dt><dd[^>]*>receive</dd>", record)
    assert "nowhere.thing" in record
