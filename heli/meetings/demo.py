"""The demonstration committee's joint meetings (示例联席会): last year's and this year's.

``load_demo_meetings(committee)`` writes a year and a half of the joint meeting system,
relative to the day it runs:

* last year every group met twice (spring and autumn), hosted by that year's lead units
  in turn: plan, notice, replies, sign-in (mostly present, some substitutes and leave),
  minutes with an outcome for every topic (one topic not reached and carried over to the
  group's next meeting), decisions numbered per group and year, and a few meetings shared
  with all groups;
* this year the groups stand at different points: one has met and sends the notice of its
  next meeting in a few days (replies mixed), one has just met and awaits its minutes,
  several have met once and planned their second meeting, and some are behind — one
  meeting held and nothing planned, or none at all — so the compliance view shows amber;
* the office's topic queue holds topics in every state: proposed by departments, by lead
  units and from a liaison contact; accepted; merged; returned with a reason.

Decisions are numbered through the group's year counter (:func:`heli.meetings.decisions.allot`)
in the order the meetings were held, and each becomes a task on the battle map through
the task-source protocol (:func:`heli.tracking.actions.create_task_from`, source
``meetings``), assigned on the meeting's day by the supervising department; last year's
tasks are then carried by the battle map's own steps (signed for, reported on, closed or
kept following), as their units and departments would have. Meetings, agendas and
attendance are written directly, with the dates they happened on (the meeting actions
stamp the present moment and tell people). One audit row records the load.

Deterministic (a seeded ``random.Random`` per group and year) and idempotent: a meeting is
found by (committee, group, year, meeting of the year) and a topic by (committee, year,
group, title); what exists is never written again.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from heli.accounts.models import Role, RoleAssignment, User
from heli.audit import events
from heli.audit.actions import record
from heli.lib import demo
from heli.lib.dates import format_date
from heli.meetings import decisions
from heli.meetings import demo_data as data
from heli.meetings import sources as meeting_sources
from heli.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionUnit,
    JointMeeting,
    Topic,
)
from heli.org.demo_data import DEMO_UNIT
from heli.org.models import (
    Committee,
    Department,
    GroupMembership,
    GroupYear,
    OrganPartyOrg,
    Unit,
)
from heli.tracking import actions as task_actions
from heli.tracking.demo import CLOSE_REASONS, DONE_TEXTS, LONG_REASONS, REPORT_TEXTS
from heli.tracking.models import Task
from heli.tracking.workflow import Status as TaskStatus

SEED = 2026
M = JointMeeting.Status
T = Topic.Status
OUT = AgendaItem.Outcome
R = Attendance.Reply
P = Attendance.Presence

LABELS = {
    "meeting_topic": "联席会议题",
    "joint_meeting": "联席会",
    "meeting_seat": "联席会参会记录",
    "meeting_decision": "联席会议定事项",
    "meeting_task": "议定事项转办的督办事项",
}

# This year's story of each group, in order of group number; the demonstration unit's
# group (it leads this year) takes the first, so its secretary has a notice to answer.
NOTICED_SOON = "noticed_soon"  # met once; the second meeting's notice is out, replies mixed
HELD_AWAITING = "held_awaiting"  # met a few days ago; the minutes are not approved yet
MET_AND_PLANNED = "met_and_planned"  # met once, shared it; the second meeting is planned
MET_AND_APPROVED = "met_and_approved"  # met once; the second meeting's plan is approved
MET_ONCE = "met_once"  # met once and nothing planned: behind
NOTHING = "nothing"  # no meeting yet: behind
TWO_AHEAD = "two_ahead"  # both meetings still ahead, one plan approved
STORIES = (
    NOTICED_SOON,
    HELD_AWAITING,
    MET_AND_PLANNED,
    MET_AND_APPROVED,
    MET_ONCE,
    NOTHING,
    TWO_AHEAD,
    MET_AND_PLANNED,
)
# How the units answer a notice that is out, seat by seat, round and round.
NOTICE_REPLIES = (
    R.ATTENDING,
    R.PENDING,
    R.ATTENDING,
    R.SUBSTITUTE,
    R.ATTENDING,
    R.PENDING,
    R.LEAVE,
    R.ATTENDING,
    R.ATTENDING,
    R.PENDING,
)
# Last year's meetings shared with all groups: (group position, meeting of the year).
SHARED_LAST_YEAR = ((0, 2), (2, 2), (5, 1))
# Last year's group (by position) whose first meeting did not reach its last topic.
CARRIED_GROUP = 1
# How last year's decision tasks stand now, and how often.
LAST_YEAR_TASKS: tuple[tuple[str, int], ...] = (
    (TaskStatus.CLOSED, 70),
    (TaskStatus.LONG_RUNNING, 20),
    (TaskStatus.IN_PROGRESS, 10),
)


@dataclass
class DemoMeetingsResult:
    """What a load created (zero everywhere on a second run)."""

    created: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created)


@dataclass
class _Group:
    gy: GroupYear
    members: list[Unit]
    leads: list[Unit]


@dataclass
class _World:
    committee: Committee
    today: datetime.date
    now: datetime.datetime
    tz: Any
    office: User
    leader: User
    departments: dict[str, Department]
    department_staff: dict[int, User]
    secretaries: dict[int, User]
    unit_staff: dict[int, User]
    groups: dict[int, list[_Group]]  # per year, by group number
    existing_meetings: set[tuple[int, int, int]]  # (group id, year, sequence)
    topics: dict[tuple[int, int | None, str], Topic]  # (year, group id, title)
    result: DemoMeetingsResult


def _rng(seed: str) -> random.Random:
    """The same draws on every load (for the demonstration, not for security)."""
    return random.Random(seed)  # noqa: S311


def _order(unit: Unit) -> tuple[int, int]:
    return unit.sort_order, unit.pk


def _gather(committee: Committee, today: datetime.date, years: tuple[int, ...]) -> _World | None:
    office = (
        User.objects.filter(
            role_assignments__committee=committee,
            role_assignments__role=Role.MEETING_OFFICE,
            is_active=True,
        )
        .order_by("id")
        .first()
    )
    leader = (
        User.objects.filter(
            role_assignments__committee=committee,
            role_assignments__role=Role.COMMITTEE_LEADER,
            is_active=True,
        )
        .order_by("id")
        .first()
    )
    if office is None or leader is None:
        return None
    units = {u.pk: u for u in Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE)}
    groups: dict[int, list[_Group]] = {}
    for year in years:
        listed = []
        for gy in (
            GroupYear.objects.filter(committee=committee, year=year)
            .select_related("group", "liaison_leader")
            .order_by("group__number")
        ):
            rows = GroupMembership.objects.filter(group_year=gy).values_list("unit_id", "is_lead")
            members = sorted((units[u] for u, _lead in rows if u in units), key=_order)
            leads = sorted((units[u] for u, lead in rows if lead and u in units), key=_order)
            # The demonstration unit hosts its group's first meeting of the year it leads.
            leads.sort(key=lambda u: u.name != DEMO_UNIT)
            if len(members) >= 3 and leads:
                listed.append(_Group(gy, members, leads))
        groups[year] = listed
    if not any(groups.values()):
        return None
    secretaries = {
        org.unit_id: org.secretary
        for org in OrganPartyOrg.objects.filter(
            committee=committee, secretary__isnull=False, secretary__is_active=True
        ).select_related("secretary")
        if org.secretary is not None
    }
    unit_staff: dict[int, User] = {}
    department_staff: dict[int, User] = {}
    for row in (
        RoleAssignment.objects.filter(
            committee=committee,
            role__in=[Role.UNIT_STAFF, Role.COMMITTEE_STAFF],
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    ):
        if row.role == Role.UNIT_STAFF and row.unit_id is not None:
            unit_staff.setdefault(row.unit_id, row.user)
        elif row.role == Role.COMMITTEE_STAFF and row.department_id is not None:
            department_staff.setdefault(row.department_id, row.user)
    existing = set(
        JointMeeting.objects.filter(committee=committee, year__in=years).values_list(
            "group_id", "year", "sequence_in_year"
        )
    )
    topics = {
        (t.year, t.group_id, t.title): t
        for t in Topic.objects.filter(committee=committee, year__in=years)
    }
    return _World(
        committee,
        today,
        timezone.now(),
        timezone.get_current_timezone(),
        office,
        leader,
        {d.name: d for d in Department.objects.filter(committee=committee)},
        department_staff,
        secretaries,
        unit_staff,
        groups,
        existing,
        topics,
        DemoMeetingsResult(),
    )


# --- Dates ----------------------------------------------------------------------------------


def _weekday(day: datetime.date, step: int = 1) -> datetime.date:
    while day.weekday() >= 5:
        day += datetime.timedelta(days=step)
    return day


def _ahead(today: datetime.date, days: int, n: int) -> datetime.date:
    """A working day about ``days`` ahead; late in the year, by mid to late December
    (the ``n``-th group's day), what no longer fits after a week from today being left out
    by the caller."""
    last = datetime.date(today.year, 12, 14) + datetime.timedelta(days=n % 8)
    last = max(last, today + datetime.timedelta(days=7))
    return _weekday(min(today + datetime.timedelta(days=days), last))


def _at(w: _World, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=w.tz)


def _before_now(w: _World, moment: datetime.datetime) -> datetime.datetime:
    return min(moment, w.now - datetime.timedelta(minutes=30))


# --- The plans ------------------------------------------------------------------------------


@dataclass
class _Meeting:
    """One meeting to write: its group, place in the year, state and day."""

    group: _Group
    sequence: int
    status: str
    day: datetime.date
    host: Unit
    kinds: tuple[str, ...]
    shared_note: str = ""
    carry_last: bool = False  # the last topic is not reached and carried over


def _last_year(w: _World, year: int) -> list[_Meeting]:
    plans = []
    for n, group in enumerate(w.groups.get(year, [])):
        rng = _rng(f"{SEED}:{w.committee.code}:meetings:{year}:{group.gy.group.number}")
        spring = _weekday(
            datetime.date(year, 4, 8) + datetime.timedelta(days=9 * n + rng.randint(0, 4))
        )
        autumn = _weekday(
            datetime.date(year, 10, 12) + datetime.timedelta(days=8 * n + rng.randint(0, 4))
        )
        for sequence, day in ((1, spring), (2, autumn)):
            shared = (n, sequence) in SHARED_LAST_YEAR
            plans.append(
                _Meeting(
                    group,
                    sequence,
                    M.MINUTES_APPROVED,
                    day,
                    group.leads[(sequence - 1) % len(group.leads)],
                    data.AGENDA_SHAPES[(n + sequence) % len(data.AGENDA_SHAPES)],
                    shared_note=data.SHARED_NOTES[SHARED_LAST_YEAR.index((n, sequence))]
                    if shared
                    else "",
                    carry_last=n == CARRIED_GROUP and sequence == 1,
                )
            )
    return plans


def _stories(groups: list[_Group]) -> list[str]:
    """Each group's story this year; the demonstration unit's group takes the first."""
    stories = [STORIES[n % len(STORIES)] for n in range(len(groups))]
    demo_at = next(
        (n for n, g in enumerate(groups) if any(u.name == DEMO_UNIT for u in g.leads)), None
    )
    if demo_at:
        stories[0], stories[demo_at] = stories[demo_at], stories[0]
    return stories


def _this_year(w: _World, year: int) -> list[_Meeting]:
    today = w.today
    first_day, last_day = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    groups = w.groups.get(year, [])
    plans: list[_Meeting] = []
    stories = _stories(groups)
    shares = stories.index(MET_AND_PLANNED) if MET_AND_PLANNED in stories else -1
    # Groups that met once already: spread between mid-January and 25 days ago.
    early, late = datetime.date(year, 1, 12), today - datetime.timedelta(days=25)
    for n, group in enumerate(groups):
        story = stories[n]
        rng = _rng(f"{SEED}:{w.committee.code}:meetings:{year}:{group.gy.group.number}")
        shapes = data.AGENDA_SHAPES
        days: list[tuple[str, datetime.date]] = []
        if story in (NOTICED_SOON, MET_AND_PLANNED, MET_AND_APPROVED, MET_ONCE) and late >= early:
            span = (late - early).days
            day = _weekday(early + datetime.timedelta(days=span * (n + 1) // (len(groups) + 1)), -1)
            if day >= first_day:
                days.append((M.MINUTES_APPROVED, day))
        if story == NOTICED_SOON:
            days.append((M.NOTICE_SENT, _weekday(today + datetime.timedelta(days=5))))
        elif story == HELD_AWAITING:
            days.append((M.HELD, _weekday(today - datetime.timedelta(days=3), -1)))
        elif story == MET_AND_PLANNED:
            days.append((M.PLANNED, _ahead(today, rng.randint(40, 70), n)))
        elif story == MET_AND_APPROVED:
            days.append((M.PLAN_APPROVED, _ahead(today, rng.randint(18, 30), n)))
        elif story == TWO_AHEAD:
            first = _ahead(today, 12, n)
            days.append((M.PLAN_APPROVED, first))
            second = _ahead(today, rng.randint(75, 110), n + 3)
            if second >= first + datetime.timedelta(days=7):
                days.append((M.PLANNED, second))
        sequence = 0
        for status, day in days:
            # A meeting that cannot fall inside the year from here is left out.
            if not first_day <= day <= last_day or (status in (M.HELD,) and day >= today):
                continue
            if status in (M.PLANNED, M.PLAN_APPROVED, M.NOTICE_SENT) and day <= today:
                continue
            sequence += 1
            shared = n == shares
            plans.append(
                _Meeting(
                    group,
                    sequence,
                    status,
                    day,
                    group.leads[(sequence - 1) % len(group.leads)],
                    shapes[(n + sequence + 1) % len(shapes)],
                    shared_note=data.SHARED_NOTES[-1]
                    if shared and status == M.MINUTES_APPROVED
                    else "",
                )
            )
    return plans


# --- Writing --------------------------------------------------------------------------------


def _staff_of(w: _World, department_name: str) -> tuple[Department | None, User]:
    department = w.departments.get(department_name)
    if department is None:
        return None, w.leader
    return department, w.department_staff.get(department.pk, w.leader)


def _topic(
    w: _World,
    year: int,
    group: _Group | None,
    text: data.TopicText,
    *,
    status: str,
    proposer_unit: Unit | None,
    proposed_on: datetime.datetime,
    **extra: Any,
) -> Topic:
    """The topic of ``text`` for this year and group, made once."""
    title = text.title.format(year=year)[:200]
    group_id = group.gy.group_id if group is not None else None
    key = (year, group_id, title)
    found = w.topics.get(key)
    if found is not None:
        return found
    department: Department | None = None
    unit: Unit | None = None
    proposer = w.leader
    if text.department:
        department, proposer = _staff_of(w, text.department)
    if department is None:
        unit = proposer_unit or (group.leads[0] if group else None)
        secretary = w.secretaries.get(unit.pk) if unit is not None else None
        if secretary is None:
            unit = None
            department, proposer = _staff_of(w, "组织部")
        else:
            proposer = secretary
    decided = status != T.PROPOSED
    topic = Topic.objects.create(
        committee=w.committee,
        year=year,
        kind=text.kind,
        title=title,
        description=text.description.format(year=year),
        status=status,
        proposed_by=proposer,
        proposer_department=department,
        proposer_unit=unit,
        group=group.gy.group if group is not None else None,
        decided_by=w.office if decided else None,
        decided_at=_before_now(w, proposed_on + datetime.timedelta(days=3)) if decided else None,
        **extra,
    )
    Topic.objects.filter(pk=topic.pk).update(created_at=proposed_on)
    w.topics[key] = topic
    w.result.created["meeting_topic"] += 1
    return topic


def _pick_topics(
    rng: random.Random, kinds: tuple[str, ...], used: set[str], year: int
) -> list[data.TopicText]:
    """A topic of each kind that the group has not had this year (stored titles in
    ``used``)."""
    chosen = []
    for kind in kinds:
        pool = [t for t in data.TOPICS if t.kind == kind and t.title.format(year=year) not in used]
        pool = pool or [t for t in data.TOPICS if t.kind == kind]
        text = rng.choice(pool)
        used.add(text.title.format(year=year))
        chosen.append(text)
    return chosen


def _seats(
    w: _World, meeting: JointMeeting, plan: _Meeting, rng: random.Random, *, held: bool
) -> list[Attendance]:
    """A seat per member unit and the liaison leader; their replies and, once held, the
    sign-in."""
    seats: list[Attendance] = []
    start = timezone.localtime(meeting.starts_at)
    sent = meeting.notice_sent_at or start
    host_secretary = w.secretaries.get(plan.host.pk)
    for unit in plan.group.members:
        secretary = w.secretaries.get(unit.pk)
        seat = Attendance(
            committee=w.committee,
            meeting=meeting,
            unit=unit,
            user=secretary,
            name=(secretary.full_name if secretary else "")[:50],
            post=((secretary.title if secretary else "") or "机关党委书记")[:100],
        )
        if held:
            draw = rng.random()
            reply = R.ATTENDING if draw < 0.82 else (R.SUBSTITUTE if draw < 0.93 else R.LEAVE)
        else:
            # Replies still coming in: every kind of answer, and some none yet.
            reply = NOTICE_REPLIES[len(seats) % len(NOTICE_REPLIES)]
            if unit.name == DEMO_UNIT:
                reply = R.PENDING  # the demonstration secretary answers it
        if reply == R.PENDING:
            seats.append(seat)
            continue
        seat.reply = reply
        seat.replied_by = secretary or host_secretary
        seat.replied_at = _before_now(
            w, sent + datetime.timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 6))
        )
        if reply == R.SUBSTITUTE:
            staff = w.unit_staff.get(unit.pk)
            seat.substitute_name = (staff.full_name if staff else "")[:50] or "（委托人员）"
            seat.substitute_post = ((staff.title if staff else "") or "机关党委专职副书记")[:100]
        elif reply == R.LEAVE:
            seat.reply_note = rng.choice(data.LEAVE_NOTES)
        if held:
            presence = {R.ATTENDING: P.PRESENT, R.SUBSTITUTE: P.SUBSTITUTE, R.LEAVE: P.LEAVE}[reply]
            if presence == P.PRESENT and rng.random() < 0.04:
                presence = P.ABSENT
            seat.presence = presence
            seat.presence_note = data.PRESENCE_NOTES.get(presence, "")
            by_qr = presence == P.PRESENT and rng.random() < 0.6 and secretary is not None
            seat.signed_via = Attendance.Via.QR if by_qr else Attendance.Via.HOST
            seat.signed_by = secretary if by_qr else host_secretary or w.office
            seat.signed_at = start - datetime.timedelta(minutes=rng.randint(0, 20))
        seats.append(seat)
    leader = plan.group.gy.liaison_leader
    if leader is not None:
        seat = Attendance(
            committee=w.committee,
            meeting=meeting,
            user=leader,
            name=leader.full_name[:50],
            post=f"工委{leader.title}（联系本组）"[:100]
            if leader.title
            else "工委领导（联系本组）",
            reply=R.ATTENDING,
            replied_by=leader,
            replied_at=_before_now(w, sent + datetime.timedelta(days=1)),
        )
        if held:
            seat.presence = P.PRESENT
            seat.signed_via = Attendance.Via.HOST
            seat.signed_by = host_secretary or w.office
            seat.signed_at = start - datetime.timedelta(minutes=5)
        seats.append(seat)
    return seats


def _walk(task: Task, target: str, secretary: User, supervisor: User, rng: random.Random) -> None:
    """Carry a decision's task to ``target`` by the battle map's own steps."""
    if target == TaskStatus.ASSIGNED:
        return
    task_actions.receive_task(task, secretary)
    if target == TaskStatus.RECEIVED:
        return
    task_actions.report_progress(
        task, text=rng.choice(REPORT_TEXTS), by=secretary, percent=rng.choice((30, 40, 60))
    )
    if target == TaskStatus.IN_PROGRESS:
        return
    if target == TaskStatus.LONG_RUNNING:
        task_actions.mark_long_running(task, supervisor, rng.choice(LONG_REASONS))
        return
    done = rng.choice(DONE_TEXTS)
    task_actions.report_progress(task, text=done, by=secretary, percent=100)
    task_actions.report_done(task, secretary, reason=done)
    if target == TaskStatus.REPORTED_DONE:
        return
    task_actions.close_task(task, supervisor, reason=rng.choice(CLOSE_REASONS))


def _task_target(w: _World, meeting: JointMeeting, rng: random.Random) -> str:
    if meeting.year < w.today.year:
        states, weights = zip(*LAST_YEAR_TASKS, strict=True)
        picked: str = rng.choices(states, weights=weights)[0]
        return picked
    age = (w.today - timezone.localdate(meeting.starts_at)).days
    if age > 60:
        return rng.choice(
            (TaskStatus.IN_PROGRESS, TaskStatus.REPORTED_DONE, TaskStatus.IN_PROGRESS)
        )
    if age > 20:
        return rng.choice((TaskStatus.RECEIVED, TaskStatus.IN_PROGRESS))
    return rng.choice((TaskStatus.ASSIGNED, TaskStatus.RECEIVED))


def _decide(
    w: _World,
    meeting: JointMeeting,
    item: AgendaItem,
    text: data.DecisionText,
    plan: _Meeting,
    rng: random.Random,
) -> None:
    """The decision of a topic: its number from the group's counter, its task."""
    department, assigner = _staff_of(w, text.department)
    if department is None:
        department, assigner = _staff_of(w, "组织部")
    if department is None:
        return
    group = plan.group
    lead = plan.host
    others = [u for u in group.members if u.pk != lead.pk]
    cooperating = [u for u in group.leads if u.pk != lead.pk][:1]
    cooperating += rng.sample([u for u in others if u not in cooperating], min(2, len(others) - 1))
    held_on = timezone.localdate(meeting.starts_at)
    deadline = held_on + datetime.timedelta(days=text.days)
    recorder = w.secretaries.get(lead.pk) or w.office
    serial = decisions.allot(w.committee, group.gy.group, meeting.year)
    decision = Decision.objects.create(
        committee=w.committee,
        meeting=meeting,
        agenda_item=item,
        group=group.gy.group,
        year=meeting.year,
        serial=serial,
        title=text.title,
        content=text.content,
        lead_unit=lead,
        department=department,
        deadline=deadline,
        created_by=recorder,
    )
    Decision.objects.filter(pk=decision.pk).update(created_at=meeting.held_at or meeting.starts_at)
    DecisionUnit.objects.bulk_create(
        DecisionUnit(committee=w.committee, decision=decision, unit=u) for u in cooperating
    )
    w.result.created["meeting_decision"] += 1
    task = task_actions.create_task_from(
        decision,
        title=text.title,
        lead_unit=lead,
        department=department,
        deadline=deadline,
        by=assigner,
        source_kind=meeting_sources.CODE,
        basis=f"{decision.number} {meeting.title}"[:200],
        description=text.content,
        cooperating_units=cooperating,
        assigned_at=held_on,
    )
    w.result.created["meeting_task"] += 1
    secretary = w.secretaries.get(lead.pk)
    supervisor = w.department_staff.get(department.pk)
    if secretary is not None and supervisor is not None:
        _walk(task, _task_target(w, meeting, rng), secretary, supervisor, rng)


def _texts(
    w: _World, plan: _Meeting, title: str, place: str, agenda: list[str], start: datetime.datetime
) -> dict[str, str]:
    leader = plan.group.gy.liaison_leader or w.leader
    chair = w.secretaries.get(plan.host.pk)
    reply_by = start.date() - datetime.timedelta(days=3)
    return {
        "day": format_date(start.date()),
        "date": f"{format_date(start.date())}{'上午' if start.hour < 12 else '下午'}"
        f"{start.hour % 12 or 12}:{start:%M}",
        "group": plan.group.gy.group.name,
        "year": str(plan.group.gy.year),
        "sequence": str(plan.sequence),
        "place": place,
        "host": plan.host.short_name or plan.host.name,
        "chair": chair.full_name if chair else "",
        "leader": leader.full_name,
        "leader_post": leader.title or "领导",
        "title": title,
        "agenda": "；".join(f"{'一二三四五六'[i]}是{a}" for i, a in enumerate(agenda)),
        "reply_by": format_date(reply_by),
    }


def _write_meeting(
    w: _World, plan: _Meeting, carried: Topic | None, carried_from: JointMeeting | None
) -> tuple[JointMeeting, Topic | None]:
    """Write one meeting with its agenda, seats, minutes and decisions; gives the topic it
    carries over, if any."""
    gy = plan.group.gy
    year = gy.year
    rng = _rng(f"{SEED}:{w.committee.code}:meeting:{year}:{gy.group.number}:{plan.sequence}")
    hour, minute = rng.choice(((9, 30), (14, 30), (9, 0)))
    start = _at(w, plan.day, hour, minute)
    title = f"{gy.group.name}{year}年第{plan.sequence}次联席会"
    place = f"{plan.host.short_name or plan.host.name}{rng.choice(data.PLACES)}"
    used = {title for (y, g, title) in w.topics if y == year and g == gy.group_id}
    texts = _pick_topics(rng, plan.kinds, used, year)
    order: list[str] = [M.PLANNED, M.PLAN_APPROVED, M.NOTICE_SENT, M.HELD, M.MINUTES_APPROVED]
    reached = order.index(plan.status)
    past = start < w.now
    approved = plan.status == M.MINUTES_APPROVED
    host_secretary = w.secretaries.get(plan.host.pk)
    planner = w.office if plan.sequence % 2 else (host_secretary or w.office)
    if past:
        planned_on = start - datetime.timedelta(days=30)
        plan_ok, notice = start - datetime.timedelta(days=14), start - datetime.timedelta(days=8)
    else:
        planned_on = w.now - datetime.timedelta(days=rng.randint(6, 12))
        plan_ok = w.now - datetime.timedelta(days=4)
        notice = w.now - datetime.timedelta(days=2)
    agenda_titles = [t.title.format(year=year) for t in texts]
    if carried is not None:
        agenda_titles.append(carried.title)
    values = _texts(w, plan, title, place, agenda_titles, timezone.localtime(start))
    leader = gy.liaison_leader or w.leader
    fields: dict[str, Any] = {
        "committee": w.committee,
        "group_year": gy,
        "group": gy.group,
        "year": year,
        "sequence_in_year": plan.sequence,
        "host": plan.host,
        "title": title,
        "status": plan.status,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=2, minutes=30),
        "place": place,
        "plan_notes": data.PLAN_NOTES.format(**values),
        "created_by": planner,
        "version": reached + 1,
    }
    if reached >= 1:
        fields |= {"plan_approved_at": plan_ok, "plan_approved_by": w.office}
    if reached >= 2:
        fields |= {
            "notice_text": data.NOTICE_TEXT.format(**values),
            "reply_by": start.date() - datetime.timedelta(days=3),
            "notice_sent_at": notice,
            "notice_sent_by": w.office,
            "checkin_token": secrets.token_urlsafe(24),
        }
    if reached >= 3:
        fields["held_at"] = _before_now(w, start + datetime.timedelta(hours=2, minutes=40))
    if approved:
        approver = leader if rng.random() < 0.5 else w.office
        approved_at = _before_now(w, start + datetime.timedelta(days=rng.randint(6, 12)))
        fields |= {"minutes_approved_at": approved_at, "minutes_approved_by": approver}
        if plan.shared_note:
            sharer = w.office if year < w.today.year else (host_secretary or w.office)
            fields |= {
                "shared_at": _before_now(w, approved_at + datetime.timedelta(days=2)),
                "shared_by": sharer,
                "shared_note": plan.shared_note,
            }
    meeting = JointMeeting.objects.create(**fields)
    JointMeeting.objects.filter(pk=meeting.pk).update(created_at=planned_on)
    w.existing_meetings.add((gy.group_id, year, plan.sequence))
    w.result.created["joint_meeting"] += 1

    # The agenda: the topics drawn, and a topic carried over from the last meeting.
    items: list[tuple[AgendaItem, data.TopicText | None]] = []
    carry: Topic | None = None
    topic_status = T.DISCUSSED if approved else T.SCHEDULED
    for n, text in enumerate(texts, start=1):
        not_reached = approved and plan.carry_last and n == len(texts)
        topic = _topic(
            w,
            year,
            plan.group,
            text,
            status=T.SCHEDULED if not_reached else topic_status,
            proposer_unit=plan.host,
            proposed_on=planned_on - datetime.timedelta(days=rng.randint(8, 20)),
        )
        item = AgendaItem(
            committee=w.committee,
            meeting=meeting,
            topic=topic,
            order=n,
            reporter_unit=plan.host
            if text.reporter_note.startswith(("牵头单位", "两个牵头单位"))
            else None,
            reporter_note=text.reporter_note[:300],
            materials_note=text.materials_note[:300],
        )
        if approved:
            if not_reached:
                item.outcome, item.outcome_text = OUT.NOT_REACHED, data.NOT_REACHED_TEXT
                carry = topic
            else:
                item.outcome, item.outcome_text = text.outcome, text.outcome_text
        items.append((item, text))
    if carried is not None:
        Topic.objects.filter(pk=carried.pk).update(status=topic_status, carried_from=carried_from)
        item = AgendaItem(
            committee=w.committee,
            meeting=meeting,
            topic=carried,
            order=len(items) + 1,
            reporter_note="上次会议未及研究的议题，由牵头单位介绍",
            reporter_unit=plan.host,
        )
        same = next((t for t in data.TOPICS if t.title.format(year=year) == carried.title), None)
        if approved and same is not None:
            item.outcome, item.outcome_text = same.outcome, same.outcome_text
        elif approved:
            item.outcome, item.outcome_text = OUT.DISCUSSED, ""
        items.append((item, same))
    AgendaItem.objects.bulk_create([i for i, _t in items])

    # The seats, once the notice went out; the sign-in, once held.
    if reached >= 2:
        seats = _seats(w, meeting, plan, rng, held=reached >= 3)
        Attendance.objects.bulk_create(seats)
        w.result.created["meeting_seat"] += len(seats)

    # The minutes and the decisions, once approved.
    if approved:
        present = sum(
            1
            for s in meeting.attendance.all()
            if s.unit_id and s.presence in (P.PRESENT, P.SUBSTITUTE)
        )
        minutes = [data.MINUTES_OPENING.format(present=present, **values)]
        for n, (item, _text) in enumerate(items, start=1):
            minutes.append(f"{'一二三四五六'[n - 1]}、{item.topic.title}。{item.outcome_text}")
        minutes.append(data.MINUTES_CLOSING.format(**values))
        JointMeeting.objects.filter(pk=meeting.pk).update(minutes="\n".join(minutes))
        meeting.minutes = "\n".join(minutes)
        for item, said in items:
            if item.outcome == OUT.DECIDED and said is not None and said.decision is not None:
                _decide(w, meeting, item, said.decision, plan, rng)
    return meeting, carry


