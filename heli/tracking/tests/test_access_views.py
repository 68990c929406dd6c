"""Who may do what to a task, over HTTP: every person of the world × every task endpoint.

Someone who may not see a task gets 404 — never 403 — from its page, its edit page,
every step, the progress report, the extension request and decision and the new
deadline, and nothing changes. Someone who sees the task but may not take the step is
refused on the task's page (the form as sent, with the message), and nothing changes;
then the person whose step it is takes it, so that a refusal is never just a broken
endpoint.
"""

from __future__ import annotations

import datetime
from collections import deque
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.messages import constants, get_messages
from django.forms import Form
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from heli.testing import WORLD_USERS, World
from heli.tracking import actions, workflow
from heli.tracking.models import ExtensionRequest, ProgressReport, Task, TaskTransition
from heli.tracking.tests.helpers import make_task
from heli.tracking.workflow import Actor, Status, Step

pytestmark = pytest.mark.django_db

# The tasks below are led by units[0], with units[1] cooperating, supervised by the
# department of ``staff``.
VIEWERS = ("leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff")
# Another unit's people, the three administrators, another committee's leader, no role.
HIDDEN = ("unit2_secretary", "unit2_staff", "sysadmin", "secadmin", "auditor", "outsider", "nobody")
EDITORS = ("leader", "staff")
ACTORS = {
    Actor.LEAD_UNIT: ("unit0_secretary", "unit0_staff"),
    Actor.SUPERVISOR: ("staff",),
    Actor.ASSIGNER: ("staff", "leader"),
}
# The steps that move a task along, each with its own endpoint.
STATUS_STEPS = tuple(dict.fromkeys(step for (_state, step) in workflow.TRANSITIONS))


def test_the_people_split_into_those_who_see_the_tasks_and_those_who_do_not() -> None:
    assert sorted(VIEWERS + HIDDEN) == sorted(WORLD_USERS)
    assert set(STATUS_STEPS) == set(Step) - {
        Step.CREATE,
        Step.REQUEST_EXTENSION,
        Step.APPROVE_EXTENSION,
        Step.REFUSE_EXTENSION,
        Step.CHANGE_DEADLINE,
    }


def _path_to(target: Status) -> list[Step]:
    """The shortest run of steps from a new task to ``target``."""
    queue: deque[tuple[Status, list[Step]]] = deque([(Status.ASSIGNED, [])])
    seen = {Status.ASSIGNED}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for (origin, step), to in workflow.TRANSITIONS.items():
            if origin == state and to not in seen:
                seen.add(to)
                queue.append((to, [*path, step]))
    raise AssertionError(f"{target} cannot be reached")


def _actor(world: World, step: Step) -> Any:
    return world.user(ACTORS[workflow.ACTORS[step]][0])


def _task_at(world: World, status: Status, title: str) -> Task:
    task = make_task(world, title=title)
    for step in _path_to(status):
        actions.take_step(task, step, _actor(world, step), reason="推进到所需状态")
    task.refresh_from_db()
    assert task.status == status
    return task


@dataclass(frozen=True)
class Endpoint:
    """One request on one task; ``allowed`` may make it, other viewers are refused."""

    id: str
    method: str
    task: Task
    url: str
    data: dict[str, Any]
    allowed: tuple[str, ...]


def _edit_data(task: Task) -> dict[str, Any]:
    return {
        "version": task.version,
        "title": f"{task.title}(已修改)",
        "description": "",
        "basis": task.basis,
        "lead_unit": task.lead_unit_id,
        "cooperating_units": [c.unit_id for c in task.cooperations.all()],
        "department": task.department_id,
        "assigned_at": task.assigned_at.isoformat(),
        "deadline": task.deadline.isoformat(),
        "priority": task.priority,
    }


