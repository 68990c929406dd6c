"""Records of the meeting area made directly, for tests that need one in a given state
without walking every step before it. The steps themselves are tested through their
actions and pages."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.utils import timezone

from heli.meetings.models import AgendaItem, AgendaKind, Attendance, JointMeeting, Topic
from heli.org.models import GroupMembership, GroupYear
from heli.testing import World

S = JointMeeting.Status


def make_topic(world: World, *, by: str = "staff", **fields: Any) -> Topic:
    values: dict[str, Any] = {
        "committee": world.committee,
        "year": world.group_years[0].year,
        "kind": AgendaKind.ISSUES,
        "title": "议题：机关党建与业务深度融合",
        "description": "研究推动机关党建与业务工作深度融合的具体措施。",
        "proposed_by": world.user(by),
        "proposer_department": world.department if by == "staff" else None,
    }
    values.update(fields)
    return Topic.objects.create(**values)


def when(year: int, month: int = 6, day: int = 15, hour: int = 9) -> datetime.datetime:
    zone = timezone.get_default_timezone()
    return datetime.datetime(year, month, day, hour, 0, tzinfo=zone)


def make_meeting(
    world: World,
    *,
    group_year: GroupYear | None = None,
    status: str = S.PLANNED,
    starts_at: datetime.datetime | None = None,
    topics: list[Topic] = (),  # type: ignore[assignment]
    seats: bool | None = None,
    **fields: Any,
) -> JointMeeting:
    """A meeting of ``group_year`` (the first group's by default) hosted by its first lead
    unit; from "notice sent" on it has a seat for every member unit and the liaison leader
    (``seats`` overrides)."""
    gy = group_year or world.group_years[0]
    start = starts_at or when(gy.year)
    lead = (
        GroupMembership.objects.filter(group_year=gy)
        .order_by("-is_lead", "unit__sort_order")
        .first()
    )
    assert lead is not None
    sequence = JointMeeting.objects.filter(group=gy.group, year=gy.year).count() + 1
    values: dict[str, Any] = {
        "committee": world.committee,
        "group_year": gy,
        "group": gy.group,
        "year": gy.year,
        "sequence_in_year": sequence,
        "host": lead.unit,
        "title": f"{gy.group.name}{gy.year}年第{sequence}次联席会",
        "status": status,
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=2),
        "place": "工委三楼会议室",
        "created_by": world.user("office"),
    }
    now = timezone.now()
    order: list[str] = [S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT, S.HELD, S.MINUTES_APPROVED]
    reached = order.index(status) if status in order else 0
    if reached >= 1:
        values.update(plan_approved_at=now, plan_approved_by=world.user("office"))
    if reached >= 2:
        values.update(
            notice_sent_at=now,
            notice_sent_by=world.user("office"),
            checkin_token=secrets.token_urlsafe(24),
            reply_by=start.date() - datetime.timedelta(days=2),
        )
    if reached >= 3:
        values.update(held_at=now)
    if reached >= 4:
        values.update(
            minutes="会议纪要正文。",
            minutes_approved_at=now,
            minutes_approved_by=world.user("office"),
        )
    values.update(fields)
    meeting = JointMeeting.objects.create(**values)
    for order_no, topic in enumerate(topics, start=1):
        AgendaItem.objects.create(
            committee=world.committee, meeting=meeting, topic=topic, order=order_no
        )
        Topic.objects.filter(pk=topic.pk).update(status=Topic.Status.SCHEDULED)
    if seats if seats is not None else reached >= 2:
        make_seats(meeting)
    return meeting


def make_seats(meeting: JointMeeting) -> list[Attendance]:
    """A seat for every member unit of the meeting's group year and its liaison leader."""
    made = []
    for membership in GroupMembership.objects.filter(group_year=meeting.group_year).select_related(
        "unit__organ_party_org__secretary"
    ):
        secretary = getattr(membership.unit.organ_party_org, "secretary", None)
        made.append(
            Attendance.objects.create(
                committee=meeting.committee,
                meeting=meeting,
                unit=membership.unit,
                user=secretary,
                name=secretary.full_name if secretary else "",
                post="机关党委书记",
            )
        )
    leader = meeting.group_year.liaison_leader
    if leader is not None:
        made.append(
            Attendance.objects.create(
                committee=meeting.committee,
                meeting=meeting,
                user=leader,
                name=leader.full_name,
                post="工委领导（联系本组）",
            )
        )
    return made