def _queue(w: _World, year: int) -> None:
    """This year's topics in the office's queue, in every state it has."""
    groups = w.groups.get(year, [])
    if not groups:
        return
    rng = _rng(f"{SEED}:{w.committee.code}:queue:{year}")
    stories = _stories(groups)
    behind = [g for g, story in zip(groups, stories, strict=True) if story in (NOTHING, MET_ONCE)]
    behind = behind or groups
    first_accepted: Topic | None = None
    for n, (state, text) in enumerate(data.QUEUE):
        group = None if text.department else behind[n % len(behind)]
        status = {"proposed": T.PROPOSED, "accepted": T.ACCEPTED, "returned": T.RETURNED}[state]
        extra: dict[str, Any] = {}
        if status == T.RETURNED:
            extra["return_reason"] = data.RETURN_REASON
        topic = _topic(
            w,
            year,
            group,
            text,
            status=status,
            proposer_unit=group.leads[-1] if group else None,
            proposed_on=w.now
            - datetime.timedelta(days=rng.randint(5, 25), hours=rng.randint(0, 6)),
            **extra,
        )
        if status == T.ACCEPTED and first_accepted is None:
            first_accepted = topic
    if first_accepted is not None:
        at = stories.index(MET_AND_PLANNED) if MET_AND_PLANNED in stories else 0
        group = groups[at]
        _topic(
            w,
            year,
            group,
            data.MERGED,
            status=T.MERGED,
            proposer_unit=group.leads[-1],
            proposed_on=w.now - datetime.timedelta(days=rng.randint(5, 20)),
            merged_into=first_accepted,
        )
    _from_contact(w, year, rng)