def endpoints(world: World) -> list[Endpoint]:
    """Every endpoint of a task, each on a task in a state where its step is possible."""
    found = []
    for step in STATUS_STEPS:
        origin = next(state for (state, s) in workflow.TRANSITIONS if s == step)
        task = _task_at(world, origin, f"待{step.value}事项")
        found.append(
            Endpoint(
                f"step_{step.value}",
                "post",
                task,
                reverse("tracking:task_step", args=[task.pk, step.value]),
                {"reason": "理由", "version": task.version, "confirm": "on"},
                ACTORS[workflow.ACTORS[step]],
            )
        )
    working = _task_at(world, Status.IN_PROGRESS, "办理中事项")
    found.append(
        Endpoint(
            "report",
            "post",
            working,
            reverse("tracking:task_report", args=[working.pk]),
            {"text": "已召开专题会议", "percent": "40"},
            ACTORS[Actor.LEAD_UNIT],
        )
    )
    asking = _task_at(world, Status.RECEIVED, "需延期事项")
    later = asking.deadline + datetime.timedelta(days=30)
    found.append(
        Endpoint(
            "extension_request",
            "post",
            asking,
            reverse("tracking:extension_request", args=[asking.pk]),
            {"requested_deadline": later.isoformat(), "reason": "工作量大"},
            ACTORS[Actor.LEAD_UNIT],
        )
    )
    for decision in ("approve", "refuse"):
        waiting = _task_at(world, Status.IN_PROGRESS, f"待{decision}延期事项")
        extension = actions.request_extension(
            waiting,
            requested_deadline=waiting.deadline + datetime.timedelta(days=30),
            reason="工作量大",
            by=world.user("unit0_secretary"),
        )
        found.append(
            Endpoint(
                f"extension_{decision}",
                "post",
                waiting,
                reverse("tracking:extension_decide", args=[waiting.pk, extension.pk]),
                {"decision": decision, "reason": "同意" if decision == "approve" else "理由不足"},
                ACTORS[Actor.SUPERVISOR],
            )
        )
    moved = _task_at(world, Status.IN_PROGRESS, "需改期限事项")
    found.append(
        Endpoint(
            "deadline",
            "post",
            moved,
            reverse("tracking:deadline_change", args=[moved.pk]),
            {
                "deadline": (moved.deadline + datetime.timedelta(days=20)).isoformat(),
                "reason": "上级部署调整",
                "version": moved.version,
            },
            ACTORS[Actor.SUPERVISOR],
        )
    )
    edited = make_task(world, title="待修改事项")
    edit_url = reverse("tracking:task_edit", args=[edited.pk])
    found += [
        Endpoint("edit", "post", edited, edit_url, _edit_data(edited), EDITORS),
        Endpoint("edit_page", "get", edited, edit_url, {}, EDITORS),
        Endpoint(
            "task_page",
            "get",
            edited,
            reverse("tracking:task_detail", args=[edited.pk]),
            {},
            VIEWERS,
        ),
    ]
    return found


ENDPOINT_IDS = (
    *(f"step_{step.value}" for step in STATUS_STEPS),
    "report",
    "extension_request",
    "extension_approve",
    "extension_refuse",
    "deadline",
    "edit",
    "edit_page",
    "task_page",
)


