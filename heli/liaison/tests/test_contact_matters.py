"""The matters raised in a contact become tasks on the battle map; once the last is closed
the contact says its matters are handled, and a new matter raised after clears that."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.liaison import contacts
from heli.liaison.sources import matters_of
from heli.liaison.tests.contact_helpers import make_contact
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("storage")]

HANDLED = "本次沟通联系提出的事项已全部办结"


def _raise(client: Client, contact: Any, world: World, title: str, token: str) -> Any:
    return client.post(
        reverse("liaison:contact_matter", args=[contact.pk]),
        {
            "submission": token,
            "title": title,
            "lead_unit": world.units[1].pk,
            "department": world.department.pk,
            "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "description": "请牵头研究提出解决方案。",
        },
    )


def _close(task: Task, world: World) -> None:
    secretary = world.user("unit0_secretary")
    # units[1] has no people in the world: its lead unit steps are taken by a new account.
    from heli.accounts.models import Role
    from heli.testing import grant, make_user

    unit_secretary = make_user(world.committee, f"u1sec{task.pk}")
    grant(unit_secretary, Role.UNIT_SECRETARY, unit=world.units[1])
    assert secretary is not None
    actions.receive_task(task, unit_secretary)
    actions.report_done(task, unit_secretary, "已研究解决。")
    actions.close_task(task, world.user("staff"), "经核实已解决。")


def test_matters_become_tasks_and_the_contact_says_when_all_are_handled(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    contact = make_contact(world, units=world.units[:3])
    client = Client()
    client.force_login(world.user("staff"))
    assert _raise(client, contact, world, "补齐党务干部", "t1").status_code == 302
    assert _raise(client, contact, world, "完善支部设置", "t2").status_code == 302
    first, second = matters_of(contact).order_by("pk")
    assert (first.lead_unit, first.department, first.source_kind) == (
        world.units[1],
        world.department,
        "liaison",
    )
    assert first.source_url == contact.get_absolute_url()
    page = client.get(contact.get_absolute_url()).content.decode()
    assert "补齐党务干部" in page and "已交办" in page and HANDLED not in page
    with django_capture_on_commit_callbacks(execute=True):
        _close(first, world)
    contact.refresh_from_db()
    assert contact.matters_handled_at is None
    with django_capture_on_commit_callbacks(execute=True):
        _close(second, world)
    contact.refresh_from_db()
    assert contact.matters_handled_at is not None
    page = client.get(contact.get_absolute_url()).content.decode()
    assert HANDLED in page and "已销号" in page
    # A new matter raised afterwards: no longer all handled.
    assert _raise(client, contact, world, "新问题", "t3").status_code == 302
    contact.refresh_from_db()
    assert contact.matters_handled_at is None
    assert HANDLED not in client.get(contact.get_absolute_url()).content.decode()


def test_raising_a_matter_twice_makes_one_task(world: World) -> None:
    contact = make_contact(world, units=world.units[:2])
    client = Client()
    client.force_login(world.user("staff"))
    _raise(client, contact, world, "同一个问题", "same")
    _raise(client, contact, world, "同一个问题", "same")
    _raise(client, contact, world, "同一个问题", "another-token")
    assert matters_of(contact).count() == 1


def test_a_bad_deadline_is_refused_with_tracking_rules(world: World) -> None:
    contact = make_contact(world, units=world.units[:2])
    client = Client()
    client.force_login(world.user("staff"))
    response = client.post(
        reverse("liaison:contact_matter", args=[contact.pk]),
        {
            "submission": "bad",
            "title": "问题",
            "lead_unit": world.units[1].pk,
            "department": world.department.pk,
            "deadline": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "办理期限不能早于交办日期" in response.content.decode()
    assert not matters_of(contact).exists()


def test_a_department_not_ones_own_is_refused(world: World) -> None:
    contact = make_contact(world, units=world.units[:2])
    try:
        contacts.raise_matter(
            contact,
            title="问题",
            lead_unit=world.units[1],
            department=world.office,
            deadline=timezone.localdate() + datetime.timedelta(days=5),
            by=world.user("staff"),
        )
    except Exception as error:  # noqa: BLE001
        assert "组织部" in str(error)
    else:
        raise AssertionError("a department's staff assigned another department's task")


def test_a_unit_reached_with_others_sees_its_own_matters_only(world: World) -> None:
    """A symposium of units 0 and 2 with a matter for unit 2: unit 0's people see the
    contact, but neither the other unit's matter nor a count of it (no link to a 404)."""
    contact = make_contact(world, units=[world.units[0], world.units[2]])
    staff = Client()
    staff.force_login(world.user("staff"))
    response = staff.post(
        reverse("liaison:contact_matter", args=[contact.pk]),
        {
            "submission": "own-matters",
            "title": "另一单位的具体问题",
            "lead_unit": world.units[2].pk,
            "department": world.department.pk,
            "deadline": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "description": "",
        },
    )
    assert response.status_code == 302
    task = matters_of(contact).get()
    assert "另一单位的具体问题" in staff.get(contact.get_absolute_url()).content.decode()

    unit = Client()
    unit.force_login(world.user("unit0_secretary"))
    page = unit.get(contact.get_absolute_url()).content.decode()
    assert "另一单位的具体问题" not in page
    assert reverse("tracking:task_detail", args=[task.pk]) not in page
    listing = unit.get(reverse("liaison:contact_list"), {"year": contact.year})
    assert [c.matters_total for c in listing.context["page"].object_list] == [0]


def test_a_unit_sees_the_other_units_of_a_contact_named_but_linked_only_if_it_may_open_them(
    world: World,
) -> None:
    contact = make_contact(world, units=[world.units[0], world.units[2]])
    unit = Client()
    unit.force_login(world.user("unit0_secretary"))
    page = unit.get(contact.get_absolute_url()).content.decode()
    for shown in world.units[0], world.units[2]:
        url = reverse("org:unit_detail", args=[shown.pk])
        opens = unit.get(url).status_code == 200
        assert shown.name in page
        assert (f'href="{url}"' in page) == opens
    assert unit.get(reverse("org:unit_detail", args=[world.units[2].pk])).status_code == 404
