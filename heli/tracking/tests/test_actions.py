"""Task actions: the happy path with its history, each refusal in Chinese changing nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from heli.audit.models import AuditEvent
from heli.testing import World
from heli.tracking import actions, sources
from heli.tracking.models import ExtensionRequest, ProgressReport, Task, TaskTransition
from heli.tracking.tests.helpers import TODAY, make_task, task_data
from heli.tracking.workflow import Status, Step

pytestmark = pytest.mark.django_db


def _snapshot(task: Task) -> tuple:
    fresh = Task.objects.get(pk=task.pk)
    return (
        fresh.status,
        fresh.progress,
        fresh.version,
        fresh.deadline,
        fresh.title,
        TaskTransition.objects.filter(task=task).count(),
        ProgressReport.objects.filter(task=task).count(),
        ExtensionRequest.objects.filter(task=task).count(),
    )


def _refused(task: Task, call, message: str) -> None:
    before = _snapshot(task)
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        call()
    assert any(message in m for m in caught.value.messages), caught.value.messages
    assert _snapshot(task) == before
    assert AuditEvent.objects.count() == audit_rows


def test_happy_path_is_recorded_step_by_step(world: World) -> None:
    secretary, staff = world.user("unit0_secretary"), world.user("staff")
    task = make_task(world)
    actions.receive_task(task, secretary)
    actions.report_progress(task, text="已召开专题会部署", percent=50, by=secretary)
    assert task.status == Status.IN_PROGRESS and task.progress == 50
    actions.report_done(task, secretary, "已全部完成，请核实。")
    actions.return_for_redo(task, staff, "缺少整改台账")
    assert task.status == Status.RETURNED
    actions.report_progress(task, text="已补充整改台账", percent=100, by=secretary)
    actions.report_done(task, secretary, "已全部完成，请核实。")
    actions.close_task(task, staff)
    assert task.status == Status.CLOSED and task.closed_by == staff and task.closed_at
    history = list(task.transitions.values_list("step", "from_status", "to_status", "by__username"))
    assert history == [
        (Step.CREATE, "", Status.ASSIGNED, "staff"),
        (Step.RECEIVE, Status.ASSIGNED, Status.RECEIVED, "unit0_secretary"),
        (Step.START, Status.RECEIVED, Status.IN_PROGRESS, "unit0_secretary"),
        (Step.REPORT_DONE, Status.IN_PROGRESS, Status.REPORTED_DONE, "unit0_secretary"),
        (Step.RETURN, Status.REPORTED_DONE, Status.RETURNED, "staff"),
        # The report after the return moved the work on: no "start" is left to take.
        (Step.START, Status.RETURNED, Status.IN_PROGRESS, "unit0_secretary"),
        (Step.REPORT_DONE, Status.IN_PROGRESS, Status.REPORTED_DONE, "unit0_secretary"),
        (Step.CLOSE, Status.REPORTED_DONE, Status.CLOSED, "staff"),
    ]
    assert task.transitions.get(step=Step.RETURN).reason == "缺少整改台账"
    task_rows = AuditEvent.objects.filter(object_type="tracking.task", object_id=str(task.pk))
    assert task_rows.count() == 6  # assigned, then five steps; reports are audited as reports
    assert AuditEvent.objects.filter(object_type="tracking.progressreport").count() == 2


def test_step_not_allowed_from_current_state_is_refused(world: World) -> None:
    task = make_task(world)
    _refused(
        task,
        lambda: actions.report_done(task, world.user("unit0_secretary"), "已全部完成，请核实。"),
        "当前状态为“已交办”",
    )


def test_closing_by_someone_not_of_the_supervising_department_is_refused(world: World) -> None:
    secretary = world.user("unit0_secretary")
    task = make_task(world)
    actions.receive_task(task, secretary)
    actions.report_done(task, secretary, "已全部完成，请核实。")
    for outsider in ("office", "leader", "unit0_secretary"):
        user = world.user(outsider)
        _refused(
            task,
            lambda user=user: actions.close_task(task, user),
            "只有督办处室（宣传部）的工作人员",
        )


def test_progress_of_120_percent_is_refused(world: World) -> None:
    secretary = world.user("unit0_secretary")
    task = make_task(world)
    actions.receive_task(task, secretary)
    _refused(
        task,
        lambda: actions.report_progress(task, text="超额完成", percent=120, by=secretary),
        "进度应为0到100之间的整数",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Task.objects.filter(pk=task.pk).update(progress=120)


def test_deadline_before_assignment_date_is_refused(world: World) -> None:
    count = Task.objects.count()
    with pytest.raises(ValidationError) as caught:
        actions.create_task(
            world.committee,
            task_data(world, deadline=TODAY - datetime.timedelta(days=1)),
            world.user("staff"),
        )
    assert "办理期限不能早于交办日期（2026-03-02）" in caught.value.message_dict["deadline"][0]
    assert Task.objects.count() == count
    task = make_task(world)
    _refused(
        task,
        lambda: actions.update_task(
            task,
            task.version,
            {"assigned_at": task.deadline + datetime.timedelta(days=5)},
            world.user("staff"),
        ),
        "办理期限不能早于交办日期",
    )


def test_third_level_of_nesting_is_refused(world: World) -> None:
    parent = make_task(world)
    child = make_task(world, title="子事项", parent=parent)
    assert child.level == 2
    count = Task.objects.count()
    with pytest.raises(ValidationError) as caught:
        make_task(world, title="孙事项", parent=child)
    assert "事项最多分两级" in caught.value.message_dict["parent"][0]
    assert Task.objects.count() == count
    _refused(
        parent,
        lambda: actions.update_task(parent, parent.version, {"parent": child}, world.user("staff")),
        "不能再作为子事项",
    )


def test_editing_a_closed_task_is_refused(world: World) -> None:
    secretary, staff = world.user("unit0_secretary"), world.user("staff")
    task = make_task(world)
    actions.receive_task(task, secretary)
    actions.report_done(task, secretary, "已全部完成，请核实。")
    actions.close_task(task, staff)
    for call in (
        lambda: actions.update_task(task, task.version, {"title": "改名"}, staff),
        lambda: actions.update_task(task, task.version, {"title": "改名"}, world.user("leader")),
        lambda: actions.report_progress(task, text="补充", percent=10, by=secretary),
        lambda: actions.return_for_redo(task, staff, "重新办理"),
    ):
        _refused(task, call, "已销号的事项不能修改")


def test_return_needs_a_reason(world: World) -> None:
    secretary = world.user("unit0_secretary")
    task = make_task(world)
    actions.receive_task(task, secretary)
    actions.report_done(task, secretary, "已全部完成，请核实。")
    _refused(
        task,
        lambda: actions.return_for_redo(task, world.user("staff"), "  "),
        "请填写退回重办的理由",
    )


def test_long_running_and_back(world: World) -> None:
    secretary, staff = world.user("unit0_secretary"), world.user("staff")
    task = make_task(world)
    actions.receive_task(task, secretary)
    _refused(task, lambda: actions.mark_long_running(task, staff, ""), "请说明暂时无法解决的原因")
    actions.mark_long_running(task, staff, "涉及机构改革,需持续跟踪")
    assert task.status == Status.LONG_RUNNING
    actions.report_done(task, secretary, "已全部完成，请核实。")
    actions.close_task(task, staff)
    assert task.status == Status.CLOSED


def test_extension_approved_moves_the_deadline_and_refusal_needs_a_reason(world: World) -> None:
    secretary, staff = world.user("unit0_secretary"), world.user("staff")
    task = make_task(world)
    actions.receive_task(task, secretary)
    _refused(
        task,
        lambda: actions.request_extension(
            task, requested_deadline=task.deadline, reason="人手不足", by=secretary
        ),
        "申请的新期限应晚于当前期限",
    )
    new = task.deadline + datetime.timedelta(days=15)
    extension = actions.request_extension(
        task, requested_deadline=new, reason="人手不足", by=secretary
    )
    with pytest.raises(ValidationError) as caught:
        actions.decide_extension(extension, approve=False, by=staff)
    assert "请填写不同意的理由" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        actions.decide_extension(extension, approve=True, by=secretary)
    actions.decide_extension(extension, approve=True, by=staff)
    task.refresh_from_db()
    assert task.deadline == new
    assert extension.status == ExtensionRequest.Decision.APPROVED
    assert list(task.transitions.values_list("step", flat=True))[-2:] == [
        Step.REQUEST_EXTENSION,
        Step.APPROVE_EXTENSION,
    ]


def test_parent_progress_is_the_weighted_average_of_children_that_reported(world: World) -> None:
    secretary = world.user("unit0_secretary")
    parent = make_task(world)
    a = make_task(world, title="子事项甲", parent=parent, weight=3)
    b = make_task(world, title="子事项乙", parent=parent)  # weighs 1
    c = make_task(world, title="子事项丙", parent=parent, weight=5)  # never reports a percent
    for child in (a, b, c):
        actions.receive_task(child, secretary)
    actions.report_progress(a, text="过半", percent=80, by=secretary)
    parent.refresh_from_db()
    assert parent.progress == 80  # c, without a percentage, does not drag it down
    actions.report_progress(b, text="起步", percent=40, by=secretary)
    actions.report_progress(c, text="仅文字说明", by=secretary)
    parent.refresh_from_db()
    assert parent.progress == 70  # (80*3 + 40*1) / 4


def test_parent_progress_unweighted() -> None:
    assert actions.parent_progress([(10, None), (50, None), (None, None)]) == 30
    assert actions.parent_progress([(None, 2)]) is None
    assert actions.parent_progress([(100, 1), (0, 3)]) == 25


def test_create_task_from_a_registered_source_links_back(world: World) -> None:
    source = world.units[2]  # a stand-in for a contact or a meeting decision
    contact = sources.TaskSource(
        "contact",
        "沟通联系",
        model="org.unit",
        describe=lambda unit: f"与{unit.name}的沟通联系",
        url=lambda unit: f"/org/units/{unit.pk}/",
    )
    with sources.SOURCES.adding(contact):
        task = actions.create_task_from(
            source,
            title="反馈沟通联系中提出的问题",
            lead_unit=world.units[2],
            department=world.department,
            deadline=timezone.localdate() + datetime.timedelta(days=60),
            by=world.user("staff"),
        )
    assert (task.source_type, task.source_id, task.source_label, task.source_url) == (
        "org.unit",
        source.pk,
        f"与{source.name}的沟通联系",
        f"/org/units/{source.pk}/",
    )
    assert task.source_kind == "contact"
    assert list(actions.tasks_from(source)) == [task]
    # Without a source registered for the record's kind, no task is made.
    with pytest.raises(ValueError, match="no task source"):
        actions.create_task_from(
            source,
            title="无来源类型",
            lead_unit=world.units[2],
            department=world.department,
            deadline=timezone.localdate() + datetime.timedelta(days=60),
            by=world.user("staff"),
        )
    assert actions.tasks_from(source).count() == 1


def test_only_leaders_and_the_departments_staff_assign(world: World) -> None:
    with pytest.raises(ValidationError):
        actions.create_task(world.committee, task_data(world), world.user("unit0_secretary"))
    with pytest.raises(ValidationError):
        actions.create_task(world.committee, task_data(world), world.user("office"))
    actions.create_task(world.committee, task_data(world), world.user("leader"))


def test_a_source_may_let_its_own_people_make_tasks_from_its_record(world: World) -> None:
    """A lead unit's secretary records a meeting's decisions: the source vouches for them,
    for its own records only and never for an administrator."""
    record = world.units[0]
    vouching = sources.TaskSource(
        "vouching",
        "议定事项",
        model="org.unit",
        may_create=lambda user, unit: (
            user.username in ("unit0_secretary", "sysadmin") and unit.pk == world.units[0].pk
        ),
    )

    def make(by: str, source: Any = record) -> Task:
        return actions.create_task_from(
            source,
            title="落实联席会议定事项",
            lead_unit=world.units[1],
            department=world.department,
            deadline=timezone.localdate() + datetime.timedelta(days=60),
            by=world.user(by),
        )

    with sources.SOURCES.adding(vouching):
        task = make("unit0_secretary")
        assert task.department == world.department and task.source_kind == "vouching"
        for refused, source in (("unit2_secretary", record), ("unit0_secretary", world.units[1])):
            with pytest.raises(ValidationError):
                make(refused, source)
        with pytest.raises(ValidationError):
            make("sysadmin")
    # The manual path is unchanged: a unit's secretary assigns nothing by hand.
    with pytest.raises(ValidationError):
        actions.create_task(world.committee, task_data(world), world.user("unit0_secretary"))
    assert actions.tasks_from(record).count() == 1