def snapshot(world: World) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a task endpoint could change, for all tasks."""
    return {
        "tasks": list(
            Task.objects.order_by("pk").values_list(
                "pk", "status", "version", "title", "deadline", "progress", "closed_at"
            )
        ),
        "transitions": list(TaskTransition.objects.order_by("pk").values_list("pk", "step")),
        "reports": list(ProgressReport.objects.order_by("pk").values_list("pk", "text")),
        "extensions": list(
            ExtensionRequest.objects.order_by("pk").values_list("pk", "status", "decided_at")
        ),
    }


def send(world: World, who: str, endpoint: Endpoint) -> HttpResponse:
    client = Client()
    client.force_login(world.user(who))
    response: HttpResponse = getattr(client, endpoint.method)(endpoint.url, endpoint.data)
    return response


def errors_of(response: HttpResponse) -> list[str]:
    """The refusals a response shows: on the task's page sent back with the form (next
    to its fields, or at the top when the form is not offered), or as messages."""
    request = response.wsgi_request  # type: ignore[attr-defined]
    found = [str(m) for m in get_messages(request) if m.level == constants.ERROR]
    context = getattr(response, "context", None)
    if context is None:
        return found
    forms: list[Form] = [form for form, _text in context.get("refusals") or []]
    forms += [item.form for item in context.get("panel") or []]
    for form in forms:
        found += [str(e) for errors in form.errors.values() for e in errors]
    return found


# --- Negative cases ------------------------------------------------------------------


@pytest.mark.parametrize("who", HIDDEN)
def test_who_may_not_see_a_task_gets_404_from_every_endpoint_and_changes_nothing(
    world: World, who: str
) -> None:
    found = endpoints(world)
    assert tuple(e.id for e in found) == ENDPOINT_IDS
    before = snapshot(world)
    got = {e.id: send(world, who, e).status_code for e in found}
    assert got == dict.fromkeys(ENDPOINT_IDS, 404)
    assert snapshot(world) == before


@pytest.mark.parametrize("endpoint_id", ENDPOINT_IDS)
def test_who_sees_a_task_but_may_not_act_is_refused_then_the_right_person_acts(
    world: World, endpoint_id: str
) -> None:
    endpoint = next(e for e in endpoints(world) if e.id == endpoint_id)
    detail = reverse("tracking:task_detail", args=[endpoint.task.pk])
    before = snapshot(world)
    for who in VIEWERS:
        if who in endpoint.allowed:
            continue
        response = send(world, who, endpoint)
        if endpoint.method == "get" or endpoint.id == "edit":
            # Pages and the edit form of a visible task: 404 to those who may not change it.
            assert response.status_code == 404, who
        else:
            # The task's page again, with the refusal: nothing typed is lost.
            assert response.status_code == 200, who
            templates = [t.name for t in getattr(response, "templates", [])]
            assert templates[0] == "tracking/task_detail.html", who
            assert errors_of(response), who
        assert snapshot(world) == before, who
    # The person whose step it is: the endpoint works.
    response = send(world, endpoint.allowed[0], endpoint)
    if endpoint.method == "get":
        assert response.status_code == 200
        return
    assert response.status_code == 302 and response["Location"] == detail
    assert errors_of(response) == []
    after = snapshot(world)
    assert after != before
    task = Task.objects.get(pk=endpoint.task.pk)
    if endpoint.id.startswith("step_"):
        step = Step(endpoint.id.removeprefix("step_"))
        assert task.status == workflow.next_status(endpoint.task.status, step)
    elif endpoint.id == "report":
        assert task.reports.get().text == "已召开专题会议"
    elif endpoint.id == "extension_request":
        assert task.extensions.get().status == ExtensionRequest.Decision.PENDING
    elif endpoint.id == "deadline":
        assert task.deadline.isoformat() == endpoint.data["deadline"]
        changed = task.transitions.get(step=Step.CHANGE_DEADLINE)
        assert (changed.deadline_before, changed.deadline_after) == (
            endpoint.task.deadline,
            task.deadline,
        )
        assert changed.reason == "上级部署调整"
    elif endpoint.id.startswith("extension_"):
        decided = task.extensions.get().status
        assert decided == (
            ExtensionRequest.Decision.APPROVED
            if endpoint.id == "extension_approve"
            else ExtensionRequest.Decision.REFUSED
        )
    else:
        assert task.title == endpoint.data["title"]


def test_a_lead_units_group_rights_do_not_open_another_units_task(world: World) -> None:
    # units[0] leads group 1 this year, which holds units[1]; units[1]'s task stays hidden
    # from units[0]'s people and from units[2]'s, however they ask.
    task = make_task(world, lead_unit=world.units[1], cooperating_units=[])
    extension = ExtensionRequest.objects.create(
        committee=world.committee,
        task=task,
        current_deadline=task.deadline,
        requested_deadline=task.deadline + datetime.timedelta(days=10),
        reason="工作量大",
        requested_by=world.user("staff"),
    )
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("get", reverse("tracking:task_detail", args=[task.pk]), {}),
        ("get", reverse("tracking:task_edit", args=[task.pk]), {}),
        ("post", reverse("tracking:task_edit", args=[task.pk]), _edit_data(task)),
        *(
            ("post", reverse("tracking:task_step", args=[task.pk, step.value]), {"reason": "理由"})
            for step in STATUS_STEPS
        ),
        ("post", reverse("tracking:task_report", args=[task.pk]), {"text": "进展", "percent": "1"}),
        (
            "post",
            reverse("tracking:deadline_change", args=[task.pk]),
            {"deadline": "2026-12-31", "reason": "调整"},
        ),
        (
            "post",
            reverse("tracking:extension_request", args=[task.pk]),
            {"requested_deadline": "2030-01-01", "reason": "工作量大"},
        ),
        (
            "post",
            reverse("tracking:extension_decide", args=[task.pk, extension.pk]),
            {"decision": "approve"},
        ),
    ]
    before = snapshot(world)
    for who in ("unit0_leadership", "unit0_secretary", "unit0_staff", "unit2_secretary"):
        client = Client()
        client.force_login(world.user(who))
        for method, url, data in requests:
            response: HttpResponse = getattr(client, method)(url, data)
            assert response.status_code == 404, (who, method, url)
    assert snapshot(world) == before


def test_an_extension_of_another_task_is_not_decided_through_this_one(world: World) -> None:
    mine = _task_at(world, Status.IN_PROGRESS, "本事项")
    other = _task_at(world, Status.IN_PROGRESS, "另一事项")
    extension = actions.request_extension(
        other,
        requested_deadline=other.deadline + datetime.timedelta(days=30),
        reason="工作量大",
        by=world.user("unit0_secretary"),
    )
    before = snapshot(world)
    response = send(
        world,
        "staff",
        Endpoint(
            "crossed",
            "post",
            mine,
            reverse("tracking:extension_decide", args=[mine.pk, extension.pk]),
            {"decision": "approve"},
            (),
        ),
    )
    assert response.status_code == 404
    assert snapshot(world) == before