def _from_contact(w: _World, year: int, rng: random.Random) -> None:
    """A topic proposed from a liaison contact of the demonstration, when there is one."""
    try:
        model = apps.get_model("liaison", "Contact")
    except LookupError:
        return
    contacts = model._default_manager.filter(committee=w.committee, year=year)
    contact = (
        contacts.filter(form="symposium").order_by("-date", "id").first()
        or contacts.order_by("-date", "id").first()
    )
    if contact is None:
        return
    url = str(contact.get_absolute_url())[:250]
    department, proposer = _staff_of(w, "组织部")
    recorder = getattr(contact, "created_by", None)
    text = data.FROM_CONTACT._replace(department=department.name if department else "组织部")
    if recorder is not None:
        # The department of the person who recorded the contact proposes it.
        row = (
            RoleAssignment.objects.filter(
                committee=w.committee,
                user=recorder,
                role=Role.COMMITTEE_STAFF,
                department__isnull=False,
            )
            .select_related("department")
            .first()
        )
        if row is not None and row.department is not None:
            text = text._replace(department=row.department.name)
    _topic(
        w,
        year,
        None,
        text,
        status=T.PROPOSED,
        proposer_unit=None,
        proposed_on=_before_now(w, _at(w, contact.date, 17, 0) + datetime.timedelta(days=2)),
        origin_type="liaison.contact",
        origin_id=contact.pk,
        origin_label=f"沟通联系（{format_date(contact.date)}）：{contact.title}"[:250],
        origin_url=url,
    )


