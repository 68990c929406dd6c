"""No date typed into any form of Heli gives a server error: every date field is the one
checked field (heli.lib.forms.DateField), and each refuses a date out of range or no
date at all with a Chinese message next to it, saving nothing."""

from __future__ import annotations

import datetime
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

import heli
from heli.audit.models import AuditEvent
from heli.lib.forms import DateField
from heli.org.models import Unit
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import ExtensionRequest, Task, TaskTransition
from heli.tracking.tests.helpers import make_task, task_data

# The Chinese messages: out of the work years, or not a date.
OUT_OF_RANGE = "请填写2000年1月1日至2100年12月31日之间的日期。"
NOT_A_DATE = "请按“年-月-日”格式填写日期，例如 2026-11-26。"
# What people type by mistake — a year outside the tables' range was a 500 — and what
# they are told.
BAD_DATES = (
    ("1999-12-31", OUT_OF_RANGE),
    ("2101-01-01", OUT_OF_RANGE),
    ("9999-12-31", OUT_OF_RANGE),
    ("0001-01-01", OUT_OF_RANGE),
    ("0000-01-01", NOT_A_DATE),
    ("99999-01-01", NOT_A_DATE),
    ("2026-02-30", NOT_A_DATE),
    ("2026-13-01", NOT_A_DATE),
    ("明天", NOT_A_DATE),
)


def _form_classes() -> Iterator[type[forms.Form] | type[forms.ModelForm[Any]]]:
    """Every form class of every area of Heli."""
    for module_info in pkgutil.walk_packages(heli.__path__, "heli."):
        name = module_info.name
        if (
            ".tests" in name
            or ".migrations" in name
            or not name.rsplit(".", 1)[-1].endswith("forms")
        ):
            continue
        module = importlib.import_module(name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.Form | forms.ModelForm) and cls.__module__ == name:
                yield cls


def test_every_date_field_of_every_form_is_the_checked_date_field() -> None:
    found = {
        (cls.__name__, field_name): type(field)
        for cls in _form_classes()
        for field_name, field in cls.base_fields.items()
        if isinstance(field, forms.DateField | forms.DateTimeField)
    }
    # The forms that ask for a date today, so that the walk above cannot find nothing.
    assert {
        ("TaskForm", "assigned_at"),
        ("TaskForm", "deadline"),
        ("ExtensionForm", "requested_deadline"),
        ("DeadlineForm", "deadline"),
        ("EndUnitForm", "date"),
        ("AuditFilterForm", "date_from"),
        ("AuditFilterForm", "date_to"),
    } <= set(found)
    assert {key: kind for key, kind in found.items() if not issubclass(kind, DateField)} == {}


@pytest.mark.parametrize("typed", ["0001-01-01", "2101-01-01", "9999-12-31", "abc", "2026-02-30"])
def test_the_checked_date_field_refuses_with_a_message(typed: str) -> None:
    class Form(forms.Form):
        day = DateField()

    form = Form({"day": typed})
    assert not form.is_valid()
    assert form.errors["day"]
    assert Form({"day": "2026-11-26"}).is_valid()
    assert Form({"day": "2100-12-31"}).is_valid()


@dataclass(frozen=True)
class DateForm:
    """One form of Heli with a date, sent by someone who may send it."""

    id: str
    who: str
    method: str
    url: str
    data: dict[str, Any]
    field: str


def _date_forms(world: World) -> list[DateForm]:
    received = make_task(world, title="已签收事项")
    actions.receive_task(received, world.user("unit0_secretary"))
    unit: Unit = world.units[3]
    create = {
        "title": "开展支部标准化建设",
        "lead_unit": world.units[2].pk,
        "department": world.department.pk,
        "assigned_at": "2026-03-02",
        "deadline": "2026-06-30",
        "priority": "normal",
    }
    edit = {
        "version": received.version,
        "title": received.title,
        "lead_unit": received.lead_unit_id,
        "department": received.department_id,
        "assigned_at": received.assigned_at.isoformat(),
        "priority": received.priority,
    }
    return [
        DateForm("assign: assigned on", "staff", "post", reverse("tracking:task_create"),
                 create, "assigned_at"),
        DateForm("assign: deadline", "staff", "post", reverse("tracking:task_create"),
                 create, "deadline"),
        DateForm("edit: assigned on", "staff", "post",
                 reverse("tracking:task_edit", args=[received.pk]), edit, "assigned_at"),
        DateForm("extension", "unit0_secretary", "post",
                 reverse("tracking:extension_request", args=[received.pk]),
                 {"reason": "工作量大"}, "requested_deadline"),
        DateForm("new deadline", "staff", "post",
                 reverse("tracking:deadline_change", args=[received.pk]),
                 {"reason": "调整部署", "version": received.version}, "deadline"),
        DateForm("unit ended", "office", "post", reverse("org:unit_end", args=[unit.pk]),
                 {"status": Unit.Status.ABOLISHED, "confirm": "on", "version": unit.version},
                 "date"),
        DateForm("audit from", "auditor", "get", reverse("audit:event_list"), {}, "date_from"),
        DateForm("audit to", "auditor", "get", reverse("audit:event_list"), {}, "date_to"),
    ]  # fmt: skip


def _snapshot() -> tuple[Any, ...]:
    return (
        list(Task.objects.order_by("pk").values_list("pk", "title", "assigned_at", "deadline")),
        TaskTransition.objects.count(),
        ExtensionRequest.objects.count(),
        list(Unit.objects.order_by("pk").values_list("pk", "status", "status_date")),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "expected"), BAD_DATES)
def test_every_date_field_of_every_form_refuses_a_bad_date_in_chinese_and_saves_nothing(
    world: World, typed: str, expected: str
) -> None:
    for case in _date_forms(world):
        client = Client()
        client.force_login(world.user(case.who))
        before = _snapshot()
        audit_rows = AuditEvent.objects.count()
        response = getattr(client, case.method)(case.url, {**case.data, case.field: typed})
        assert response.status_code == 200, (case.id, typed, response.status_code)
        page = response.content.decode()
        assert expected in page, (case.id, typed)
        # Next to the field: the field is marked, its message follows it.
        marked = page.split(expected)[0].rsplit("<input", 1)[-1]
        assert f'name="{case.field}"' in marked and 'aria-invalid="true"' in marked, (
            case.id,
            typed,
        )
        assert _snapshot() == before, (case.id, typed)
        if case.method == "post":
            assert AuditEvent.objects.count() == audit_rows, (case.id, typed)


@pytest.mark.django_db
def test_the_action_refuses_a_date_out_of_range_whoever_calls_it(world: World) -> None:
    """The 500 of a year outside 2000–2100 came from the database: the action refuses first."""
    count = Task.objects.count()
    for assigned_at in (datetime.date(1999, 12, 31), datetime.date(2101, 1, 1)):
        with pytest.raises(ValidationError) as caught:
            actions.create_task(
                world.committee,
                task_data(world, assigned_at=assigned_at, deadline=assigned_at),
                world.user("staff"),
            )
        assert (
            "交办日期须在2000年至2100年的工作年度内" in caught.value.message_dict["assigned_at"][0]
        )
    assert Task.objects.count() == count
