"""The demonstration joint meetings: loaded once, every group met twice last year, some
behind this year, decisions numbered without gaps and carried as tasks, the topic queue in
every state."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from heli.liaison import demo as liaison_demo
from heli.liaison.models import Contact
from heli.lib import demo
from heli.meetings import demo as meetings_demo
from heli.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionCounter,
    DecisionUnit,
    JointMeeting,
    Topic,
)
from heli.org.demo import load_demo
from heli.org.demo_data import DEMO_UNIT
from heli.org.models import Committee, GroupMembership, GroupYear
from heli.tracking.models import Task, TaskTransition
from heli.tracking.workflow import Status as TaskStatus

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

M = JointMeeting.Status
# Early January: this year has barely begun.
EARLY_JANUARY = datetime.datetime(2027, 1, 3, 2, 0, tzinfo=datetime.UTC)


def _registry_and_contacts() -> Committee:
    """The demonstration registry and contacts (without the battle map's own tasks, to
    stay quick), then the meetings."""
    with demo.DEMO_LOADERS.only(demo.DEMO_LOADERS.get("org")):  # type: ignore[arg-type]
        found = load_demo().committee
    liaison_demo.load_demo_contacts(found)
    meetings_demo.load_demo_meetings(found)
    return found


@pytest.fixture
def committee() -> Committee:
    return _registry_and_contacts()


def _counts() -> tuple[int, ...]:
    return (
        Topic.objects.count(),
        JointMeeting.objects.count(),
        AgendaItem.objects.count(),
        Attendance.objects.count(),
        Decision.objects.count(),
        DecisionUnit.objects.count(),
        sum(DecisionCounter.objects.values_list("last", flat=True)),
        Task.objects.filter(source_kind="meetings").count(),
        TaskTransition.objects.count(),
    )


def test_load_demo_loads_the_meetings_once_and_names_them() -> None:
    first = load_demo()
    assert [loader.code for loader in demo.ordered()][-1] == "meetings"
    assert first.created["joint_meeting"] >= 16 and first.created["meeting_decision"] > 0
    assert any("联席会 " in line for line in first.summary())
    before = _counts()
    second = load_demo()
    assert _counts() == before
    assert not any(second.created[key] for key in meetings_demo.LABELS)
    again = meetings_demo.load_demo_meetings(first.committee)
    assert not again.changed
    assert _counts() == before


def _every_group_met_twice_last_year_with_minutes_and_sign_in(committee: Committee) -> None:
    last = timezone.localdate().year - 1
    group_years = list(GroupYear.objects.filter(committee=committee, year=last))
    assert len(group_years) == 8
    for gy in group_years:
        approved = JointMeeting.objects.filter(group_year=gy, status=M.MINUTES_APPROVED)
        assert approved.count() >= 2, gy
        for meeting in approved:
            assert meeting.minutes and meeting.minutes_approved_at is not None
            assert not meeting.agenda.filter(outcome="").exists()
            seats = list(meeting.attendance.all())
            members = GroupMembership.objects.filter(group_year=gy).count()
            assert sum(1 for s in seats if s.unit_id) == members
            assert all(s.presence for s in seats)
    presence = Counter(
        Attendance.objects.filter(meeting__year=last).values_list("presence", flat=True)
    )
    assert presence["present"] > 3 * (presence["substitute"] + presence["leave"])
    assert presence["substitute"] and presence["leave"]
    shared = JointMeeting.objects.filter(year=last, shared_at__isnull=False)
    assert shared.count() >= 2 and all(m.shared_note for m in shared)
    # One topic was not reached and carried over to the group's next meeting.
    carried = Topic.objects.filter(committee=committee, year=last, carried_from__isnull=False)
    assert carried.count() == 1
    topic = carried.get()
    items = list(AgendaItem.objects.filter(topic=topic).order_by("meeting__starts_at"))
    assert [i.outcome for i in items][0] == AgendaItem.Outcome.NOT_REACHED
    assert items[0].meeting_id == topic.carried_from_id and len(items) == 2


def _this_year_some_groups_are_behind_and_others_on_their_way(committee: Committee) -> None:
    today = timezone.localdate()
    year = today.year
    counted = {
        gy.pk: JointMeeting.objects.filter(group_year=gy).exclude(status=M.CANCELLED).count()
        for gy in GroupYear.objects.filter(committee=committee, year=year)
    }
    assert any(n < 2 for n in counted.values())  # amber: cannot meet the rule as it stands
    assert any(n == 0 for n in counted.values())  # no meeting yet
    assert sum(1 for n in counted.values() if n >= 2) >= 3
    now = timezone.now()
    soon = JointMeeting.objects.get(committee=committee, year=year, status=M.NOTICE_SENT)
    assert now < soon.starts_at < now + datetime.timedelta(days=10)
    replies = Counter(soon.attendance.values_list("reply", flat=True))
    assert replies["pending"] and replies["attending"] and len(replies) >= 3
    # The demonstration unit leads that group and has the notice still to answer.
    assert soon.attendance.get(unit__name=DEMO_UNIT).reply == Attendance.Reply.PENDING
    assert GroupMembership.objects.filter(
        group_year=soon.group_year, unit__name=DEMO_UNIT, is_lead=True
    ).exists()
    held = JointMeeting.objects.get(committee=committee, year=year, status=M.HELD)
    assert held.starts_at < now and held.minutes_approved_at is None
    assert held.attendance.exclude(presence="").exists()
    assert JointMeeting.objects.filter(year=year, shared_at__isnull=False).exists()


def _every_meeting_keeps_the_rules(committee: Committee) -> None:
    now = timezone.now()
    leads = set(
        GroupMembership.objects.filter(committee=committee, is_lead=True).values_list(
            "group_year_id", "unit_id"
        )
    )
    for m in JointMeeting.objects.filter(committee=committee):
        assert timezone.localtime(m.starts_at).year == m.year == m.group_year.year
        assert m.group_id == m.group_year.group_id
        assert (m.group_year_id, m.host_id) in leads
        if m.status in (M.HELD, M.MINUTES_APPROVED):
            assert m.starts_at < now and m.held_at is not None and m.held_at <= now
        else:
            assert m.starts_at > now
        if m.status == M.MINUTES_APPROVED:
            assert m.minutes_approved_at is not None and m.minutes_approved_at <= now
        if m.status in (M.NOTICE_SENT, M.HELD, M.MINUTES_APPROVED):
            assert m.checkin_token and m.notice_sent_at is not None
            assert m.notice_sent_at <= now and m.attendance.exists()
        if m.shared_at is not None:
            assert m.status == M.MINUTES_APPROVED and m.shared_at <= now


def _decisions_are_numbered_without_gaps_and_became_tasks(committee: Committee) -> None:
    by_group: dict[tuple[int, int], list[Decision]] = defaultdict(list)
    for d in Decision.objects.filter(committee=committee).order_by("serial"):
        by_group[(d.group_id, d.year)].append(d)
    assert by_group
    years = {year for _g, year in by_group}
    assert years == {timezone.localdate().year - 1, timezone.localdate().year}
    for (group_id, year), found in by_group.items():
        assert [d.serial for d in found] == list(range(1, len(found) + 1))
        counter = DecisionCounter.objects.get(committee=committee, group_id=group_id, year=year)
        assert counter.last == len(found)
        # Numbered in the order the meetings were held.
        starts = [d.meeting.starts_at for d in found]
        assert starts == sorted(starts)
    tasks = {t.source_id: t for t in Task.objects.filter(source_type="meetings.decision")}
    decisions = list(Decision.objects.filter(committee=committee))
    assert set(tasks) == {d.pk for d in decisions}
    for d in decisions:
        task = tasks[d.pk]
        assert task.source_kind == "meetings" and task.number
        assert task.lead_unit_id == d.lead_unit_id and task.department_id == d.department_id
        assert task.deadline == d.deadline and task.title == d.title
        assert task.assigned_at == timezone.localdate(d.meeting.starts_at)
        assert task.source_url == d.get_absolute_url() and d.number in task.basis
        assert task.year == d.year
        last = task.transitions.order_by("at", "id").last()
        assert last is not None and last.to_status == task.status
    last_year = Counter(t.status for t in tasks.values() if t.year < timezone.localdate().year)
    assert last_year[TaskStatus.CLOSED] > last_year[TaskStatus.ASSIGNED]


def _the_topic_queue_has_every_state_and_every_kind_of_proposer(committee: Committee) -> None:
    year = timezone.localdate().year
    topics = Topic.objects.filter(committee=committee, year=year)
    assert set(topics.values_list("status", flat=True)) == set(Topic.Status.values)
    assert topics.filter(proposer_department__isnull=False).exists()
    assert topics.filter(proposer_unit__isnull=False).exists()
    merged = topics.get(status=Topic.Status.MERGED)
    assert merged.merged_into is not None and merged.merged_into.status == Topic.Status.ACCEPTED
    assert topics.get(status=Topic.Status.RETURNED).return_reason
    origin = topics.get(origin_type="liaison.contact")
    assert origin.origin_id is not None
    contact = Contact.objects.get(pk=origin.origin_id)
    assert origin.origin_url == contact.get_absolute_url() and contact.title in origin.origin_label
    # A lead unit's proposal comes from its secretary, for its own group.
    for topic in topics.filter(proposer_unit__isnull=False):
        assert GroupMembership.objects.filter(
            group_year__year=year, unit=topic.proposer_unit, is_lead=True
        ).exists()
    scheduled = topics.filter(status=Topic.Status.SCHEDULED)
    assert scheduled.exists() and all(t.agenda_items.exists() for t in scheduled)
    every_kind = set(
        Topic.objects.filter(committee=committee).values_list("kind", flat=True).distinct()
    )
    assert len(every_kind) == 5


def _the_lead_secretaries_of_this_year_are_named(committee: Committee) -> None:
    rows = meetings_demo.lead_secretaries(committee, timezone.localdate().year)
    assert len(rows) == 16
    assert any(username == "secretary" for _g, _u, username, _n in rows)


def test_last_year_every_group_met_twice_and_its_decisions_became_tasks(
    committee: Committee,
) -> None:
    """(One load for several readings: loading takes seconds.)"""
    _every_group_met_twice_last_year_with_minutes_and_sign_in(committee)
    _every_meeting_keeps_the_rules(committee)
    _decisions_are_numbered_without_gaps_and_became_tasks(committee)


def test_this_year_the_queue_is_full_and_some_groups_are_behind(committee: Committee) -> None:
    _this_year_some_groups_are_behind_and_others_on_their_way(committee)
    _the_topic_queue_has_every_state_and_every_kind_of_proposer(committee)
    _the_lead_secretaries_of_this_year_are_named(committee)


@pytest.mark.frozen_clock(EARLY_JANUARY)
def test_a_load_at_the_start_of_a_year_keeps_every_rule() -> None:
    committee = _registry_and_contacts()
    now = timezone.now()
    year = timezone.localdate().year
    assert JointMeeting.objects.filter(year=year - 1, status=M.MINUTES_APPROVED).count() == 16
    for m in JointMeeting.objects.filter(committee=committee, year=year):
        assert timezone.localtime(m.starts_at).year == year
        assert (m.starts_at < now) == (m.status in (M.HELD, M.MINUTES_APPROVED))
    for m in JointMeeting.objects.filter(committee=committee):
        for moment in (m.plan_approved_at, m.notice_sent_at, m.held_at, m.minutes_approved_at):
            assert moment is None or moment <= now
    assert not meetings_demo.load_demo_meetings(committee).changed
