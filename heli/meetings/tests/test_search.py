"""Topics and meetings as search documents: what they can be found by, their addresses, a
bounded number of queries, and the policy deciding who finds a meeting."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heli.accounts.policy import visible_ids
from heli.lib.search import SEARCH_SOURCES, source_for
from heli.meetings import sharing
from heli.meetings.models import AgendaItem, AgendaKind, Decision, JointMeeting, Topic
from heli.meetings.tests.factories import S, make_meeting, make_topic, when
from heli.testing import World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _meeting_with_minutes(
    world: World, title: str = "推动机关党建与业务工作深度融合"
) -> JointMeeting:
    topic = make_topic(world, title=title, kind=AgendaKind.ISSUES)
    meeting = make_meeting(
        world, status=S.MINUTES_APPROVED, topics=[topic], minutes="会议研究了党建与业务融合问题。"
    )
    item = AgendaItem.objects.get(meeting=meeting)
    item.outcome, item.outcome_text = AgendaItem.Outcome.DECIDED, "议定开展典型案例征集。"
    item.save(update_fields=["outcome", "outcome_text"])
    Decision.objects.create(
        committee=world.committee,
        meeting=meeting,
        agenda_item=item,
        group=meeting.group,
        year=meeting.year,
        serial=Decision.objects.filter(group=meeting.group, year=meeting.year).count() + 1,
        title="开展典型案例征集",
        content="各成员单位报送一个典型案例。",
        lead_unit=world.units[0],
        department=world.department,
        deadline=meeting.starts_at.date(),
        created_by=world.user("office"),
    )
    return meeting


def test_both_kinds_are_registered() -> None:
    codes = {s.code for s in SEARCH_SOURCES.all()}
    assert {"meetings.topic", "meetings.meeting"} <= codes
    assert source_for("meetings.topic") is not None
    assert source_for("meetings.jointmeeting") is not None


def test_a_topic_is_found_by_its_title_description_kind_and_origin(world: World) -> None:
    topic = make_topic(
        world,
        title="加强党务干部队伍建设",
        description="研究解决党务干部配备不足的问题。",
        kind=AgendaKind.ISSUES,
        origin_type="liaison.contact",
        origin_id=1,
        origin_label="沟通联系：第一组座谈会",
    )
    make_topic(world, title="另一个委员会的议题", committee=world.other_committee)
    source = source_for("meetings.topic")
    assert source is not None
    documents = {d.pk: d for d in source.documents(world.committee.pk)}
    assert set(documents) == {topic.pk}
    found = documents[topic.pk]
    assert found.title == "加强党务干部队伍建设" and found.model == "meetings.topic"
    assert "党务干部配备不足" in found.body and "第一组座谈会" in found.body
    assert "宣传部" in found.body  # the proposing department
    assert found.url == topic.get_absolute_url()
    assert found.date == timezone.localdate()
    assert source.document(topic) == found


def test_a_meeting_is_found_by_its_agenda_outcomes_minutes_decisions_and_note(
    world: World,
) -> None:
    meeting = _meeting_with_minutes(world)
    source = source_for("meetings.jointmeeting")
    assert source is not None
    found = source.document(meeting)
    assert found.title == meeting.title and found.url == meeting.get_absolute_url()
    assert found.date == datetime.date(meeting.year, 6, 15)
    for text in (
        "推动机关党建与业务工作深度融合",
        "议定开展典型案例征集。",
        "会议研究了党建与业务融合问题。",
        f"第1组〔{meeting.year}〕1号",
        "各成员单位报送一个典型案例。",
        "工委三楼会议室",
    ):
        assert text in found.body, text
    assert "可供各组借鉴" not in found.body
    sharing.share_meeting(meeting, world.user("office"), "做法可供各组借鉴。")
    assert "可供各组借鉴" in source.document(JointMeeting.objects.get(pk=meeting.pk)).body
    assert [d.pk for d in source.documents(world.committee.pk)] == [meeting.pk]


def test_indexing_every_meeting_takes_a_bounded_number_of_queries(world: World) -> None:
    source = source_for("meetings.jointmeeting")
    assert source is not None

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            documents = list(source.documents(world.committee.pk))
        assert documents
        return len(captured)

    _meeting_with_minutes(world, "议题一")
    few = queries()
    for n in range(5):
        _meeting_with_minutes(world, f"议题{n + 2}")
    assert queries() == few


def test_who_finds_a_meeting_is_the_policys_word(world: World) -> None:
    meeting = _meeting_with_minutes(world)
    topic_id = AgendaItem.objects.get(meeting=meeting).topic_id
    source = source_for("meetings.jointmeeting")
    assert source is not None
    ids = [d.pk for d in source.documents(world.committee.pk)]
    assert visible_ids(world.user("unit0_staff"), JointMeeting, ids) == {meeting.pk}
    assert visible_ids(world.user("unit2_staff"), JointMeeting, ids) == set()
    assert visible_ids(world.user("unit2_staff"), Topic, [topic_id]) == set()
    assert visible_ids(world.user("auditor"), JointMeeting, ids) == set()
    sharing.share_meeting(meeting, world.user("office"), "做法可供各组借鉴。")
    assert visible_ids(world.user("unit2_staff"), JointMeeting, ids) == {meeting.pk}
    assert visible_ids(world.user("unit2_staff"), Topic, [topic_id]) == {topic_id}
    other = make_meeting(world, group_year=world.group_years[1], starts_at=when(meeting.year, 9))
    assert visible_ids(world.user("unit0_staff"), JointMeeting, [other.pk]) == set()
