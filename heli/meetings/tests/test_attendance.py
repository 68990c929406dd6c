"""The actions of replies and the sign-in sheet: who answers which seat, what an answer
needs, until when it can change, who is told, the audit of every change; the host's
marks; the counts and the seats the reminders chase."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from heli.audit.models import AuditEvent
from heli.meetings import attendance
from heli.meetings.models import Attendance, JointMeeting
from heli.meetings.tests.factories import make_meeting, when
from heli.notifications.models import Notification
from heli.org.models import GroupMembership
from heli.testing import World, make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status
R = Attendance.Reply
P = Attendance.Presence


def _noticed(world: World, **fields: object) -> JointMeeting:
    """A noticed meeting of group 1, five days ahead of the frozen day."""
    fields.setdefault("starts_at", when(world.group_years[0].year, 6, 20))
    return make_meeting(world, status=S.NOTICE_SENT, **fields)  # type: ignore[arg-type]


def _seat(meeting: JointMeeting, world: World, index: int = 0) -> Attendance:
    return Attendance.objects.get(meeting=meeting, unit=world.units[index])


def _leader_seat(meeting: JointMeeting) -> Attendance:
    return Attendance.objects.get(meeting=meeting, unit__isnull=True)


def _audits(seat: Attendance) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="meetings.attendance", object_id=str(seat.pk))
        .exclude(event="permission.denied")
        .order_by("id")
    )


def test_secretary_and_staff_answer_their_units_seat_and_may_change_it(world: World) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    attendance.answer_notice(seat, world.user("unit0_secretary"), reply=R.ATTENDING)
    seat.refresh_from_db()
    assert seat.reply == R.ATTENDING and seat.replied_by == world.user("unit0_secretary")
    attendance.answer_notice(
        seat,
        world.user("unit0_staff"),
        reply=R.SUBSTITUTE,
        substitute_name="张副书记",
        substitute_post="机关党委副书记",
    )
    seat.refresh_from_db()
    assert (seat.reply, seat.substitute_name, seat.substitute_post) == (
        R.SUBSTITUTE,
        "张副书记",
        "机关党委副书记",
    )
    attendance.answer_notice(seat, world.user("unit0_staff"), reply=R.LEAVE, note="外出学习")
    seat.refresh_from_db()
    assert (seat.reply, seat.reply_note, seat.substitute_name) == (R.LEAVE, "外出学习", "")
    rows = _audits(seat)
    assert [row.detail["reply"] for row in rows] == [
        ["pending", "attending"],
        ["attending", "substitute"],
        ["substitute", "leave"],
    ]
    assert [row.username for row in rows] == ["unit0_secretary", "unit0_staff", "unit0_staff"]


def test_the_same_answer_again_changes_nothing_and_audits_nothing(world: World) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    attendance.answer_notice(seat, world.user("unit0_secretary"), reply=R.ATTENDING)
    first = Attendance.objects.get(pk=seat.pk).replied_at
    attendance.answer_notice(seat, world.user("unit0_secretary"), reply=R.ATTENDING)
    assert Attendance.objects.get(pk=seat.pk).replied_at == first
    assert len(_audits(seat)) == 1


def test_the_leader_answers_their_own_seat_only(world: World) -> None:
    meeting = _noticed(world)
    mine = _leader_seat(meeting)
    attendance.answer_notice(mine, world.user("leader"), reply=R.LEAVE, note="另有公务")
    assert Attendance.objects.get(pk=mine.pk).reply == R.LEAVE
    with pytest.raises(ValidationError) as refused:
        attendance.answer_notice(_seat(meeting, world), world.user("leader"), reply=R.ATTENDING)
    assert refused.value.code == "not_allowed"


@pytest.mark.parametrize(
    "name",
    [
        "staff",
        "office",
        "sysadmin",
        "secadmin",
        "auditor",
        "unit0_leadership",
        "unit2_secretary",
        "unit2_staff",
        "outsider",
        "nobody",
    ],
)
def test_nobody_else_answers_a_units_seat(world: World, name: str) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    with pytest.raises(ValidationError) as refused:
        attendance.answer_notice(seat, world.user(name), reply=R.ATTENDING)
    assert refused.value.code == "not_allowed"
    assert Attendance.objects.get(pk=seat.pk).reply == R.PENDING


@pytest.mark.parametrize(
    ("reply", "fields", "field"),
    [
        (R.SUBSTITUTE, {"substitute_post": "副书记"}, "substitute_name"),
        (R.SUBSTITUTE, {"substitute_name": "张三"}, "substitute_post"),
        (R.LEAVE, {"note": "   "}, "reply_note"),
        (R.PENDING, {}, "reply"),
        ("maybe", {}, "reply"),
        (R.ATTENDING, {"note": "长" * 301}, "reply_note"),
    ],
)
def test_an_answer_lacking_what_it_needs_is_refused_by_field(
    world: World, reply: str, fields: dict[str, Any], field: str
) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    with pytest.raises(ValidationError) as refused:
        attendance.answer_notice(seat, world.user("unit0_secretary"), reply=reply, **fields)
    assert field in refused.value.message_dict
    assert Attendance.objects.get(pk=seat.pk).reply == R.PENDING
    assert not _audits(seat)


@pytest.mark.parametrize(
    ("status", "starts"),
    [
        (S.NOTICE_SENT, (6, 15, 9)),  # began an hour ago
        (S.HELD, (6, 14, 9)),
        (S.MINUTES_APPROVED, (6, 14, 9)),
        (S.CANCELLED, (6, 20, 9)),
        (S.PLAN_APPROVED, (6, 20, 9)),
    ],
)
def test_no_answer_once_the_meeting_started_or_outside_the_notice(
    world: World, status: str, starts: tuple[int, int, int]
) -> None:
    meeting = make_meeting(
        world,
        status=status,
        starts_at=when(world.group_years[0].year, *starts),
        seats=True,
    )
    seat = _seat(meeting, world)
    with pytest.raises(ValidationError) as refused:
        attendance.answer_notice(seat, world.user("unit0_secretary"), reply=R.ATTENDING)
    assert refused.value.code == "closed"
    assert Attendance.objects.get(pk=seat.pk).reply == R.PENDING


def test_leave_and_substitute_tell_the_managers_and_the_office_once(world: World) -> None:
    meeting = _noticed(world)
    seat = _seat(meeting, world)
    attendance.answer_notice(seat, world.user("unit0_staff"), reply=R.ATTENDING)
    assert not Notification.objects.filter(kind=attendance.KIND_REPLY).exists()
    attendance.answer_notice(seat, world.user("unit0_staff"), reply=R.LEAVE, note="外出学习")
    told = Notification.objects.filter(kind=attendance.KIND_REPLY)
    # The office, and the lead unit's secretary (who manages the group this year).
    assert sorted(told.values_list("recipient__username", flat=True)) == [
        "office",
        "unit0_secretary",
    ]
    assert all("外出学习" in n.body for n in told)
    # Taking the leave back tells them too; the one who answered is never told.
    attendance.answer_notice(seat, world.user("unit0_secretary"), reply=R.ATTENDING)
    assert told.all().count() == 3
    assert not told.filter(recipient=world.user("unit0_staff")).exists()


def test_a_seat_of_a_unit_outside_the_group_cannot_be_answered_or_added(world: World) -> None:
    meeting = _noticed(world)
    # A seat that should not exist (the unit belongs to group 2).
    stray = Attendance.objects.create(
        committee=world.committee, meeting=meeting, unit=world.units[2], name="unit2_secretary"
    )
    with pytest.raises(ValidationError) as refused:
        attendance.answer_notice(stray, world.user("unit2_secretary"), reply=R.ATTENDING)
    assert refused.value.code == "outside_group"
    assert world.units[2].name in refused.value.messages[0]
    assert Attendance.objects.get(pk=stray.pk).reply == R.PENDING
    with pytest.raises(ValidationError) as refused:
        attendance.add_seat(meeting, world.units[3], world.user("office"))
    assert refused.value.code == "outside_group"
    assert not Attendance.objects.filter(meeting=meeting, unit=world.units[3]).exists()


def test_a_unit_that_joined_the_group_gets_its_seat_once(world: World) -> None:
    meeting = _noticed(world)
    late = make_unit(world.committee, "新成员单位", 9)
    GroupMembership.objects.create(
        committee=world.committee, group_year=world.group_years[0], unit=late, year=meeting.year
    )
    with pytest.raises(ValidationError):
        attendance.add_seat(meeting, late, world.user("unit0_staff"))  # does not manage
    seat = attendance.add_seat(meeting, late, world.user("office"))
    assert seat.unit == late and seat.reply == R.PENDING
    with pytest.raises(ValidationError) as refused:
        attendance.add_seat(meeting, late, world.user("office"))
    assert refused.value.code == "seated"


def test_the_host_marks_every_kind_and_leave_needs_a_reason(world: World) -> None:
    meeting = make_meeting(
        world, status=S.NOTICE_SENT, starts_at=when(world.group_years[0].year, 6, 15, 9)
    )
    seat = _seat(meeting, world)
    host = world.user("unit0_secretary")
    for mark in (P.PRESENT, P.ABSENT):
        attendance.mark_presence(seat, host, presence=mark)
        seat.refresh_from_db()
        assert (seat.presence, seat.signed_via, seat.signed_by) == (mark, "host", host)
    with pytest.raises(ValidationError) as refused:
        attendance.mark_presence(seat, host, presence=P.LEAVE)
    assert "note" in refused.value.message_dict
    assert Attendance.objects.get(pk=seat.pk).presence == P.ABSENT
    attendance.mark_presence(seat, host, presence=P.LEAVE, note="突发公务")
    seat.refresh_from_db()
    assert (seat.presence, seat.presence_note) == (P.LEAVE, "突发公务")
    attendance.mark_presence(seat, host, presence=P.UNKNOWN)
    seat.refresh_from_db()
    assert (seat.presence, seat.signed_by, seat.signed_at) == ("", None, None)
    marks = [row.detail["presence"] for row in _audits(seat)]
    assert marks == [["", "present"], ["present", "absent"], ["absent", "leave"], ["leave", ""]]


def test_the_replys_substitute_and_reason_fill_the_hosts_mark(world: World) -> None:
    meeting = make_meeting(
        world, status=S.NOTICE_SENT, starts_at=when(world.group_years[0].year, 6, 15, 9)
    )
    seat = _seat(meeting, world)
    Attendance.objects.filter(pk=seat.pk).update(reply=R.SUBSTITUTE, substitute_name="张副书记")
    attendance.mark_presence(seat, world.user("office"), presence=P.SUBSTITUTE)
    assert Attendance.objects.get(pk=seat.pk).presence_note == "张副书记"
    other = _leader_seat(meeting)
    Attendance.objects.filter(pk=other.pk).update(reply=R.LEAVE, reply_note="出差")
    attendance.mark_presence(other, world.user("office"), presence=P.LEAVE)
    assert Attendance.objects.get(pk=other.pk).presence_note == "出差"


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("office", True),
        ("unit0_secretary", True),
        ("unit0_staff", False),
        ("unit0_leadership", False),
        ("leader", False),
        ("staff", False),
        ("unit2_secretary", False),
        ("sysadmin", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_only_the_managers_keep_the_sheet(world: World, name: str, allowed: bool) -> None:
    meeting = make_meeting(
        world, status=S.NOTICE_SENT, starts_at=when(world.group_years[0].year, 6, 15, 9)
    )
    seat = _seat(meeting, world)
    if allowed:
        attendance.mark_presence(seat, world.user(name), presence=P.PRESENT)
        assert Attendance.objects.get(pk=seat.pk).presence == P.PRESENT
    else:
        with pytest.raises(ValidationError):
            attendance.mark_presence(seat, world.user(name), presence=P.PRESENT)
        assert Attendance.objects.get(pk=seat.pk).presence == ""


@pytest.mark.parametrize(
    ("status", "starts"),
    [
        (S.NOTICE_SENT, (6, 16, 9)),  # tomorrow
        (S.MINUTES_APPROVED, (6, 10, 9)),
        (S.CANCELLED, (6, 15, 9)),
    ],
)
def test_the_sheet_is_marked_from_the_meeting_day_until_the_minutes(
    world: World, status: str, starts: tuple[int, int, int]
) -> None:
    meeting = make_meeting(
        world, status=status, starts_at=when(world.group_years[0].year, *starts), seats=True
    )
    seat = _seat(meeting, world)
    with pytest.raises(ValidationError) as refused:
        attendance.mark_presence(seat, world.user("office"), presence=P.PRESENT)
    assert refused.value.code == "closed"
    assert Attendance.objects.get(pk=seat.pk).presence == ""


def test_the_sheet_stays_open_after_the_day_while_held(world: World) -> None:
    meeting = make_meeting(
        world, status=S.HELD, starts_at=when(world.group_years[0].year, 6, 10, 9)
    )
    seat = _seat(meeting, world)
    attendance.mark_presence(seat, world.user("office"), presence=P.PRESENT)
    assert Attendance.objects.get(pk=seat.pk).presence == P.PRESENT


def test_summary_counts_replies_and_sign_in(world: World) -> None:
    meeting = make_meeting(
        world, status=S.NOTICE_SENT, starts_at=when(world.group_years[0].year, 6, 15, 9)
    )
    Attendance.objects.filter(pk=_seat(meeting, world).pk).update(
        reply=R.SUBSTITUTE, presence=P.SUBSTITUTE
    )
    Attendance.objects.filter(pk=_leader_seat(meeting).pk).update(reply=R.LEAVE, presence=P.LEAVE)
    counts = attendance.summary(meeting)
    assert counts == {
        "expected": 3,
        "present": 0,
        "substitute": 1,
        "leave": 1,
        "absent": 0,
        "unsigned": 1,
        "reply_pending": 1,
        "reply_attending": 0,
        "reply_substitute": 1,
        "reply_leave": 1,
    }
    assert attendance.count_seats(attendance.seats_of(meeting)) == counts


def test_unanswered_seats_are_those_noticed_long_enough_ago_before_the_meeting(
    world: World,
) -> None:
    year = world.group_years[0].year
    zone = timezone.get_default_timezone()
    sent = datetime.datetime(year, 6, 12, 23, 30, tzinfo=zone)  # late on the 12th
    due = _noticed(world, notice_sent_at=sent)
    fresh = _noticed(world, notice_sent_at=sent + datetime.timedelta(days=2))
    _noticed(world, notice_sent_at=sent, starts_at=when(year, 6, 15, 9))  # already begun
    answered = _seat(due, world)
    Attendance.objects.filter(pk=answered.pk).update(reply=R.ATTENDING)
    found = attendance.unanswered_seats(world.committee, datetime.date(year, 6, 12))
    assert set(found.values_list("meeting_id", "unit_id")) == {
        (due.pk, world.units[1].pk),
        (due.pk, None),
    }
    assert not attendance.unanswered_seats(world.committee, datetime.date(year, 6, 11)).exists()
    later = attendance.unanswered_seats(world.committee, datetime.date(year, 6, 14))
    assert {m for (m,) in later.values_list("meeting_id")} == {due.pk, fresh.pk}
    assert not attendance.unanswered_seats(world.other_committee, datetime.date(year, 6, 14))
