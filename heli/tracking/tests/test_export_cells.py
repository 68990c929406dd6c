"""What a user types cannot break an export: a control character in a task's title (the
form accepts it) still gives a workbook that opens, with the title minus that character."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib.idempotency import new_token
from heli.testing import World
from heli.tracking.models import Task
from heli.tracking.numbers import task_label

pytestmark = pytest.mark.django_db

TITLE = "落实\x07党建\x1b工作=要点"


def _assign_through_the_form(client: Client, world: World) -> Task:
    today = timezone.localdate()
    client.force_login(world.user("staff"))
    response = client.post(
        reverse("tracking:task_create"),
        {
            "submission": new_token(),
            "title": TITLE,
            "lead_unit": world.units[0].pk,
            "department": world.department.pk,
            "assigned_at": today.isoformat(),
            "deadline": (today + datetime.timedelta(days=30)).isoformat(),
            "priority": Task.Priority.NORMAL,
        },
    )
    assert response.status_code == 302, response.content.decode()
    return Task.objects.get(title=TITLE)


def _filename(response: Any) -> str:
    """The name a browser saves the file as: the UTF-8 one (RFC 6266 says it wins)."""
    found = re.search(r"filename\*=UTF-8''([^;\s]+)", response["Content-Disposition"])
    assert found is not None, response["Content-Disposition"]
    return unquote(found.group(1))


def test_a_control_character_in_a_title_does_not_break_the_task_export(
    client: Client, world: World
) -> None:
    task = _assign_through_the_form(client, world)
    response = client.get(reverse("tracking:task_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    [row] = [r for r in sheet.iter_rows(min_row=4) if r[0].value == task_label(task)]
    assert row[1].value == "落实党建工作=要点"
    assert row[1].data_type == "s"
    assert _filename(response).startswith("督办事项-")
    event = AuditEvent.objects.filter(event=events.EXPORT).latest("pk")
    assert event.detail["rows"] == 1


def test_a_control_character_in_a_unit_row_does_not_break_the_wallchart_export(
    client: Client, world: World
) -> None:
    _assign_through_the_form(client, world)
    world.units[0].short_name = "单位\x01甲"
    world.units[0].save(update_fields=["short_name"])
    year = timezone.localdate().year
    response = client.get(reverse("tracking:wallchart_export"), {"year": year})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert "单位甲" in [r[0] for r in sheet.iter_rows(values_only=True)]


def test_a_control_character_in_the_audit_log_does_not_break_its_export(
    client: Client, world: World
) -> None:
    task = _assign_through_the_form(client, world)
    auditor = Client(REMOTE_ADDR="10.1.1.1")
    auditor.force_login(world.user("auditor"))
    query = f"event={events.RECORD_CREATED}"
    response = auditor.post(reverse("audit:event_export", args=["xlsx"]), {"query": query})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    objects = [r[8] for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert "落实党建工作=要点" in objects
    detail = next(
        str(r[9]) for r in sheet.iter_rows(min_row=4, values_only=True) if r[7] == str(task.pk)
    )
    assert "\x07" not in detail and "\\u0007" in detail  # JSON keeps it, escaped
    assert _filename(response).endswith(".xlsx")
    response = auditor.post(reverse("audit:event_export", args=["csv"]), {"query": query})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert "落实党建工作=要点" in text and "\x07" not in text
