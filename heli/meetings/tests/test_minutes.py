"""Writing and approving minutes: only for held meetings, approved only with every topic's
outcome (and decisions for "decided"), locked once approved, topics not reached carried
over; the people concerned are told once."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from heli.meetings import decisions, minutes
from heli.meetings.models import AgendaItem, Decision, JointMeeting, Topic
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.meetings.tests.test_minutes_fixtures import (
    O,
    S,
    decide,
    held_meeting,
    items_of,
    write,
)
from heli.notifications.models import Notification
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _kinds(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


@pytest.mark.parametrize("status", [S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT, S.CANCELLED])
def test_minutes_for_a_meeting_not_yet_held_are_refused(world: World, status: str) -> None:
    meeting = held_meeting(world, status=status)
    item = items_of(meeting)[0]
    with pytest.raises(ValidationError) as refused:
        minutes.save_minutes(
            meeting,
            world.user("office"),
            version=meeting.version,
            summary="提前写的纪要",
            outcomes={item.pk: minutes.OutcomeEntry(O.AGREED, "同意")},
        )
    assert refused.value.code in ("not_held", "cancelled")
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert (meeting.minutes, item.outcome, item.outcome_text) == ("", "", "")
    with pytest.raises(ValidationError):
        decide(world, meeting)
    with pytest.raises(ValidationError):
        minutes.approve_minutes(meeting, world.user("office"))
    assert not Decision.objects.exists()


def test_the_not_held_message_is_in_chinese(world: World) -> None:
    meeting = held_meeting(world, status=S.NOTICE_SENT)
    with pytest.raises(ValidationError) as refused:
        minutes.check_writable(meeting)
    # The status is named in the reader's language (the model's choices are translated).
    assert meeting.get_status_display() in refused.value.messages[0]


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("office", True),
        ("unit0_secretary", True),
        ("leader", False),
        ("staff", False),
        ("unit0_staff", False),
        ("unit0_leadership", False),
        ("unit2_secretary", False),
        ("sysadmin", False),
        ("auditor", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_who_writes_the_minutes(world: World, who: str, allowed: bool) -> None:
    meeting = held_meeting(world)
    if allowed:
        write(world, meeting, [O.AGREED, O.DISCUSSED], by=who)
        assert [i.outcome for i in items_of(meeting)] == [O.AGREED, O.DISCUSSED]
    else:
        with pytest.raises(ValidationError) as refused:
            write(world, meeting, [O.AGREED, O.DISCUSSED], by=who)
        assert refused.value.code == "not_allowed"
        assert [i.outcome for i in items_of(meeting)] == ["", ""]


def test_saving_all_outcomes_tells_the_approvers_once(world: World) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.AGREED, ""], by="unit0_secretary")
    assert _kinds(minutes.KIND_READY) == []
    write(world, meeting, [O.AGREED, O.DISCUSSED], by="unit0_secretary")
    write(world, meeting, [O.AGREED, O.NOT_REACHED], by="unit0_secretary")
    key = f"{minutes.KIND_READY}:{meeting.pk}"
    assert _kinds(minutes.KIND_READY) == [("leader", key), ("office", key)]
    meeting.refresh_from_db()
    assert meeting.minutes.startswith("会议由牵头单位主持")


def test_a_save_over_someone_elses_newer_one_is_refused(world: World) -> None:
    meeting = held_meeting(world)
    opened_at = meeting.version
    write(world, meeting, [O.AGREED, O.AGREED], by="office")
    item = items_of(meeting)[0]
    with pytest.raises(minutes.StaleMinutes):
        minutes.save_minutes(
            meeting,
            world.user("unit0_secretary"),
            version=opened_at,
            summary="另一份纪要",
            outcomes={item.pk: minutes.OutcomeEntry(O.NOT_REACHED, "")},
        )
    item.refresh_from_db()
    assert item.outcome == O.AGREED


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("office", True),
        ("leader", True),
        ("staff", False),
        ("unit0_secretary", False),
        ("unit0_leadership", False),
        ("unit2_secretary", False),
        ("sysadmin", False),
        ("secadmin", False),
        ("auditor", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_who_approves_the_minutes(world: World, who: str, allowed: bool) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.AGREED, O.DISCUSSED])
    if allowed:
        minutes.approve_minutes(meeting, world.user(who))
        meeting.refresh_from_db()
        assert meeting.status == S.MINUTES_APPROVED
        assert meeting.minutes_approved_by == world.user(who)
        assert meeting.minutes_approved_at is not None
    else:
        with pytest.raises(ValidationError):
            minutes.approve_minutes(meeting, world.user(who))
        meeting.refresh_from_db()
        assert meeting.status == S.HELD


def test_approval_is_refused_while_a_topic_has_no_outcome(world: World) -> None:
    meeting = held_meeting(world, topics=3)
    write(world, meeting, [O.AGREED, "", ""])
    missing = [i.topic.title for i in items_of(meeting)[1:]]
    with pytest.raises(ValidationError) as refused:
        minutes.approve_minutes(meeting, world.user("office"))
    text = " ".join(refused.value.messages)
    assert all(title in text for title in missing)
    assert items_of(meeting)[0].topic.title not in text
    meeting.refresh_from_db()
    assert meeting.status == S.HELD
    assert Topic.objects.filter(status=Topic.Status.SCHEDULED).count() == 3


def test_approval_is_refused_while_a_decided_topic_has_no_decision(world: World) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.DECIDED, O.AGREED])
    first = items_of(meeting)[0]
    with pytest.raises(ValidationError) as refused:
        minutes.approve_minutes(meeting, world.user("office"))
    assert first.topic.title in " ".join(refused.value.messages)
    decide(world, meeting, agenda_item=first)
    minutes.approve_minutes(meeting, world.user("office"))
    meeting.refresh_from_db()
    assert meeting.status == S.MINUTES_APPROVED


def test_approval_is_refused_without_a_summary(world: World) -> None:
    meeting = held_meeting(world, topics=1)
    write(world, meeting, [O.AGREED], summary="  ")
    with pytest.raises(ValidationError):
        minutes.approve_minutes(meeting, world.user("office"))


def test_approved_minutes_are_locked_on_every_write_path(world: World) -> None:
    meeting = held_meeting(world)
    first = items_of(meeting)[0]
    write(world, meeting, [O.DECIDED, O.AGREED])
    decision = decide(world, meeting, agenda_item=first)
    minutes.approve_minutes(meeting, world.user("leader"))
    meeting.refresh_from_db()
    version = meeting.version
    with pytest.raises(ValidationError) as refused:
        write(world, meeting, [O.NOT_REACHED, O.NOT_REACHED])
    assert refused.value.code == "locked"
    with pytest.raises(ValidationError) as refused:
        decide(world, meeting, title="补记的事项")
    assert refused.value.code == "locked"
    with pytest.raises(ValidationError) as refused:
        decisions.update_decision(
            decision, world.user("office"), title="改过的标题", content="改过", agenda_item=None
        )
    assert refused.value.code == "locked"
    with pytest.raises(ValidationError) as refused:
        minutes.approve_minutes(meeting, world.user("office"))
    assert refused.value.code == "locked"
    meeting.refresh_from_db()
    decision.refresh_from_db()
    assert meeting.version == version
    assert [i.outcome for i in items_of(meeting)] == [O.DECIDED, O.AGREED]
    assert decision.title == "制定机关党建与业务融合工作方案"
    assert Decision.objects.count() == 1


def test_approval_marks_topics_discussed_and_tells_the_member_units(world: World) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.AGREED, O.DISCUSSED])
    minutes.approve_minutes(meeting, world.user("leader"))
    assert set(Topic.objects.values_list("status", flat=True)) == {Topic.Status.DISCUSSED}
    key = f"{minutes.KIND_APPROVED}:{meeting.pk}"
    # Units 0 and 1 are the group's: unit 0's secretary and staff (unit 1 has no people);
    # the approver is not told of their own step; group 2's units are not told.
    assert _kinds(minutes.KIND_APPROVED) == [("unit0_secretary", key), ("unit0_staff", key)]


def test_a_topic_not_reached_carries_over_to_the_next_planned_meeting(world: World) -> None:
    gy = world.group_years[0]
    meeting = held_meeting(world, topics=3)
    later = make_meeting(
        world, group_year=gy, status=S.PLAN_APPROVED, starts_at=when(gy.year, 10, 20)
    )
    on_later = make_topic(world, title="下次会议原有议题")
    AgendaItem.objects.create(committee=world.committee, meeting=later, topic=on_later, order=4)
    # Further on, also planned: not the next one.
    make_meeting(world, group_year=gy, status=S.PLANNED, starts_at=when(gy.year, 12, 1))
    # Another group's next meeting is not this group's.
    make_meeting(
        world, group_year=world.group_years[1], status=S.PLANNED, starts_at=when(gy.year, 7, 1)
    )
    write(world, meeting, [O.AGREED, O.NOT_REACHED, O.DISCUSSED], by="unit0_secretary")
    carried = items_of(meeting)[1].topic
    done = minutes.approve_minutes(meeting, world.user("office"))
    assert done.next_meeting == later
    carried.refresh_from_db()
    assert carried.status == Topic.Status.SCHEDULED
    assert carried.carried_from == meeting
    on_next = list(
        AgendaItem.objects.filter(meeting=later).order_by("order").values_list("topic", "order")
    )
    assert on_next == [(on_later.pk, 4), (carried.pk, 5)]
    others = Topic.objects.filter(agenda_items__meeting=meeting).exclude(pk=carried.pk)
    assert set(others.values_list("status", flat=True)) == {Topic.Status.DISCUSSED}
    assert _kinds(minutes.KIND_CARRIED) == [
        ("staff", f"{minutes.KIND_CARRIED}:{carried.pk}:{meeting.pk}")
    ]


def test_a_topic_not_reached_goes_back_to_the_queue_without_a_next_meeting(
    world: World,
) -> None:
    gy = world.group_years[0]
    meeting = held_meeting(world, topics=1)
    # A later meeting whose notice is out is not "being planned": its agenda is sent.
    make_meeting(world, group_year=gy, status=S.NOTICE_SENT, starts_at=when(gy.year, 9, 1))
    # An earlier planned one is not the next.
    make_meeting(world, group_year=gy, status=S.PLANNED, starts_at=when(gy.year, 3, 1))
    write(world, meeting, [O.NOT_REACHED])
    topic = items_of(meeting)[0].topic
    done = minutes.approve_minutes(meeting, world.user("office"))
    assert done.next_meeting is None
    topic.refresh_from_db()
    assert (topic.status, topic.carried_from) == (Topic.Status.ACCEPTED, meeting)
    assert AgendaItem.objects.filter(topic=topic).count() == 1


def test_minutes_overdue_lists_held_meetings_up_to_the_day(world: World) -> None:
    gy = world.group_years[0]
    early = held_meeting(world, topics=0, starts_at=when(gy.year, 3, 10))
    on_the_day = held_meeting(world, topics=0, starts_at=when(gy.year, 4, 10, 23))
    held_meeting(world, topics=0, starts_at=when(gy.year, 4, 11, 0))
    approved = held_meeting(world, topics=0, starts_at=when(gy.year, 2, 1))
    JointMeeting.objects.filter(pk=approved.pk).update(status=S.MINUTES_APPROVED)
    found = minutes.minutes_overdue(world.committee, datetime.date(gy.year, 4, 10))
    assert list(found) == [early, on_the_day]
    assert not minutes.minutes_overdue(world.other_committee, datetime.date(gy.year, 12, 31))
