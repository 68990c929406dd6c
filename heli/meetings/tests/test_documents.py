"""The meeting notice and the minutes as Word documents in the official layout."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx.shared import RGBColor

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.lib import officialdoc
from heli.lib.ui import record_actions
from heli.meetings import documents
from heli.meetings.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionUnit,
    JointMeeting,
    MeetingSettings,
)
from heli.meetings.tests.factories import make_meeting, make_topic
from heli.testing import WORLD_USERS, World

pytestmark = pytest.mark.django_db
S = JointMeeting.Status
# Who sees a meeting of group 1 (units 0 and 1): the committee's readers and unit 0's people.
SEES_GROUP_1 = {"leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff"}


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _meeting(world: World, status: str, **fields: Any) -> JointMeeting:
    topic = make_topic(world, title="推动机关党建与业务深度融合")
    meeting = make_meeting(world, status=status, topics=[topic], **fields)
    AgendaItem.objects.filter(meeting=meeting).update(
        reporter_unit=world.units[1],
        reporter_note="介绍本单位做法",
        materials_note="书面交流材料",
    )
    return meeting


def _texts(content: bytes) -> list[str]:
    return [p.text for p in officialdoc.open_docx(content).paragraphs if p.text]


def test_the_notice_prints_in_the_official_layout(world: World) -> None:
    meeting = _meeting(world, S.NOTICE_SENT, notice_text="请各单位书记本人参会。")
    response = _client(world, "unit0_staff").get(reverse("meetings:notice_docx", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == documents.DOCX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = officialdoc.open_docx(response.content)
    texts = [p.text for p in document.paragraphs if p.text]
    year = meeting.year
    assert texts[0] == world.committee.name  # the issuer: the committee's name by default
    assert document.paragraphs[0].runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    # The title, broken in two where the words allow (it is longer than one line).
    assert texts[1] == f"关于召开第一组{year}年\n第1次联席会议的通知"
    assert texts[2] == "测试单位0机关党委、测试单位1机关党委："
    assert "由测试单位0承办" in texts[3]
    body = "\n".join(texts)
    weekday = "一二三四五六日"[timezone.localtime(meeting.starts_at).weekday()]
    assert f"{year}年6月15日（星期{weekday}）9:00—11:00" in body
    assert "工委三楼会议室" in texts
    assert "（一）推动机关党建与业务深度融合（测试单位1汇报）。介绍本单位做法。" in texts
    assert "1. 请测试单位1就第（一）项议题准备书面交流材料。" in texts
    assert "2. 请各单位书记本人参会。" in texts
    reply_by = officialdoc.chinese_date(meeting.reply_by)  # type: ignore[arg-type]
    assert any(t.startswith("3. 请各成员单位于" + reply_by) for t in texts)
    # The attendee list: the liaison leader first, then the member units in their order.
    assert "1. 工委领导（联系本组）李领导" in texts
    assert "2. 测试单位0机关党委书记unit0_secretary" in texts
    assert "联系人：赵办公室" in texts
    sent = meeting.notice_sent_at
    assert sent is not None
    assert texts[-2:] == [
        world.committee.name,
        officialdoc.chinese_date(timezone.localtime(sent).date()),
    ]
    assert "PAGE" in document.sections[0].footer.paragraphs[0]._p.xml
    assert AuditEvent.objects.filter(
        event=events.EXPORT, object_type="meetings.jointmeeting", object_id=str(meeting.pk)
    ).exists()


def test_the_notice_names_the_committees_issuer(world: World) -> None:
    found = MeetingSettings.of(world.committee)
    found.issuer = "测试市直机关工委联席会议办公室"
    found.save(update_fields=["issuer"])
    meeting = _meeting(world, S.PLAN_APPROVED)
    content = _client(world, "office").get(reverse("meetings:notice_docx", args=[meeting.pk]))
    texts = _texts(content.content)
    assert texts[0] == "测试市直机关工委联席会议办公室"
    assert texts[-2] == "测试市直机关工委联席会议办公室"
    # Before the notice is sent there are no seats: the notice says who attends in words.
    assert "各成员单位机关党委（总支、支部）书记，工委联系领导。" in texts


@pytest.mark.parametrize("status", [S.PLANNED, S.CANCELLED])
def test_no_notice_before_the_plan_is_approved_or_for_a_cancelled_meeting(
    world: World, status: str
) -> None:
    meeting = _meeting(world, status)
    response = _client(world, "office").get(reverse("meetings:notice_docx", args=[meeting.pk]))
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert not AuditEvent.objects.filter(event=events.EXPORT).exists()


@pytest.mark.parametrize("name", WORLD_USERS)
def test_whoever_sees_the_meeting_downloads_its_documents(world: World, name: str) -> None:
    meeting = _meeting(world, S.HELD)
    client = _client(world, name)
    expected = 200 if name in SEES_GROUP_1 else 404
    for url_name in ("meetings:notice_docx", "meetings:minutes_docx", "meetings:attendance_xlsx"):
        response = client.get(reverse(url_name, args=[meeting.pk]))
        assert response.status_code == expected, (name, url_name)


def test_a_shared_meeting_is_read_by_other_groups(world: World) -> None:
    meeting = _meeting(world, S.MINUTES_APPROVED)
    url = reverse("meetings:minutes_docx", args=[meeting.pk])
    assert _client(world, "unit2_staff").get(url).status_code == 404
    JointMeeting.objects.filter(pk=meeting.pk).update(
        shared_at=timezone.now(), shared_by=world.user("office")
    )
    assert _client(world, "unit2_staff").get(url).status_code == 200


def test_a_forged_id_is_a_404(world: World) -> None:
    client = _client(world, "office")
    assert client.get(reverse("meetings:notice_docx", args=[999999])).status_code == 404


def _minutes_meeting(world: World, status: str) -> JointMeeting:
    meeting = _meeting(world, status, minutes="会议传达学习了有关精神。\n各单位交流了工作做法。")
    item = meeting.agenda.get()
    item.outcome = AgendaItem.Outcome.DECIDED
    item.outcome_text = "会议同意制定融合工作清单"
    item.save(update_fields=["outcome", "outcome_text"])
    decision = Decision.objects.create(
        committee=world.committee,
        meeting=meeting,
        agenda_item=item,
        group=meeting.group,
        year=meeting.year,
        serial=3,
        title="制定机关党建与业务融合工作清单",
        content="各成员单位结合实际制定清单。",
        lead_unit=world.units[0],
        department=world.department,
        deadline=datetime.date(meeting.year, 9, 30),
        created_by=world.user("office"),
    )
    DecisionUnit.objects.create(committee=world.committee, decision=decision, unit=world.units[1])
    seats = {s.unit_id: s for s in meeting.attendance.all()}
    Attendance.objects.filter(pk=seats[world.units[0].pk].pk).update(presence="present")
    Attendance.objects.filter(pk=seats[world.units[1].pk].pk).update(
        presence="substitute", substitute_name="钱副书记", substitute_post="机关党委副书记"
    )
    Attendance.objects.filter(pk=seats[None].pk).update(presence="leave", presence_note="公务外出")
    return meeting


def test_the_minutes_are_a_draft_until_approved(world: World) -> None:
    meeting = _minutes_meeting(world, S.HELD)
    url = reverse("meetings:minutes_docx", args=[meeting.pk])
    texts = _texts(_client(world, "unit0_secretary").get(url).content)
    assert texts[1] == f"第一组{meeting.year}年第1次联席会议纪要\n（送审稿）"
    assert "时间：" + documents.meeting_time(meeting) in texts
    assert "地点：工委三楼会议室" in texts
    assert "承办单位：测试单位0" in texts
    assert "出席：测试单位0机关党委书记unit0_secretary。" in texts
    assert "委托出席：测试单位1机关党委副书记钱副书记（替会）。" in texts
    assert "请假：工委领导（联系本组）李领导（公务外出）。" in texts
    assert "会议传达学习了有关精神。" in texts and "各单位交流了工作做法。" in texts
    assert (
        "（一）推动机关党建与业务深度融合。会议作出议定，详见议定事项。会议同意制定融合工作清单。"
        in texts
    )
    decision = next(t for t in texts if t.startswith("1. "))
    assert f"第1组〔{meeting.year}〕3号" in decision
    assert "牵头单位：测试单位0；配合单位：测试单位1；督办处室：宣传部" in decision
    assert f"完成时限：{meeting.year}年9月30日。" in decision


def test_approved_minutes_carry_no_draft_mark_and_the_approval_date(world: World) -> None:
    meeting = _minutes_meeting(world, S.MINUTES_APPROVED)
    url = reverse("meetings:minutes_docx", args=[meeting.pk])
    response = _client(world, "leader").get(url)
    texts = _texts(response.content)
    assert texts[1] == f"第一组{meeting.year}年第1次联席会议纪要"
    approved = meeting.minutes_approved_at
    assert approved is not None
    assert texts[-1] == officialdoc.chinese_date(timezone.localtime(approved).date())
    assert "（送审稿）" not in response["Content-Disposition"]


@pytest.mark.parametrize("status", [S.PLAN_APPROVED, S.NOTICE_SENT, S.CANCELLED])
def test_no_minutes_before_the_meeting_is_held(world: World, status: str) -> None:
    meeting = _meeting(world, status)
    response = _client(world, "office").get(reverse("meetings:minutes_docx", args=[meeting.pk]))
    assert response.status_code == 302


def test_the_meeting_page_offers_what_is_ready(world: World) -> None:
    office = world.user("office")
    approved = _meeting(world, S.PLAN_APPROVED)
    labels = [a.url for a in record_actions(office, approved)]
    assert reverse("meetings:notice_docx", args=[approved.pk]) in labels
    assert reverse("meetings:minutes_docx", args=[approved.pk]) not in labels
    assert reverse("meetings:attendance_xlsx", args=[approved.pk]) not in labels
    held = _meeting(world, S.HELD)
    urls = [a.url for a in record_actions(office, held)]
    for name in ("meetings:notice_docx", "meetings:minutes_docx", "meetings:attendance_xlsx"):
        assert reverse(name, args=[held.pk]) in urls
    assert not [
        a
        for a in record_actions(world.user("sysadmin"), held)
        if "docx" in a.url or "xlsx" in a.url
    ]
