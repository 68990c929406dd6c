"""The demonstration committee's tasks (示例督办事项): last year's and this year's work plan.

``load_demo_tasks(committee)`` gives every active unit a few tasks per year, drawn from
the items of a typical organs party-building work plan (机关党建工作要点), each with its
history: the assignment, the signature, progress reports, reports of completion, returns
for redo and closures. Last year's are nearly all closed; this year's are in every state
and every colour of the wall chart (some overdue, some due within 7 days), relative to
the day it runs.

The rows are written with ``bulk_create`` rather than through ``heli.tracking.actions``:
about a thousand tasks with four or five steps each would take one locked read, one
update and one audit row per step (well over 20 000 statements), and several of the
supervising departments have no demonstration staff account entitled to take their
steps. The history written here is what the actions would have written (the same
transitions, in the order the workflow allows, with consistent statuses, dates and
progress), and one audit row records the load.

Deterministic: a seeded ``random.Random`` per unit and year. Idempotent: a task is
found by (committee, year, lead unit, title) and never created twice; a second run
writes nothing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from heli.accounts.models import Role, RoleAssignment, User
from heli.audit import events
from heli.audit.actions import record
from heli.lib import demo
from heli.org.models import Committee, Department, Unit
from heli.tracking import numbers
from heli.tracking.models import ProgressReport, Task, TaskTransition
from heli.tracking.workflow import Status, Step

SEED = 2026
TASKS_PER_UNIT = (3, 5)  # per year, inclusive

# (title, supervising department, basis): items of a typical yearly work plan.
WORK_ITEMS: tuple[tuple[str, str, str], ...] = (
    ("落实“第一议题”制度", "宣传部", "市直机关党建工作要点"),
    ("开展主题党日活动", "组织部", "市直机关党建工作要点"),
    ("机关党委按期换届", "组织部", "《中国共产党党和国家机关基层组织工作条例》"),
    ("党支部标准化规范化建设", "组织部", "市直机关党建工作要点"),
    ("落实党风廉政建设责任制", "机关纪工委", "全面从严治党主体责任清单"),
    ("开展青年理论学习小组学习", "统战群工部", "市直机关青年理论学习工作方案"),
    ("落实意识形态工作责任制", "宣传部", "意识形态工作责任制实施细则"),
    ("做好发展党员工作", "组织部", "年度发展党员工作计划"),
    ("开展党务干部轮训", "干部处", "市直机关党务干部培训计划"),
    ("创建让党中央放心、让人民群众满意的模范机关", "组织部", "模范机关创建工作方案"),
    ("完成机关党建调研课题", "研究室", "年度机关党建重点调研课题"),
    ("开展警示教育", "机关纪工委", "市直机关警示教育工作安排"),
    ("规范党费收缴、使用和管理", "组织部", "党费收缴使用管理规定"),
    ("推进文明单位创建", "宣传部", "首都文明单位创建标准"),
    ("加强离退休干部党支部建设", "老干部处", "离退休干部党建工作要点"),
    ("报送机关党建信息", "宣传部", "党建信息报送工作办法"),
    ("落实全面从严治党主体责任清单", "办公室", "全面从严治党主体责任清单"),
    ("指导机关工会、共青团、妇委会工作", "统战群工部", "群团工作要点"),
)

REPORT_TEXTS = (
    "已召开机关党委会议专题研究，制定工作方案，明确责任分工和时间节点。",
    "已向各党支部印发通知，组织开展动员部署。",
    "各党支部按计划推进，机关党委开展了一次督导检查。",
    "已完成阶段性工作，正在梳理总结，查找问题并整改。",
    "主体工作已完成，正在整理台账和佐证材料。",
)
DONE_TEXTS = (
    "各项工作已按要求完成，台账资料齐全，申请销号。",
    "已全部完成，整改问题已清零，申请销号。",
)
RETURN_REASONS = (
    "佐证材料不全，请补充会议记录和学习签到表后重新报送。",
    "部分党支部尚未完成，请督促全部完成后再报。",
    "总结过于笼统，请补充具体做法和成效数据。",
)
LONG_REASONS = (
    "涉及机构改革后党组织调整，需待上级批复，持续跟踪。",
    "需跨年度推进，纳入下一年度工作要点持续跟踪。",
)
CLOSE_REASONS = ("经核实已完成，同意销号。", "")

# This year's states and how often they come up.
THIS_YEAR_MIX: tuple[tuple[Status, int], ...] = (
    (Status.CLOSED, 34),
    (Status.ASSIGNED, 8),
    (Status.RECEIVED, 8),
    (Status.IN_PROGRESS, 28),
    (Status.REPORTED_DONE, 12),
    (Status.RETURNED, 10),
    (Status.LONG_RUNNING, 6),
)
LAST_YEAR_MIX: tuple[tuple[Status, int], ...] = (
    (Status.CLOSED, 88),
    (Status.LONG_RUNNING, 6),
    (Status.IN_PROGRESS, 4),
    (Status.REPORTED_DONE, 2),
)


@dataclass
class DemoTasksResult:
    """What a load created (zero everywhere on a second run)."""

    tasks: int = 0
    transitions: int = 0
    reports: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.tasks)


@dataclass
class _Plan:
    task: Task
    events: list[tuple[str, Any]]  # ("step", (step, from, to, by, reason)) | ("report", …)
    times: list[datetime.datetime]


def _pick(rng: random.Random, mix: Iterable[tuple[Status, int]]) -> Status:
    states, weights = zip(*mix, strict=True)
    picked: Status = rng.choices(states, weights=weights)[0]
    return picked


def _people(committee: Committee) -> tuple[dict[int, User], dict[int, User]]:
    """Each unit's secretary, who tells the unit's side of the story (signs, reports);
    each department's first staff member, who assigns, returns and closes."""
    units: dict[int, User] = {}
    departments: dict[int, User] = {}
    rows = (
        RoleAssignment.objects.filter(
            committee=committee,
            role__in=[Role.UNIT_SECRETARY, Role.COMMITTEE_STAFF],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    )
    for row in rows:
        if row.role == Role.COMMITTEE_STAFF and row.department_id is not None:
            departments.setdefault(row.department_id, row.user)
        elif row.role == Role.UNIT_SECRETARY and row.unit_id is not None:
            units.setdefault(row.unit_id, row.user)
    return units, departments


def _events(
    rng: random.Random, status: Status, secretary: User, supervisor: User
) -> list[tuple[str, Any]]:
    """The events that lead a new task to ``status``: ("step", …) and ("report", …)."""
    S = Status
    out: list[tuple[str, Any]] = []
    percent = 0

    def person() -> User:
        return secretary

    def step(step: Step, frm: Status, to: Status, by: User, reason: str = "") -> None:
        out.append(("step", (step, frm, to, by, reason)))

    def reports(count: int, upto: int) -> None:
        nonlocal percent
        for _ in range(count):
            percent = min(upto, percent + rng.choice((10, 20, 20, 30)))
            out.append(("report", (rng.choice(REPORT_TEXTS), percent, person())))

    step(Step.CREATE, S.ASSIGNED, S.ASSIGNED, supervisor)  # from "" (see _plan)
    if status == S.ASSIGNED:
        return out
    step(Step.RECEIVE, S.ASSIGNED, S.RECEIVED, person())
    if status == S.RECEIVED:
        return out
    step(Step.START, S.RECEIVED, S.IN_PROGRESS, person())
    reports(rng.randint(1, 3), 90)
    if status == S.IN_PROGRESS:
        return out
    if status == S.LONG_RUNNING:
        step(
            Step.KEEP_FOLLOWING, S.IN_PROGRESS, S.LONG_RUNNING, supervisor, rng.choice(LONG_REASONS)
        )
        reports(1, 90)
        return out
    redo = status == S.RETURNED or (status != S.REPORTED_DONE and rng.random() < 0.2)
    # Reported done with its summary, as the page asks for one.
    done = rng.choice(DONE_TEXTS)
    out.append(("report", (done, 100, person())))
    percent = 100
    step(Step.REPORT_DONE, S.IN_PROGRESS, S.REPORTED_DONE, person(), done)
    if redo:
        step(Step.RETURN, S.REPORTED_DONE, S.RETURNED, supervisor, rng.choice(RETURN_REASONS))
        if status == S.RETURNED:
            return out
        step(Step.START, S.RETURNED, S.IN_PROGRESS, person())
        done = rng.choice(DONE_TEXTS)
        out.append(("report", (done, 100, person())))
        step(Step.REPORT_DONE, S.IN_PROGRESS, S.REPORTED_DONE, person(), done)
    if status == S.REPORTED_DONE:
        return out
    step(Step.CLOSE, S.REPORTED_DONE, S.CLOSED, supervisor, rng.choice(CLOSE_REASONS))
    return out


def _moments(
    rng: random.Random, count: int, start: datetime.datetime, end: datetime.datetime
) -> list[datetime.datetime]:
    """``count`` increasing moments in office hours, from ``start`` (the first) to ``end``."""
    days = max((end.date() - start.date()).days, 0)
    moments = [start]
    for offset in sorted(rng.randint(0, days) for _ in range(count - 1)):
        day = start.date() + datetime.timedelta(days=offset)
        moment = datetime.datetime.combine(
            day, datetime.time(rng.randint(9, 17), rng.randint(0, 59)), tzinfo=start.tzinfo
        )
        moment = max(min(moment, end), moments[-1] + datetime.timedelta(minutes=7))
        moments.append(moment)
    return moments


def _dates(
    rng: random.Random, year: int, status: Status, today: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.date]:
    """(assigned on, deadline, last event no later than) for a task of ``year``."""
    first = datetime.date(year, 1, 4)
    last_assign = min(datetime.date(year, 10, 31), today - datetime.timedelta(days=2))
    if last_assign < first:
        first = last_assign = min(first, today)
    assigned = first + datetime.timedelta(days=rng.randint(0, (last_assign - first).days))
    if year < today.year:
        deadline = assigned + datetime.timedelta(days=rng.randint(30, 150))
        deadline = min(deadline, datetime.date(year, 12, 31))
        end = deadline + datetime.timedelta(days=rng.randint(-20, 10))
        if status != Status.CLOSED:
            end = today - datetime.timedelta(days=rng.randint(15, 60))
        return assigned, max(deadline, assigned), min(max(end, assigned), today)
    # This year: the colour follows the deadline, relative to today.
    colour = rng.choices(("overdue", "soon", "ok"), weights=(25, 20, 55))[0]
    if status in (Status.CLOSED, Status.LONG_RUNNING, Status.REPORTED_DONE):
        colour = rng.choice(("overdue", "ok", "ok"))
    if colour == "overdue" and assigned < today - datetime.timedelta(days=1):
        deadline = assigned + datetime.timedelta(days=rng.randint(1, (today - assigned).days - 1))
    elif colour == "soon":
        deadline = today + datetime.timedelta(days=rng.randint(0, 7))
    else:
        deadline = today + datetime.timedelta(days=rng.randint(8, 120))
    end = today - datetime.timedelta(days=rng.randint(0, 20))
    if status == Status.CLOSED:
        end = min(end, deadline + datetime.timedelta(days=rng.randint(-10, 5)))
    return assigned, deadline, min(max(end, assigned), today)


def load_demo_tasks(
    committee: Committee, *, today: datetime.date | None = None, seed: int = SEED
) -> DemoTasksResult:
    """Give every active unit of ``committee`` last year's and this year's tasks."""
    today = today or timezone.localdate()
    years = (today.year - 1, today.year)
    result = DemoTasksResult()
    with transaction.atomic():
        units = list(
            Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE).order_by(
                "sort_order", "id"
            )
        )
        departments = {d.name: d for d in Department.objects.filter(committee=committee)}
        unit_people, department_staff = _people(committee)
        leader = (
            User.objects.filter(
                role_assignments__committee=committee,
                role_assignments__role=Role.COMMITTEE_LEADER,
                is_active=True,
            )
            .order_by("id")
            .first()
        )
        if leader is None or not departments:
            return result
        existing = set(
            Task.objects.filter(committee=committee, year__in=years).values_list(
                "year", "lead_unit_id", "title"
            )
        )
        now = timezone.now()
        tz = timezone.get_current_timezone()
        plans: list[_Plan] = []
        for year in years:
            mix = LAST_YEAR_MIX if year < today.year else THIS_YEAR_MIX
            for unit in units:
                secretary = unit_people.get(unit.pk)
                if secretary is None:
                    continue
                rng = random.Random(f"{seed}:{committee.code}:{year}:{unit.name}")  # noqa: S311
                count = rng.randint(*TASKS_PER_UNIT)
                items = [i for i in rng.sample(WORK_ITEMS, count) if i[1] in departments]
                for title, department_name, basis in items:
                    status = _pick(rng, mix)
                    assigned, deadline, end_day = _dates(rng, year, status, today)
                    department = departments[department_name]
                    supervisor = department_staff.get(department.pk, leader)
                    # Drawn before the check, so a partial load continues the same story.
                    evts = _events(rng, status, secretary, supervisor)
                    start = datetime.datetime.combine(assigned, datetime.time(9, 0), tzinfo=tz)
                    end = min(
                        datetime.datetime.combine(end_day, datetime.time(17, 30), tzinfo=tz),
                        now - datetime.timedelta(minutes=1),
                    )
                    times = _moments(rng, len(evts), start, end)
                    priority = rng.choices(
                        [Task.Priority.HIGH, Task.Priority.NORMAL, Task.Priority.LOW],
                        weights=(2, 7, 1),
                    )[0]
                    if (year, unit.pk, title) in existing:
                        continue
                    reports = [e[1] for e in evts if e[0] == "report"]
                    last_percent = reports[-1][1] if reports else None
                    closed_at = times[-1] if status == Status.CLOSED else None
                    task = Task(
                        committee=committee,
                        year=year,
                        title=title,
                        basis=f"{year}年{basis}" if "《" not in basis else basis,
                        description=f"按照{year}年市直机关党建工作要点，{title}，按时反馈办理情况。",
                        lead_unit=unit,
                        department=department,
                        assigned_at=assigned,
                        deadline=deadline,
                        priority=priority,
                        status=status,
                        progress=last_percent,
                        created_by=supervisor,
                        created_at=times[0],
                        closed_at=closed_at,
                        closed_by=supervisor if closed_at else None,
                        version=sum(1 for e in evts if e[0] == "step"),
                    )
                    plans.append(_Plan(task, evts, times))
        if not plans:
            return result
        Task.objects.bulk_create([p.task for p in plans], batch_size=500)
        numbers.number_unnumbered(committee.pk)  # in the order they were created
        transitions: list[TaskTransition] = []
        progress: list[ProgressReport] = []
        for plan in plans:
            task = plan.task
            for (kind, item), at in zip(plan.events, plan.times, strict=True):
                if kind == "report":
                    text, percent, by = item
                    progress.append(
                        ProgressReport(
                            committee=committee,
                            task=task,
                            reported_at=at,
                            text=text,
                            percent=percent,
                            by=by,
                        )
                    )
                    continue
                step, frm, to, by, reason = item
                transitions.append(
                    TaskTransition(
                        committee=committee,
                        task=task,
                        step=step,
                        from_status="" if step == Step.CREATE else frm,
                        to_status=to,
                        by=by,
                        at=at,
                        reason=reason,
                    )
                )
            result.by_status[task.status] = result.by_status.get(task.status, 0) + 1
        TaskTransition.objects.bulk_create(transitions, batch_size=1000)
        ProgressReport.objects.bulk_create(progress, batch_size=1000)
        result.tasks = len(plans)
        result.transitions = len(transitions)
        result.reports = len(progress)
        record(
            events.IMPORT,
            committee=committee,
            object_type="tracking.task",
            object_repr="示例督办事项",
            detail={
                "demo": True,
                "years": list(years),
                "tasks": result.tasks,
                "transitions": result.transitions,
                "reports": result.reports,
            },
        )
    return result


def _load(run: demo.DemoRun) -> None:
    tasks = load_demo_tasks(run.committee)
    run.created["task"] += tasks.tasks
    run.created["task_step"] += tasks.transitions
    run.created["task_report"] += tasks.reports


def register() -> None:
    demo.DEMO_LOADERS.register(
        demo.DemoLoader(
            "tracking",
            _load,
            after=("org",),
            labels={"task": "督办事项", "task_step": "督办事项办理记录", "task_report": "进展反馈"},
        )
    )
