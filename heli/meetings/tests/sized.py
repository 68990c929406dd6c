"""Joint meetings for a committee of ``heli.testing.build_sized_committee``, bulk-inserted,
for the query-count tests and the benchmark (scripts/bench.py).

    committee = build_sized_committee(1220, year=2026)
    office = add_sized_meetings(committee, 2026)   # the joint-meeting office, who reads all

Every group year of the year gets two or three meetings in assorted states — minutes
approved, held with minutes pending, notice sent, plan approved, planned, cancelled —
each with two topics on its agenda and, from the notice on, a seat for every member unit
and the group's liaison leader, answered and signed in as such meetings usually are.
"""

from __future__ import annotations

import datetime
import itertools
from dataclasses import dataclass

from django.utils import timezone

from heli.accounts.models import Role, User
from heli.meetings.models import AgendaItem, AgendaKind, Attendance, JointMeeting, Topic
from heli.org.models import Committee, Department, GroupMembership, GroupYear, OrganPartyOrg
from heli.testing import grant, make_user

S = JointMeeting.Status
ORDER = (S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT, S.HELD, S.MINUTES_APPROVED)


@dataclass(frozen=True)
class Planned:
    status: str
    month: int
    day: int


# The meetings of a group, by the group's index modulo the number of patterns: one that
# met twice, two with a meeting to come that makes up the rule, one that met once and
# must still plan its second, and one whose meetings were cancelled or went unrecorded
# (amber from 25 November, red from 2 December).
PATTERNS: tuple[tuple[Planned, ...], ...] = (
    (Planned(S.MINUTES_APPROVED, 3, 18), Planned(S.MINUTES_APPROVED, 6, 24),
     Planned(S.PLANNED, 11, 26)),
    (Planned(S.MINUTES_APPROVED, 4, 15), Planned(S.NOTICE_SENT, 12, 10)),
    (Planned(S.HELD, 5, 20), Planned(S.CANCELLED, 7, 8), Planned(S.PLAN_APPROVED, 12, 16)),
    (Planned(S.MINUTES_APPROVED, 6, 10), Planned(S.CANCELLED, 10, 20)),
    (Planned(S.CANCELLED, 3, 30), Planned(S.PLAN_APPROVED, 9, 15)),
)  # fmt: skip


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 30, tzinfo=timezone.get_default_timezone())


def _office(committee: Committee) -> User:
    department = Department.objects.filter(committee=committee, is_meeting_office=True).first()
    user = make_user(committee, f"{committee.code}_meeting_office", "联席办规模测试")
    grant(user, Role.COMMITTEE_STAFF, department=department)
    grant(user, Role.MEETING_OFFICE)
    return user


