"""Task pages: who sees what (404 otherwise), the buttons, and fixed query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment
from heli.accounts.policy import visible
from heli.org.models import Department, Unit
from heli.testing import World, build_sized_committee, make_user
from heli.tracking import actions
from heli.tracking.models import Task, TaskUnit
from heli.tracking.tests.helpers import make_task, task_data
from heli.tracking.workflow import Status

pytestmark = pytest.mark.django_db


def test_who_sees_a_task(client: Client, world: World) -> None:
    task = make_task(world)  # lead units[0], cooperating units[1]
    url = reverse("tracking:task_detail", args=[task.pk])
    for name in ("leader", "staff", "office", "unit0_secretary", "unit0_staff", "unit0_leadership"):
        client.force_login(world.user(name))
        assert client.get(url).status_code == 200, name
    for name in ("sysadmin", "secadmin", "auditor", "unit2_secretary", "outsider", "nobody"):
        client.force_login(world.user(name))
        assert client.get(url).status_code == 404, name
        assert not visible(world.user(name), Task).exists()


def test_lead_units_group_rights_do_not_reach_other_units_tasks(world: World) -> None:
    # unit0's secretary leads group 1, which holds units[1]; a task of units[1] stays hidden.
    hidden = make_task(world, lead_unit=world.units[1], cooperating_units=[])
    assert not visible(world.user("unit0_secretary"), Task).filter(pk=hidden.pk).exists()
    shared = make_task(world, lead_unit=world.units[3], cooperating_units=[world.units[2]])
    assert visible(world.user("unit2_staff"), Task).filter(pk=shared.pk).exists()


def test_buttons_follow_the_workflow_and_close_refused_on_the_page(
    client: Client, world: World
) -> None:
    task = make_task(world)
    client.force_login(world.user("unit0_secretary"))
    page = client.get(reverse("tracking:task_detail", args=[task.pk])).content.decode()
    assert "签收" in page and "销号</button>" not in page
    client.post(reverse("tracking:task_step", args=[task.pk, "receive"]))
    client.post(reverse("tracking:task_step", args=[task.pk, "report_done"]))
    task.refresh_from_db()
    assert task.status == Status.REPORTED_DONE
    client.force_login(world.user("leader"))
    response = client.post(reverse("tracking:task_step", args=[task.pk, "close"]), follow=True)
    assert "只有督办处室(宣传部)的工作人员" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.REPORTED_DONE
    client.force_login(world.user("staff"))
    client.post(reverse("tracking:task_step", args=[task.pk, "close"]))
    task.refresh_from_db()
    assert task.status == Status.CLOSED
    response = client.get(reverse("tracking:task_edit", args=[task.pk]), follow=True)
    assert "已销号的事项不能修改" in response.content.decode()


def test_report_of_120_percent_on_the_page_changes_nothing(client: Client, world: World) -> None:
    task = make_task(world)
    actions.receive_task(task, world.user("unit0_secretary"))
    client.force_login(world.user("unit0_secretary"))
    response = client.post(
        reverse("tracking:task_report", args=[task.pk]),
        {"text": "超额", "percent": "120"},
        follow=True,
    )
    assert "进度应为0到100之间的整数" in response.content.decode()
    assert not task.reports.exists()


def test_create_form_assigns_once_and_keeps_input_on_error(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    url = reverse("tracking:task_create")
    token = client.get(url).context["token"]
    data = {
        "title": "开展支部标准化建设",
        "lead_unit": world.units[2].pk,
        "department": world.department.pk,
        "assigned_at": "2026-03-02",
        "deadline": "2026-03-01",
        "priority": "high",
        "submission": token,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "办理期限不能早于交办日期" in response.content.decode()
    assert "开展支部标准化建设" in response.content.decode()
    data["deadline"] = "2026-06-30"
    client.post(url, data)
    client.post(url, data)
    assert Task.objects.filter(title="开展支部标准化建设").count() == 1
    client.force_login(world.user("unit0_secretary"))
    assert client.get(url).status_code == 404


def test_waiting_for_me(client: Client, world: World) -> None:
    task = make_task(world)
    client.force_login(world.user("unit0_staff"))
    page = client.get(reverse("tracking:waiting")).content.decode()
    assert "待签收" in page and task.title in page
    client.force_login(world.user("staff"))
    assert task.title not in client.get(reverse("tracking:waiting")).content.decode()


def _count_list_queries(n_units: int, n_tasks: int) -> list[int]:
    committee = build_sized_committee(n_units)
    department = Department.objects.create(committee=committee, name="宣传部")
    user = make_user(committee, f"staff{n_units}")
    RoleAssignment.objects.create(
        user=user, committee=committee, role=Role.COMMITTEE_STAFF, department=department
    )
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    day = datetime.date(2026, 3, 2)
    tasks = Task.objects.bulk_create(
        Task(
            committee=committee,
            year=2026,
            title=f"事项{i}",
            lead_unit=units[i % len(units)],
            department=department,
            assigned_at=day,
            deadline=day + datetime.timedelta(days=i),
            created_by=user,
        )
        for i in range(n_tasks)
    )
    TaskUnit.objects.bulk_create(
        TaskUnit(committee=committee, task=t, unit=units[(i + 1) % len(units)])
        for i, t in enumerate(tasks)
    )
    client = Client()
    client.force_login(user)
    counts = []
    for url in (
        reverse("tracking:task_list"),
        reverse("tracking:task_list") + f"?year=2026&status=assigned&unit={units[0].pk}&overdue=on",
        reverse("tracking:waiting"),
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_task_list_query_count_does_not_grow_with_data() -> None:
    assert _count_list_queries(20, 40) == _count_list_queries(200, 400)


def test_create_action_rejects_units_of_another_committee(world: World) -> None:
    with pytest.raises(ValueError):
        actions.create_task(
            world.committee, task_data(world, lead_unit=world.other_unit), world.user("staff")
        )