def load_demo_meetings(
    committee: Committee, *, today: datetime.date | None = None
) -> DemoMeetingsResult:
    """Give ``committee`` last year's and this year's joint meetings (once)."""
    today = today or timezone.localdate()
    years = (today.year - 1, today.year)
    with transaction.atomic():
        w = _gather(committee, today, years)
        if w is None:
            return DemoMeetingsResult()
        plans = _last_year(w, years[0]) + _this_year(w, years[1])
        carried: dict[int, tuple[Topic, JointMeeting]] = {}
        for plan in sorted(
            plans, key=lambda p: (p.group.gy.year, p.group.gy.group.number, p.sequence)
        ):
            gy = plan.group.gy
            if (gy.group_id, gy.year, plan.sequence) in w.existing_meetings:
                continue
            carry = carried.pop(gy.pk, None)
            meeting, left = _write_meeting(
                w, plan, carry[0] if carry else None, carry[1] if carry else None
            )
            if left is not None:
                carried[gy.pk] = (left, meeting)
        _queue(w, years[1])
        if w.result.changed:
            record(
                events.IMPORT,
                committee=committee,
                object_type=JointMeeting._meta.label_lower,
                object_repr="示例联席会",
                detail={"demo": True, "years": list(years), **dict(w.result.created)},
            )
    return w.result


def lead_secretaries(committee: Committee, year: int) -> list[tuple[str, str, str, str]]:
    """Who leads which group in ``year``: (group, unit, secretary's username, name), for the
    demonstration's sign-in table."""
    rows = (
        GroupMembership.objects.filter(committee=committee, year=year, is_lead=True)
        .select_related("group_year__group", "unit__organ_party_org__secretary")
        .order_by("group_year__group__number", "unit__sort_order")
    )
    found = []
    for row in rows:
        org = getattr(row.unit, "organ_party_org", None)
        secretary = org.secretary if org is not None else None
        found.append(
            (
                row.group_year.group.name,
                row.unit.short_name or row.unit.name,
                secretary.username if secretary else "",
                secretary.full_name if secretary else "",
            )
        )
    return found


def _load(run: demo.DemoRun) -> None:
    found = load_demo_meetings(run.committee)
    run.created.update(found.created)


def register() -> None:
    demo.DEMO_LOADERS.register(
        demo.DemoLoader("meetings", _load, after=("org", "tracking", "liaison"), labels=LABELS)
    )
