"""A deadline is accountable: once a task is assigned it moves only by a decision with a
reason — the unit's extension, approved, or a new deadline the department sets — and
every move shows in the task's history, with both dates."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from heli.audit.models import AuditEvent
from heli.testing import World
from heli.tracking import actions
from heli.tracking.models import Task
from heli.tracking.tests.helpers import TODAY, make_task, task_data
from heli.tracking.workflow import Step

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _history(client: Client, task: Task) -> str:
    page = client.get(reverse("tracking:task_detail", args=[task.pk])).content.decode()
    return page[page.index('class="list-group mb-3 task-history-list"') :]


def test_the_edit_form_does_not_change_the_deadline(world: World) -> None:
    task = make_task(world)
    staff = _client(world, "staff")
    edit = reverse("tracking:task_edit", args=[task.pk])
    form = staff.get(edit).context["form"]
    assert "deadline" not in form.fields
    assert "调整办理期限" in form.fields["assigned_at"].help_text
    later = (task.deadline + 10 * DAY).isoformat()
    response = staff.post(
        edit,
        {
            "version": task.version,
            "title": "改名后的事项",
            "lead_unit": task.lead_unit_id,
            "department": task.department_id,
            "assigned_at": task.assigned_at.isoformat(),
            "deadline": later,  # sent anyway: not a field of the form, so not taken
            "priority": task.priority,
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "改名后的事项" and task.deadline == TODAY + 30 * DAY
    assert not task.transitions.filter(deadline_after__isnull=False).exists()


def test_the_edit_action_refuses_to_move_the_deadline(world: World) -> None:
    task = make_task(world)
    with pytest.raises(ValidationError) as caught:
        actions.update_task(
            task, task.version, {"deadline": task.deadline + DAY}, world.user("staff")
        )
    assert "调整办理期限" in caught.value.message_dict["deadline"][0]
    task.refresh_from_db()
    assert task.deadline == TODAY + 30 * DAY


def test_a_new_deadline_needs_a_reason_and_shows_in_the_history(world: World) -> None:
    task = make_task(world)
    url = reverse("tracking:deadline_change", args=[task.pk])
    staff = _client(world, "staff")
    later = task.deadline + 20 * DAY
    audit_rows = AuditEvent.objects.count()
    # No reason: refused next to the field, the date typed kept.
    response = staff.post(url, {"deadline": later.isoformat(), "version": task.version})
    assert response.status_code == 200
    form = next(i.form for i in response.context["panel"] if i.key == Step.CHANGE_DEADLINE)
    assert form.errors["reason"] == ["请说明调整办理期限的理由。"]
    assert f'value="{later.isoformat()}"' in response.content.decode()
    task.refresh_from_db()
    assert task.deadline == TODAY + 30 * DAY and AuditEvent.objects.count() == audit_rows
    # With the reason: moved, in the history with both dates, audited, the unit told.
    response = staff.post(
        url, {"deadline": later.isoformat(), "reason": "市委部署调整", "version": task.version}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.deadline == later
    step = task.transitions.get(step=Step.CHANGE_DEADLINE)
    assert (step.deadline_before, step.deadline_after, step.reason) == (
        TODAY + 30 * DAY,
        later,
        "市委部署调整",
    )
    assert AuditEvent.objects.count() == audit_rows + 1
    history = _history(_client(world, "unit0_secretary"), task)
    assert "调整办理期限" in history
    assert "办理期限：2026年4月1日 → 2026年4月21日" in history and "市委部署调整" in history


def test_only_the_supervising_department_sets_a_new_deadline(world: World) -> None:
    task = make_task(world)
    for name in ("unit0_secretary", "leader", "office"):
        with pytest.raises(ValidationError):
            actions.change_deadline(
                task, deadline=task.deadline + DAY, reason="调整", by=world.user(name)
            )
    task.refresh_from_db()
    assert task.deadline == TODAY + 30 * DAY


def test_an_approved_extension_shows_in_the_history_with_both_dates(world: World) -> None:
    task = make_task(world)
    secretary = world.user("unit0_secretary")
    actions.receive_task(task, secretary)
    later = task.deadline + 15 * DAY
    # Not after the current deadline: refused.
    with pytest.raises(ValidationError) as caught:
        actions.request_extension(task, requested_deadline=task.deadline, reason="忙", by=secretary)
    assert "应晚于当前期限" in caught.value.message_dict["requested_deadline"][0]
    extension = actions.request_extension(
        task, requested_deadline=later, reason="需等待上级批复", by=secretary
    )
    actions.decide_extension(extension, approve=True, by=world.user("staff"), reason="同意")
    task.refresh_from_db()
    assert task.deadline == later
    approved = task.transitions.get(step=Step.APPROVE_EXTENSION)
    assert (approved.deadline_before, approved.deadline_after) == (TODAY + 30 * DAY, later)
    history = _history(_client(world, "staff"), task)
    assert "申请将期限由2026年4月1日延至2026年4月16日" in history
    assert "办理期限：2026年4月1日 → 2026年4月16日" in history


def test_a_deadline_too_far_ahead_is_refused_by_the_configured_horizon(
    world: World, settings: Any
) -> None:
    too_far = TODAY.replace(year=TODAY.year + 3) + DAY
    with pytest.raises(ValidationError) as caught:
        actions.create_task(
            world.committee, task_data(world, deadline=too_far), world.user("staff")
        )
    assert "最迟为交办日期后3年，即不晚于2029年3月2日" in caught.value.message_dict["deadline"][0]
    make_task(world, deadline=too_far - DAY)  # three years exactly: accepted
    settings.TRACKING_DEADLINE_HORIZON_YEARS = 1
    task = make_task(world, title="一年内")
    with pytest.raises(ValidationError) as caught:
        actions.change_deadline(
            task, deadline=TODAY.replace(year=TODAY.year + 2), reason="调整", by=world.user("staff")
        )
    assert "最迟为交办日期后1年" in caught.value.message_dict["deadline"][0]


def test_a_new_deadline_waits_for_a_pending_extension(world: World) -> None:
    task = make_task(world)
    secretary = world.user("unit0_secretary")
    actions.receive_task(task, secretary)
    actions.request_extension(
        task, requested_deadline=task.deadline + 10 * DAY, reason="需要时间", by=secretary
    )
    with pytest.raises(ValidationError) as caught:
        actions.change_deadline(
            task, deadline=task.deadline + 5 * DAY, reason="调整", by=world.user("staff")
        )
    assert "延期申请尚待审批" in caught.value.messages[0]
    page = _client(world, "staff").get(reverse("tracking:task_detail", args=[task.pk]))
    assert Step.CHANGE_DEADLINE not in page.context["access"].steps