def add_sized_meetings(committee: Committee, year: int) -> User:
    """Two or three meetings for every group year of ``year`` (see the module); returns
    the joint-meeting office's user made for them (a reader of every meeting)."""
    office = _office(committee)
    leader = make_user(committee, f"{committee.code}_liaison_leader", "联系领导")
    grant(leader, Role.COMMITTEE_LEADER)
    group_years = list(
        GroupYear.objects.filter(committee=committee, year=year)
        .select_related("group")
        .order_by("group__number")
    )
    GroupYear.objects.filter(pk__in=[gy.pk for gy in group_years]).update(liaison_leader=leader)
    members: dict[int, list[int]] = {gy.pk: [] for gy in group_years}
    leads: dict[int, list[int]] = {gy.pk: [] for gy in group_years}
    for gy_id, unit_id, is_lead in (
        GroupMembership.objects.filter(group_year__in=group_years)
        .order_by("unit__sort_order", "unit_id")
        .values_list("group_year_id", "unit_id", "is_lead")
    ):
        members[gy_id].append(unit_id)
        if is_lead:
            leads[gy_id].append(unit_id)
    secretaries = dict(
        OrganPartyOrg.objects.filter(committee=committee).values_list("unit_id", "secretary_id")
    )
    kinds = itertools.cycle(AgendaKind.values)
    meetings: list[JointMeeting] = []
    for index, gy in enumerate(group_years):
        hosts = leads[gy.pk] or members[gy.pk][:1]
        for sequence, plan in enumerate(PATTERNS[index % len(PATTERNS)], start=1):
            start = _at(year, plan.month, plan.day)
            reached = ORDER.index(plan.status) if plan.status in ORDER else 1
            meeting = JointMeeting(
                committee=committee,
                group_year=gy,
                group=gy.group,
                year=year,
                sequence_in_year=sequence,
                host_id=hosts[(sequence - 1) % len(hosts)],
                title=f"{gy.group.name}{year}年第{sequence}次联席会",
                status=plan.status,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                place="市委大院二号楼三层会议室",
                plan_notes="会议议程与各单位汇报安排见附件。",
                created_by=office,
            )
            if reached >= 1:
                meeting.plan_approved_at = start - datetime.timedelta(days=20)
                meeting.plan_approved_by = office
            if reached >= 2:
                meeting.notice_sent_at = start - datetime.timedelta(days=10)
                meeting.notice_sent_by = office
                meeting.notice_text = "请各成员单位机关党委书记准时参会。"
                meeting.reply_by = (start - datetime.timedelta(days=3)).date()
                meeting.checkin_token = f"sized-{committee.pk}-{gy.pk}-{sequence}"
            if reached >= 3:
                meeting.held_at = start + datetime.timedelta(hours=2)
            if reached >= 4:
                meeting.minutes = "会议听取了各单位汇报，研究部署了下一阶段工作。"
                meeting.minutes_approved_at = start + datetime.timedelta(days=9)
                meeting.minutes_approved_by = office
            if plan.status == S.CANCELLED:
                meeting.cancel_reason = "与市委重要会议时间冲突，另行安排。"
            meetings.append(meeting)
    made = JointMeeting.objects.bulk_create(meetings, batch_size=500)
    topics = Topic.objects.bulk_create(
        (
            Topic(
                committee=committee,
                year=year,
                kind=next(kinds),
                title=f"{m.title}议题{n}",
                description="研究推动机关党建与业务工作深度融合的具体措施。",
                status=Topic.Status.DISCUSSED
                if m.status == S.MINUTES_APPROVED
                else Topic.Status.SCHEDULED,
                proposed_by=office,
                group=m.group,
            )
            for m in made
            for n in (1, 2)
        ),
        batch_size=500,
    )
    items = []
    for i, topic in enumerate(topics):
        m = made[i // 2]
        approved = m.status == S.MINUTES_APPROVED
        items.append(
            AgendaItem(
                committee=committee,
                meeting=m,
                topic=topic,
                order=i % 2 + 1,
                reporter_unit_id=m.host_id,
                reporter_note="牵头单位汇报工作进展",
                outcome=AgendaItem.Outcome.AGREED if approved else "",
                outcome_text="会议同意。" if approved else "",
            )
        )
    AgendaItem.objects.bulk_create(items, batch_size=1000)
    seats = []
    for m in made:
        reached = ORDER.index(m.status) if m.status in ORDER else 1
        if reached < 2:
            continue
        held = reached >= 3
        for n, unit_id in enumerate(members[m.group_year_id]):
            reply = (
                Attendance.Reply.LEAVE
                if n % 11 == 5
                else Attendance.Reply.SUBSTITUTE
                if n % 7 == 3
                else Attendance.Reply.PENDING
                if not held and n % 3 == 0
                else Attendance.Reply.ATTENDING
            )
            presence = ""
            if held:
                presence = {
                    Attendance.Reply.LEAVE: Attendance.Presence.LEAVE,
                    Attendance.Reply.SUBSTITUTE: Attendance.Presence.SUBSTITUTE,
                }.get(reply, Attendance.Presence.PRESENT)
            seats.append(
                Attendance(
                    committee=committee,
                    meeting=m,
                    unit_id=unit_id,
                    user_id=secretaries.get(unit_id),
                    name=f"书记{unit_id}",
                    post="机关党委书记",
                    reply=reply,
                    substitute_name="副书记" if reply == Attendance.Reply.SUBSTITUTE else "",
                    replied_at=m.notice_sent_at if reply != Attendance.Reply.PENDING else None,
                    presence=presence,
                    signed_via=Attendance.Via.HOST if held else "",
                    signed_at=m.starts_at if held else None,
                )
            )
        seats.append(
            Attendance(
                committee=committee,
                meeting=m,
                user=leader,
                name=leader.full_name,
                post="工委领导（联系本组）",
                reply=Attendance.Reply.ATTENDING,
                replied_at=m.notice_sent_at,
                presence=Attendance.Presence.PRESENT if held else "",
            )
        )
    Attendance.objects.bulk_create(seats, batch_size=2000)
    return office
