"""The meeting's steps as actions: planning (numbering, the work year, the host), approving
the plan, the notice and its seats, marking held, cancelling, moving; every step out of
order refused with nothing changed; each step's notifications once."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from heli.accounts.policy import forget_scope
from heli.audit.models import AuditEvent
from heli.meetings import meetings
from heli.meetings.models import AgendaItem, Attendance, JointMeeting, Topic
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.notifications.models import Notification
from heli.org.models import GroupMembership, GroupYear
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status


def _plan(world: World, by: str = "office", **fields: Any) -> JointMeeting:
    gy = world.group_years[0]
    values: dict[str, Any] = {
        "host": world.units[0],
        "starts_at": when(gy.year, 7, 10, 9),
        "ends_at": when(gy.year, 7, 10, 11),
        "place": "工委三楼会议室",
        "by": world.user(by),
    }
    values.update(fields)
    return meetings.plan(gy, **values)


def _kinds(kind: str) -> list[tuple[str, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__username", "key"))


def _with_topic(world: World, meeting: JointMeeting) -> AgendaItem:
    topic = make_topic(world, status=Topic.Status.ACCEPTED)
    return AgendaItem.objects.create(committee=world.committee, meeting=meeting, topic=topic)


# --- Planning -------------------------------------------------------------------------------


def test_the_office_plans_a_meeting_numbered_in_its_group_year(world: World) -> None:
    first = _plan(world)
    second = _plan(world, by="unit0_secretary", title="专题学习会")
    assert (first.sequence_in_year, second.sequence_in_year) == (1, 2)
    assert first.title == f"第一组{world.group_years[0].year}年第1次联席会"
    assert second.title == "专题学习会"
    assert first.status == S.PLANNED and first.group == world.groups[0]
    assert first.year == world.group_years[0].year and first.created_by == world.user("office")
    # Another group's numbers run on their own.
    GroupMembership.objects.filter(unit=world.units[2]).update(is_lead=True)
    other = meetings.plan(
        world.group_years[1],
        host=world.units[2],
        starts_at=when(world.group_years[1].year, 8, 1),
        ends_at=when(world.group_years[1].year, 8, 1, 11),
        place="会议室",
        by=world.user("office"),
    )
    assert other.sequence_in_year == 1
    assert AuditEvent.objects.filter(
        object_type="meetings.jointmeeting", object_id=str(first.pk), event="record.created"
    ).exists()


def test_a_cancelled_meeting_keeps_its_number(world: World) -> None:
    gy = world.group_years[0]
    # Numbers are never given twice, not even a cancelled meeting's.
    taken = make_meeting(world, status=S.CANCELLED)
    assert taken.sequence_in_year == 1
    planned = _plan(world)
    assert planned.sequence_in_year == 2
    assert JointMeeting.objects.filter(group=gy.group, year=gy.year).count() == 2


def test_planning_tells_the_office_and_the_lead_units_once(world: World) -> None:
    meeting = _plan(world, by="unit0_secretary")
    told = _kinds(meetings.KIND_PLANNED)
    # The planner is not told of their own step.
    assert {u for u, _k in told} == {"office", "unit0_staff"}
    assert {k for _u, k in told} == {f"{meetings.KIND_PLANNED}:{meeting.pk}"}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"starts_at": when(2025, 12, 31, 9), "ends_at": when(2025, 12, 31, 11)}, "starts_at"),
        ({"starts_at": when(2027, 1, 5, 9), "ends_at": when(2027, 1, 5, 11)}, "starts_at"),
        ({"ends_at": when(2026, 7, 10, 8)}, "ends_at"),
        ({"ends_at": when(2026, 7, 10, 9)}, "ends_at"),
        ({"ends_at": when(2026, 7, 14, 9)}, "ends_at"),
        ({"place": "  "}, "place"),
    ],
)
def test_bad_times_and_places_are_refused_and_nothing_is_made(
    world: World, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _plan(world, **fields)
    assert field in refused.value.message_dict
    assert not JointMeeting.objects.exists()
    assert not Notification.objects.exists()


def test_a_meeting_outside_its_work_year_says_which_days_are_allowed(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        _plan(world, starts_at=when(2027, 3, 1), ends_at=when(2027, 3, 1, 11))
    text = " ".join(refused.value.message_dict["starts_at"])
    assert "2026" in text and "2026年1月1日" in text and "2026年12月31日" in text
    assert not JointMeeting.objects.exists()


def test_the_work_year_is_read_in_shanghai_time(world: World) -> None:
    # 2026-12-31 23:30 in Shanghai is 15:30 UTC: still the year 2026.
    late = datetime.datetime(2026, 12, 31, 15, 30, tzinfo=datetime.UTC)
    meeting = _plan(world, starts_at=late, ends_at=late + datetime.timedelta(minutes=20))
    assert meeting.year == 2026
    # 2027-01-01 00:30 in Shanghai is 2026-12-31 16:30 UTC: the year 2027, refused.
    early = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError):
        _plan(world, starts_at=early, ends_at=early + datetime.timedelta(hours=1))


def test_a_host_that_is_not_a_lead_unit_that_year_is_refused(world: World) -> None:
    # units[1] is a member of group 1 but not a lead unit; units[2] is another group's.
    for host in (world.units[1], world.units[2]):
        with pytest.raises(ValidationError) as refused:
            _plan(world, host=host)
        text = " ".join(refused.value.message_dict["host"])
        assert host.name in text and world.units[0].name in text
    # A lead unit of last year is not a lead unit this year.
    last = GroupYear.objects.create(
        committee=world.committee, group=world.groups[0], year=world.group_years[0].year - 1
    )
    GroupMembership.objects.create(
        committee=world.committee,
        group_year=last,
        unit=world.units[1],
        year=last.year,
        is_lead=True,
    )
    with pytest.raises(ValidationError):
        _plan(world, host=world.units[1])
    assert not JointMeeting.objects.exists()


def test_only_managers_of_the_group_year_plan(world: World) -> None:
    for name in (
        "leader",
        "staff",
        "unit0_staff",
        "unit0_leadership",
        "unit2_secretary",
        "auditor",
    ):
        with pytest.raises(ValidationError) as refused:
            _plan(world, by=name)
        assert refused.value.code == "not_allowed", name
    # A lead unit's secretary plans its own group only.
    with pytest.raises(ValidationError):
        meetings.plan(
            world.group_years[1],
            host=world.units[2],
            starts_at=when(2026, 8, 1),
            ends_at=when(2026, 8, 1, 11),
            place="会议室",
            by=world.user("unit0_secretary"),
        )
    assert not JointMeeting.objects.exists()


def test_a_lead_units_secretary_loses_the_right_when_the_year_ends(world: World) -> None:
    meeting = _plan(world, by="unit0_secretary")
    _with_topic(world, meeting)
    with time_machine.travel(datetime.datetime(2027, 1, 4, 2, 0, tzinfo=datetime.UTC)):
        secretary = world.user("unit0_secretary")
        forget_scope(secretary)
        with pytest.raises(ValidationError) as refused:
            meetings.cancel(meeting, secretary, reason="改期")
        assert refused.value.code == "not_allowed"
        # The office still manages it.
        meetings.cancel(meeting, world.user("office"), reason="改期")
    meeting.refresh_from_db()
    assert meeting.status == S.CANCELLED


# --- The steps in order ---------------------------------------------------------------------


def test_the_steps_in_order_stamp_bump_and_notify_once(world: World) -> None:
    meeting = _plan(world)
    version = meeting.version
    _with_topic(world, meeting)

    meetings.approve_plan(meeting, world.user("leader"))
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED and meeting.plan_approved_by == world.user("leader")
    assert meeting.version == version + 1
    assert {u for u, _k in _kinds(meetings.KIND_APPROVED)} == {"unit0_secretary", "unit0_staff"}

    reply_by = timezone.localdate() + datetime.timedelta(days=7)
    meetings.send_notice(meeting, world.user("office"), notice_text="请准备。", reply_by=reply_by)
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT and meeting.reply_by == reply_by
    assert meeting.notice_text == "请准备。" and len(meeting.checkin_token) >= 24
    assert meeting.version == version + 2
    seats = {(s.unit_id, s.user_id, s.post) for s in Attendance.objects.filter(meeting=meeting)}
    assert seats == {
        (world.units[0].pk, world.user("unit0_secretary").pk, meetings.SECRETARY_POST),
        (world.units[1].pk, None, meetings.SECRETARY_POST),
        (None, world.user("leader").pk, meetings.LEADER_POST),
    }
    noticed = _kinds(meetings.KIND_NOTICE)
    assert [u for u, _k in noticed] == ["leader", "unit0_secretary", "unit0_staff"]
    assert {k for _u, k in noticed} == {f"{meetings.KIND_NOTICE}:{meeting.pk}"}
    notice = Notification.objects.filter(kind=meetings.KIND_NOTICE).first()
    assert notice is not None and notice.url == meeting.get_absolute_url()

    # The meeting is on 10 July; the clock is at 15 June: not yet held.
    with pytest.raises(ValidationError) as refused:
        meetings.mark_held(meeting, world.user("office"))
    assert refused.value.code == "not_yet"
    with time_machine.travel(datetime.datetime(2026, 7, 10, 2, 0, tzinfo=datetime.UTC)):
        meetings.mark_held(meeting, world.user("unit0_secretary"))
    meeting.refresh_from_db()
    assert meeting.status == S.HELD and meeting.held_at is not None
    assert meeting.version == version + 3
    assert {u for u, _k in _kinds(meetings.KIND_HELD)} == {"office", "unit0_staff"}

    # Each step wrote its audit row, named by its step.
    steps = [
        (e.detail or {}).get("step")
        for e in AuditEvent.objects.filter(
            object_type="meetings.jointmeeting", object_id=str(meeting.pk)
        ).order_by("id")
    ]
    assert steps == ["planned", "plan_approved", "notice_sent", "held"]
    # Nobody was told twice.
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))


def test_approval_needs_an_agenda_and_an_approver(world: World) -> None:
    meeting = _plan(world)
    with pytest.raises(ValidationError) as refused:
        meetings.approve_plan(meeting, world.user("office"))
    assert refused.value.code == "no_agenda"
    _with_topic(world, meeting)
    for name in ("unit0_secretary", "staff", "unit0_staff"):
        with pytest.raises(ValidationError) as refused:
            meetings.approve_plan(meeting, world.user(name))
        assert refused.value.code == "not_allowed", name
    meeting.refresh_from_db()
    assert meeting.status == S.PLANNED and meeting.version == 1
    assert not Notification.objects.filter(kind=meetings.KIND_APPROVED).exists()


@pytest.mark.parametrize(
    ("status", "step"),
    [
        (S.PLANNED, "notice"),
        (S.PLANNED, "held"),
        (S.PLAN_APPROVED, "approve"),
        (S.PLAN_APPROVED, "held"),
        (S.NOTICE_SENT, "approve"),
        (S.NOTICE_SENT, "notice"),
        (S.HELD, "approve"),
        (S.HELD, "notice"),
        (S.HELD, "held"),
        (S.HELD, "cancel"),
        (S.HELD, "move"),
        (S.MINUTES_APPROVED, "cancel"),
        (S.CANCELLED, "approve"),
        (S.CANCELLED, "notice"),
        (S.CANCELLED, "held"),
        (S.CANCELLED, "cancel"),
        (S.CANCELLED, "move"),
    ],
)
def test_a_step_out_of_order_is_refused_and_changes_nothing(
    world: World, status: str, step: str
) -> None:
    meeting = make_meeting(world, status=status, starts_at=when(2026, 6, 10))
    _with_topic(world, meeting)
    before = JointMeeting.objects.filter(pk=meeting.pk).values().get()
    office = world.user("office")
    run = {
        "approve": lambda: meetings.approve_plan(meeting, office),
        "notice": lambda: meetings.send_notice(
            meeting, office, notice_text="通知", reply_by=timezone.localdate()
        ),
        "held": lambda: meetings.mark_held(meeting, office),
        "cancel": lambda: meetings.cancel(meeting, office, reason="原因"),
        "move": lambda: meetings.change_time_place(
            meeting,
            office,
            starts_at=when(2026, 9, 1),
            ends_at=when(2026, 9, 1, 11),
            place="新地点",
            reason="原因",
        ),
    }[step]
    with pytest.raises(ValidationError) as refused:
        run()
    assert refused.value.code == "out_of_order"
    assert JointMeeting.objects.filter(pk=meeting.pk).values().get() == before
    assert not Notification.objects.exists()


def test_the_notice_asks_for_a_text_and_a_reply_date_before_the_meeting(world: World) -> None:
    meeting = make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 7, 10))
    office = world.user("office")
    for text, reply_by, field in (
        ("", timezone.localdate(), "notice_text"),
        ("通知", datetime.date(2026, 7, 11), "reply_by"),
        ("通知", datetime.date(2026, 6, 14), "reply_by"),
    ):
        with pytest.raises(ValidationError) as refused:
            meetings.send_notice(meeting, office, notice_text=text, reply_by=reply_by)
        assert field in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED and not meeting.checkin_token
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_a_unit_outside_the_group_gets_no_seat_and_no_notice(world: World) -> None:
    meeting = make_meeting(world, status=S.PLAN_APPROVED, starts_at=when(2026, 7, 10))
    meetings.send_notice(
        meeting, world.user("office"), notice_text="通知", reply_by=datetime.date(2026, 7, 1)
    )
    assert not Attendance.objects.filter(meeting=meeting, unit=world.units[2]).exists()
    told = {u for u, _k in _kinds(meetings.KIND_NOTICE)}
    assert not told & {"unit2_secretary", "unit2_staff", "staff", "outsider"}


def test_cancelling_needs_a_reason_tells_the_invited_and_frees_the_topics(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 10))
    item = _with_topic(world, meeting)
    Topic.objects.filter(pk=item.topic_id).update(status=Topic.Status.SCHEDULED)
    with pytest.raises(ValidationError) as refused:
        meetings.cancel(meeting, world.user("office"), reason="  ")
    assert "reason" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT and meeting.ics_sequence == 0

    meetings.cancel(meeting, world.user("office"), reason="与全市大会冲突")
    meeting.refresh_from_db()
    assert meeting.status == S.CANCELLED and meeting.cancel_reason == "与全市大会冲突"
    assert meeting.ics_sequence == 1
    assert {u for u, _k in _kinds(meetings.KIND_CANCELLED)} == {
        "leader",
        "unit0_secretary",
        "unit0_staff",
    }
    assert Topic.objects.get(pk=item.topic_id).status == Topic.Status.ACCEPTED


def test_moving_after_the_notice_needs_a_reason_and_tells_each_change_once(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 10))
    office = world.user("office")
    with pytest.raises(ValidationError) as refused:
        meetings.change_time_place(
            meeting,
            office,
            starts_at=when(2026, 7, 12),
            ends_at=when(2026, 7, 12, 11),
            place=meeting.place,
            reason="",
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        meetings.change_time_place(
            meeting,
            office,
            starts_at=when(2027, 1, 12),
            ends_at=when(2027, 1, 12, 11),
            place=meeting.place,
            reason="改期",
        )
    assert "starts_at" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.ics_sequence == 0 and meeting.starts_at == when(2026, 7, 10)

    meetings.change_time_place(
        meeting,
        office,
        starts_at=when(2026, 7, 12),
        ends_at=when(2026, 7, 12, 11),
        place="工委五楼会议室",
        reason="领导出差",
    )
    meetings.change_time_place(
        meeting,
        office,
        starts_at=when(2026, 7, 13),
        ends_at=when(2026, 7, 13, 11),
        place="工委五楼会议室",
        reason="再次调整",
    )
    meeting.refresh_from_db()
    assert meeting.ics_sequence == 2 and meeting.place == "工委五楼会议室"
    assert meeting.starts_at == when(2026, 7, 13) and meeting.status == S.NOTICE_SENT
    changed = _kinds(meetings.KIND_CHANGED)
    assert {k for _u, k in changed} == {
        f"{meetings.KIND_CHANGED}:{meeting.pk}:1",
        f"{meetings.KIND_CHANGED}:{meeting.pk}:2",
    }
    assert sorted(u for u, k in changed if k.endswith(":1")) == [
        "leader",
        "unit0_secretary",
        "unit0_staff",
    ]
    body = Notification.objects.filter(key=f"{meetings.KIND_CHANGED}:{meeting.pk}:1").first()
    assert body is not None and "领导出差" in body.body


def test_changing_the_plan_before_the_notice_bumps_the_calendar_only_for_time_and_place(
    world: World,
) -> None:
    meeting = _plan(world)
    values: dict[str, Any] = {
        "host": meeting.host,
        "title": "",
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "place": meeting.place,
        "plan_notes": "研究年度工作",
        "by": world.user("office"),
    }
    meetings.update_plan(meeting, meeting.version, **values)
    meeting.refresh_from_db()
    assert meeting.plan_notes == "研究年度工作" and meeting.ics_sequence == 0
    assert meeting.version == 2
    values["place"] = "新会议室"
    meetings.update_plan(meeting, meeting.version, **values)
    meeting.refresh_from_db()
    assert meeting.place == "新会议室" and meeting.ics_sequence == 1
    # A stale version is refused.
    with pytest.raises(ValidationError) as refused:
        meetings.update_plan(meeting, 1, **{**values, "place": "又一处"})
    assert refused.value.code == "stale"
    # A host that is no lead unit is refused here too.
    with pytest.raises(ValidationError) as refused:
        meetings.update_plan(meeting, meeting.version, **{**values, "host": world.units[1]})
    assert "host" in refused.value.message_dict
    meeting.refresh_from_db()
    assert meeting.place == "新会议室" and meeting.host == world.units[0]


def test_next_meeting_of_skips_cancelled_and_earlier_meetings(world: World) -> None:
    gy = world.group_years[0]
    first = make_meeting(world, status=S.HELD, starts_at=when(gy.year, 3, 1))
    make_meeting(world, status=S.CANCELLED, starts_at=when(gy.year, 5, 1))
    later = make_meeting(world, status=S.PLANNED, starts_at=when(gy.year, 9, 1))
    make_meeting(world, group_year=world.group_years[1], starts_at=when(gy.year, 4, 1))
    assert meetings.next_meeting_of(gy, first.starts_at) == later
    assert meetings.next_meeting_of(gy, later.starts_at) is None
    # A later work year's meeting of the same group counts as its next one.
    following = GroupYear.objects.create(
        committee=world.committee, group=world.groups[0], year=gy.year + 1
    )
    GroupMembership.objects.create(
        committee=world.committee,
        group_year=following,
        unit=world.units[0],
        year=following.year,
        is_lead=True,
    )
    next_year = make_meeting(world, group_year=following, starts_at=when(gy.year + 1, 3, 1))
    assert meetings.next_meeting_of(gy, later.starts_at) == next_year


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time"
)
def test_two_meetings_planned_at_once_get_two_numbers(world: World) -> None:
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def planner(name: str, day: int) -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                _plan(world, by=name, starts_at=when(2026, 7, day), ends_at=when(2026, 7, day, 11))
                # Still open: the other plan must wait for this one to end.
                threading.Event().wait(0.5)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=planner, args=("office", 10)),
        threading.Thread(target=planner, args=("unit0_secretary", 11)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(JointMeeting.objects.values_list("sequence_in_year", flat=True)) == [1, 2]
