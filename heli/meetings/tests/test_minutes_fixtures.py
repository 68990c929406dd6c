"""Helpers of the minutes and decision tests (no tests here): a held meeting with topics,
its outcomes written, a decision recorded."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from heli.meetings import decisions, minutes
from heli.meetings.models import AgendaItem, Decision, JointMeeting
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.org.models import GroupYear
from heli.testing import World

S = JointMeeting.Status
O = AgendaItem.Outcome  # noqa: E741


def held_meeting(
    world: World,
    *,
    topics: int = 2,
    group_year: GroupYear | None = None,
    starts_at: datetime.datetime | None = None,
    status: str = S.HELD,
    **fields: Any,
) -> JointMeeting:
    gy = group_year or world.group_years[0]
    made = [
        make_topic(world, title=f"第{gy.group.number}组议题{i + 1}", group=gy.group)
        for i in range(topics)
    ]
    return make_meeting(
        world,
        group_year=gy,
        status=status,
        starts_at=starts_at or when(gy.year, 6, 1),
        topics=made,
        **fields,
    )


def items_of(meeting: JointMeeting) -> list[AgendaItem]:
    return list(
        AgendaItem.objects.filter(meeting=meeting).select_related("topic").order_by("order")
    )


def write(
    world: World,
    meeting: JointMeeting,
    outcomes: list[str],
    *,
    by: str = "office",
    summary: str = "会议由牵头单位主持，传达学习了有关精神。",
) -> JointMeeting:
    entries = {
        item.pk: minutes.OutcomeEntry(outcome, f"{item.topic.title}的结论")
        for item, outcome in zip(items_of(meeting), outcomes, strict=True)
    }
    meeting.refresh_from_db()
    return minutes.save_minutes(
        meeting, world.user(by), version=meeting.version, summary=summary, outcomes=entries
    )


def deadline(days: int = 30) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def decide(world: World, meeting: JointMeeting, *, by: str = "office", **fields: Any) -> Decision:
    values: dict[str, Any] = {
        "title": "制定机关党建与业务融合工作方案",
        "content": "由牵头单位会同有关单位制定工作方案，报工委组织部。",
        "lead_unit": world.units[0],
        "cooperating_units": [world.units[1]],
        "department": world.office,
        "deadline": deadline(),
    }
    values.update(fields)
    meeting.refresh_from_db()
    return decisions.record_decision(meeting, world.user(by), **values)
