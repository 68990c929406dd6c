"""Task pages: who sees what (404 otherwise), the buttons, and fixed query counts."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.accounts.models import Role, RoleAssignment
from heli.accounts.policy import visible
from heli.org.models import Department, Unit
from heli.testing import FROZEN_TODAY, World, build_sized_committee, make_user
from heli.tracking import actions
from heli.tracking.models import ExtensionRequest, Task, TaskUnit
from heli.tracking.tests.helpers import make_task, task_data
from heli.tracking.views import TASKS_PER_PAGE
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
    client.post(reverse("tracking:task_step", args=[task.pk, "report_done"]), {"reason": "已完成"})
    task.refresh_from_db()
    assert task.status == Status.REPORTED_DONE
    client.force_login(world.user("leader"))
    close = reverse("tracking:task_step", args=[task.pk, "close"])
    response = client.post(close, {"confirm": "on"})
    assert "只有督办处室（宣传部）的工作人员" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.REPORTED_DONE
    client.force_login(world.user("staff"))
    # Closing is final: it waits for the ticked box, and keeps the comment typed.
    response = client.post(close, {"reason": "经核实已完成"})
    assert response.status_code == 200
    assert "经核实已完成" in response.content.decode()
    task.refresh_from_db()
    assert task.status == Status.REPORTED_DONE
    client.post(close, {"reason": "经核实已完成", "confirm": "on"})
    task.refresh_from_db()
    assert task.status == Status.CLOSED
    assert task.transitions.get(step="close").reason == "经核实已完成"
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
    # Signing for it is the unit's; the department sees it only once it is late.
    sections = {
        k: rows for k, _label, rows in client.get(reverse("tracking:waiting")).context["sections"]
    }
    assert "to_sign" not in sections
    assert (task in sections["overdue"]) == (task.deadline < timezone.localdate())


# Every list page and export of these tests at either size; a page past one screen
# that loads a unit or a department per row exceeds it by dozens.
LIST_QUERY_CEILING = 20


def _count_list_queries(n_units: int, n_tasks: int) -> dict[str, int]:
    """Queries per page for a committee of ``n_units`` units and ``n_tasks`` tasks.

    Half the tasks are led by the first unit, every task has two cooperating units, a
    third waits for verification and some for an extension decision, and half are
    overdue: every list below runs past one page.
    """
    year = FROZEN_TODAY.year
    committee = build_sized_committee(n_units, year=year)
    department = Department.objects.create(committee=committee, name="宣传部")
    staff = make_user(committee, f"staff{n_units}")
    RoleAssignment.objects.create(
        user=staff, committee=committee, role=Role.COMMITTEE_STAFF, department=department
    )
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    secretary = RoleAssignment.objects.get(
        committee=committee, role=Role.UNIT_SECRETARY, unit=units[0]
    ).user
    statuses = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REPORTED_DONE)
    tasks = Task.objects.bulk_create(
        Task(
            committee=committee,
            year=year,
            title=f"事项{i}",
            lead_unit=units[0] if i % 2 == 0 else units[i % len(units)],
            department=department,
            assigned_at=FROZEN_TODAY - datetime.timedelta(days=90),
            deadline=FROZEN_TODAY + datetime.timedelta(days=i % 40 - 20),
            status=statuses[i % 3],
            created_by=staff,
        )
        for i in range(n_tasks)
    )
    TaskUnit.objects.bulk_create(
        TaskUnit(committee=committee, task=t, unit=units[(i + k) % len(units)])
        for i, t in enumerate(tasks)
        for k in (1, 2)
    )
    ExtensionRequest.objects.bulk_create(
        ExtensionRequest(
            committee=committee,
            task=t,
            current_deadline=t.deadline,
            requested_deadline=t.deadline + datetime.timedelta(days=30),
            reason="需要延期",
            requested_by=secretary,
        )
        for t in tasks
        if t.status == Status.IN_PROGRESS
    )
    task_list = reverse("tracking:task_list")
    filtered = f"?year={year}&unit={units[0].pk}&department={department.pk}&overdue=on"
    pages = {
        "staff list": (staff, task_list),
        "staff list page 2": (staff, task_list + "?page=2"),
        "staff list filtered": (staff, task_list + filtered),
        "staff waiting": (staff, reverse("tracking:waiting")),
        "staff export": (staff, reverse("tracking:task_export") + filtered),
        "secretary list": (secretary, task_list),
        "secretary waiting": (secretary, reverse("tracking:waiting")),
    }
    counts = {}
    for name, (user, url) in pages.items():
        client = Client()
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(ctx.captured_queries)
        if "list" in name:
            assert response.context["page"].paginator.count > TASKS_PER_PAGE, name
            assert len(response.context["page"].object_list) == TASKS_PER_PAGE, name
        elif "waiting" in name:
            sections = [rows for _key, _label, rows in response.context["sections"]]
            assert sum(1 for rows in sections if len(rows) > TASKS_PER_PAGE) >= 2, name
    return counts


@pytest.mark.frozen_clock
def test_task_lists_and_the_export_run_a_fixed_number_of_queries() -> None:
    small = _count_list_queries(20, 200)
    large = _count_list_queries(200, 2000)
    assert small == large, (small, large)
    assert max(small.values()) <= LIST_QUERY_CEILING, small


def test_create_action_rejects_units_of_another_committee(world: World) -> None:
    with pytest.raises(ValueError):
        actions.create_task(
            world.committee, task_data(world, lead_unit=world.other_unit), world.user("staff")
        )


def test_the_create_form_sent_again_after_the_back_button_assigns_once(
    client: Client, world: World
) -> None:
    """Back, then "save" again: the page was loaded anew (a new token), the browser kept
    what was typed. The same task a moment later is the same task."""
    client.force_login(world.user("staff"))
    url = reverse("tracking:task_create")
    data = {
        "title": "开展支部标准化建设",
        "lead_unit": world.units[2].pk,
        "department": world.department.pk,
        "assigned_at": "2026-03-02",
        "deadline": "2026-06-30",
        "priority": "high",
    }
    first = client.post(url, {**data, "submission": client.get(url).context["token"]})
    again = client.post(url, {**data, "submission": client.get(url).context["token"]})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert Task.objects.filter(title="开展支部标准化建设").count() == 1
    # Another task for another unit is another task.
    other = {**data, "lead_unit": world.units[3].pk}
    client.post(url, {**other, "submission": client.get(url).context["token"]})
    assert Task.objects.filter(title="开展支部标准化建设").count() == 2
