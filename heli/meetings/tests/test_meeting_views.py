"""The meeting pages as every role: who sees a meeting (a forged id or another group's is a
404), who may take which step (403 otherwise), planning from the form with its refusals
kept as typed, each step's form, the agenda, the meeting's files, and the pages' fixed
query counts."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.files.models import Attachment
from heli.meetings import meetings
from heli.meetings.models import AgendaItem, Attendance, JointMeeting, Topic
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.notifications.models import Notification
from heli.org.models import GroupYear
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

S = JointMeeting.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Who sees a meeting of group 1 (units[0] and units[1]): the committee's readers and the
# group's units; never the administrators, another group's unit or another committee.
SEES = {"leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff"}
MANAGES = {"office", "unit0_secretary"}


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _url(name: str, meeting: Any) -> str:
    return reverse(f"meetings:{name}", args=[meeting.pk])


def _plan_data(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submission": uuid.uuid4().hex,
        "group": str(world.groups[0].pk),
        "year": "2026",
        "host": str(world.units[0].pk),
        "title": "第一组专题研讨会",
        "starts_at": "2026-07-10T09:00",
        "ends_at": "2026-07-10T11:30",
        "place": "工委三楼会议室",
        "plan_notes": "研究机关党建与业务融合。",
    }
    data.update(overrides)
    return data


def _accepted(world: World, **fields: Any) -> Topic:
    return make_topic(world, status=Topic.Status.ACCEPTED, **fields)


# --- Who sees what ------------------------------------------------------------------------


def test_every_role_sees_or_not_the_meeting_page(world: World) -> None:
    meeting = make_meeting(world, topics=[_accepted(world)])
    for name in WORLD_USERS:
        response = _client(world, name).get(_url("meeting_detail", meeting))
        expected = 200 if name in SEES else 404
        assert response.status_code == expected, name
        if expected == 200:
            body = response.content.decode()
            assert ('id="meeting-edit"' in body) == (name in MANAGES), name
            assert ('id="approve-form"' in body) == (name in {"office", "leader"}), name
            assert 'id="meeting-stepper"' in body and 'id="agenda-item-' in body


def test_forged_and_foreign_ids_are_404(world: World) -> None:
    meeting = make_meeting(world)
    other = make_meeting(world, group_year=world.group_years[1])
    item = AgendaItem.objects.create(
        committee=world.committee, meeting=other, topic=_accepted(world)
    )
    office = _client(world, "office")
    assert office.get(reverse("meetings:meeting_detail", args=[999999])).status_code == 404
    secretary = _client(world, "unit0_secretary")
    for name in ("meeting_detail", "meeting_edit"):
        assert secretary.get(_url(name, other)).status_code == 404, name
    for name in ("meeting_approve", "meeting_notice", "meeting_held", "meeting_cancel"):
        assert secretary.post(_url(name, other), {"reason": "x"}).status_code == 404, name
    assert (
        secretary.post(_url("agenda_item", item), {f"item{item.pk}-order": "1"}).status_code == 404
    )
    assert secretary.post(_url("agenda_remove", item)).status_code == 404
    assert AgendaItem.objects.filter(pk=item.pk).exists()
    # The other committee's leader sees nothing of ours.
    outsider = _client(world, "outsider")
    assert outsider.get(_url("meeting_detail", meeting)).status_code == 404
    assert outsider.post(_url("meeting_cancel", meeting), {"reason": "x"}).status_code == 404


def test_who_sees_the_meeting_but_may_not_act_gets_a_403(world: World) -> None:
    meeting = make_meeting(world, topics=[_accepted(world)])
    for name in ("staff", "unit0_leadership", "unit0_staff", "leader"):
        client = _client(world, name)
        assert client.get(_url("meeting_edit", meeting)).status_code == 403, name
        for step in ("meeting_notice", "meeting_held", "meeting_cancel", "meeting_files"):
            assert client.post(_url(step, meeting), {"reason": "x"}).status_code == 403, name
    for name in ("staff", "unit0_secretary", "unit0_staff"):
        assert _client(world, name).post(_url("meeting_approve", meeting)).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == S.PLANNED and meeting.version == 1


def test_the_list_shows_what_each_role_may_see(world: World) -> None:
    mine = make_meeting(world, starts_at=when(2026, 7, 1))
    theirs = make_meeting(world, group_year=world.group_years[1], starts_at=when(2026, 7, 2))
    for name in WORLD_USERS:
        response = _client(world, name).get(reverse("meetings:meeting_list"))
        if name in {"sysadmin", "secadmin", "auditor", "nobody"}:
            assert response.status_code == 403, name
            continue
        assert response.status_code == 200, name
        shown = {m.pk for m in response.context["page"]}
        if name in {"leader", "staff", "office"}:
            assert shown == {mine.pk, theirs.pk}, name
        elif name.startswith("unit0"):
            assert shown == {mine.pk}, name
        elif name.startswith("unit2"):
            assert shown == {theirs.pk}, name
        else:
            assert shown == set(), name


def test_the_list_filters_by_year_group_and_status(world: World) -> None:
    a = make_meeting(world, starts_at=when(2026, 3, 1), status=S.HELD)
    b = make_meeting(world, group_year=world.group_years[1], starts_at=when(2026, 4, 1))
    last = GroupYear.objects.create(committee=world.committee, group=world.groups[0], year=2025)
    from heli.org.models import GroupMembership

    GroupMembership.objects.create(
        committee=world.committee, group_year=last, unit=world.units[0], year=2025, is_lead=True
    )
    old = make_meeting(world, group_year=last, starts_at=when(2025, 5, 1))
    client = _client(world, "office")

    def shown(query: str) -> set[int]:
        return {m.pk for m in client.get(reverse("meetings:meeting_list") + query).context["page"]}

    assert shown("") == {a.pk, b.pk}
    assert shown("?year=2025") == {old.pk}
    assert shown("?year=") == {a.pk, b.pk, old.pk}
    assert shown(f"?group={world.groups[1].pk}") == {b.pk}
    assert shown("?status=held") == {a.pk}
    # Nonsense in a filter is ignored, never a 500.
    assert client.get(reverse("meetings:meeting_list") + "?year=99999&group=x").status_code == 200


def test_the_list_runs_the_same_queries_for_3_or_12_meetings(world: World) -> None:
    client = _client(world, "office")
    url = reverse("meetings:meeting_list")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for day in range(1, 4):
        make_meeting(
            world, starts_at=when(2026, 7, day), topics=[_accepted(world, title=f"t{day}")]
        )
    few = count()
    for day in range(4, 13):
        make_meeting(
            world, starts_at=when(2026, 7, day), topics=[_accepted(world, title=f"u{day}")]
        )
    assert count() == few
    assert few <= 14


def test_the_meeting_page_runs_the_same_queries_for_1_or_6_topics_and_files(
    world: World, storage: Any
) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, topics=[_accepted(world)])
    client = _client(world, "office")
    url = _url("meeting_detail", meeting)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        AgendaItem.objects.create(
            committee=world.committee,
            meeting=meeting,
            topic=_accepted(world, title=f"t{n}"),
            order=n + 2,
        )
        client.post(
            _url("meeting_files", meeting),
            {"attachments": SimpleUploadedFile(f"材料{n}.pdf", PDF, "application/pdf")},
        )
    assert Attachment.objects.count() == 5
    assert count() == few


def test_a_planned_meetings_page_runs_the_same_queries_whatever_its_agenda(world: World) -> None:
    """The manager's page of a planned meeting carries a form per agenda topic."""
    meeting = make_meeting(world, topics=[_accepted(world)])
    client = _client(world, "unit0_secretary")
    url = _url("meeting_detail", meeting)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for n in range(5):
        AgendaItem.objects.create(
            committee=world.committee,
            meeting=meeting,
            topic=_accepted(world, title=f"t{n}"),
            order=n + 2,
        )
    assert count() == few


# --- Planning from the form ----------------------------------------------------------------


def test_the_office_plans_a_meeting_from_the_form(world: World) -> None:
    client = _client(world, "office")
    assert client.get(reverse("meetings:meeting_new")).status_code == 200
    response = client.post(reverse("meetings:meeting_new"), _plan_data(world))
    meeting = JointMeeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.title == "第一组专题研讨会" and meeting.host == world.units[0]
    assert timezone.localtime(meeting.starts_at) == when(2026, 7, 10, 9)
    assert timezone.localtime(meeting.ends_at).strftime("%H:%M") == "11:30"
    # The same form sent again (the back button) makes no second meeting.
    again = client.post(reverse("meetings:meeting_new"), _plan_data(world))
    assert again.status_code == 302 and JointMeeting.objects.count() == 1


def test_a_lead_units_secretary_plans_its_own_group_only(world: World) -> None:
    client = _client(world, "unit0_secretary")
    page = client.get(reverse("meetings:meeting_new"))
    assert page.status_code == 200
    assert [g.pk for g in page.context["form"].fields["group"].queryset] == [world.groups[0].pk]
    refused = client.post(
        reverse("meetings:meeting_new"),
        _plan_data(world, group=str(world.groups[1].pk), host=str(world.units[2].pk)),
    )
    assert refused.status_code == 400 and "group" in refused.context["form"].errors
    made = client.post(reverse("meetings:meeting_new"), _plan_data(world, title=""))
    assert made.status_code == 302
    assert JointMeeting.objects.get().title == "第一组2026年第1次联席会"


def test_only_planners_open_the_planning_form(world: World) -> None:
    for name in WORLD_USERS:
        status = _client(world, name).get(reverse("meetings:meeting_new")).status_code
        assert status == (200 if name in MANAGES else 403), name


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"year": "1999"}, "year"),
        ({"year": "2101"}, "year"),
        ({"year": "二〇二六"}, "year"),
        ({"year": "2027"}, "year"),  # no group year 2027 yet
        ({"starts_at": "2025-12-31T09:00", "ends_at": "2025-12-31T11:00"}, "starts_at"),
        ({"starts_at": "2027-01-05T09:00", "ends_at": "2027-01-05T11:00"}, "starts_at"),
        ({"starts_at": "1900-07-10T09:00"}, "starts_at"),
        ({"starts_at": "99999-07-10T09:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
        ({"starts_at": "2026-02-30T09:00"}, "starts_at"),
        ({"starts_at": "明天上午"}, "starts_at"),
        ({"ends_at": "2026-07-10T08:00"}, "ends_at"),
        ({"ends_at": "2026-07-20T11:00"}, "ends_at"),
        ({"ends_at": ""}, "ends_at"),
        ({"host": str(1)}, "host"),
        ({"host": "x"}, "host"),
        ({"place": ""}, "place"),
        ({"group": "999999"}, "group"),
    ],
)
def test_bad_input_comes_back_with_its_message_and_what_was_typed(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    if overrides.get("host") == "1":
        overrides = {"host": str(world.units[1].pk)}  # a member unit, not a lead unit
    response = _client(world, "office").post(
        reverse("meetings:meeting_new"), _plan_data(world, **overrides)
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    body = response.content.decode()
    assert "第一组专题研讨会" in body and "研究机关党建与业务融合。" in body
    assert not JointMeeting.objects.exists()


def test_a_host_that_is_not_a_lead_unit_is_named_in_the_refusal(world: World) -> None:
    for unit in (world.units[1], world.units[2], world.other_unit):
        response = _client(world, "office").post(
            reverse("meetings:meeting_new"), _plan_data(world, host=str(unit.pk))
        )
        assert response.status_code == 400
        errors = " ".join(response.context["form"].errors["host"])
        if unit != world.other_unit:
            assert unit.name in errors and world.units[0].name in errors
        else:
            assert unit.name not in errors
    assert not JointMeeting.objects.exists()


# --- Changing the plan and moving the meeting -------------------------------------------------


def test_the_plan_is_changed_from_its_form_and_a_stale_edit_is_refused(world: World) -> None:
    meeting = make_meeting(world, starts_at=when(2026, 7, 10))
    client = _client(world, "unit0_secretary")
    page = client.get(_url("meeting_edit", meeting))
    assert page.status_code == 200
    assert 'value="2026-07-10T09:00"' in page.content.decode()
    data = {
        "version": "1",
        "host": str(world.units[0].pk),
        "title": meeting.title,
        "starts_at": "2026-07-11T14:00",
        "ends_at": "2026-07-11T16:00",
        "place": "第二会议室",
        "plan_notes": "",
    }
    assert client.post(_url("meeting_edit", meeting), data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.place == "第二会议室" and meeting.version == 2 and meeting.ics_sequence == 1
    stale = client.post(_url("meeting_edit", meeting), {**data, "place": "第三会议室"})
    assert stale.status_code == 400 and stale.context["form"].non_field_errors()
    bad_host = client.post(
        _url("meeting_edit", meeting), {**data, "version": "2", "host": str(world.units[1].pk)}
    )
    assert bad_host.status_code == 400 and "host" in bad_host.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.place == "第二会议室" and meeting.host == world.units[0]


def test_after_the_notice_the_edit_page_moves_the_meeting_with_a_reason(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 10))
    client = _client(world, "office")
    page = client.get(_url("meeting_edit", meeting))
    assert page.status_code == 200 and page.context["moving"]
    data = {"starts_at": "2026-07-12T09:00", "ends_at": "2026-07-12T11:00", "place": "新址"}
    refused = client.post(_url("meeting_edit", meeting), data)
    assert refused.status_code == 400 and "reason" in refused.context["form"].errors
    assert "新址" in refused.content.decode()
    assert (
        client.post(_url("meeting_edit", meeting), {**data, "reason": "会场检修"}).status_code
        == 302
    )
    meeting.refresh_from_db()
    assert meeting.place == "新址" and meeting.ics_sequence == 1
    assert Notification.objects.filter(kind=meetings.KIND_CHANGED).count() == 3


def test_a_held_meeting_can_no_longer_be_edited(world: World) -> None:
    meeting = make_meeting(world, status=S.HELD)
    response = _client(world, "office").get(_url("meeting_edit", meeting))
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()


# --- The steps on the page ------------------------------------------------------------------


def test_the_steps_from_the_page(world: World) -> None:
    meeting = make_meeting(world, starts_at=when(2026, 7, 10), topics=[_accepted(world)])
    leader, office = _client(world, "leader"), _client(world, "office")
    assert leader.post(_url("meeting_approve", meeting)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED

    page = office.get(_url("meeting_detail", meeting))
    notice = page.context["steps"]["notice"]
    assert notice is not None and notice.initial["notice_text"]
    unconfirmed = office.post(
        _url("meeting_notice", meeting),
        {"notice_text": "请各单位准备发言材料。", "reply_by": "2026-07-01"},
    )
    assert unconfirmed.status_code == 400
    assert "confirm" in unconfirmed.context["steps"]["notice"].errors
    assert "请各单位准备发言材料。" in unconfirmed.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED

    bad_date = office.post(
        _url("meeting_notice", meeting),
        {"notice_text": "请准备。", "reply_by": "2026-08-01", "confirm": "on"},
    )
    assert bad_date.status_code == 400 and "reply_by" in bad_date.context["steps"]["notice"].errors
    sent = office.post(
        _url("meeting_notice", meeting),
        {"notice_text": "请各单位准备发言材料。", "reply_by": "2026-07-01", "confirm": "on"},
    )
    assert sent.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT
    assert Attendance.objects.filter(meeting=meeting).count() == 3

    # Not yet started: the page explains, the POST is refused and nothing changes.
    assert 'id="held-not-yet"' in office.get(_url("meeting_detail", meeting)).content.decode()
    office.post(_url("meeting_held", meeting))
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT


def test_a_step_out_of_order_from_the_page_is_refused_with_a_message(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, topics=[_accepted(world)])
    office = _client(world, "office")
    for step, data in (
        ("meeting_approve", {}),
        ("meeting_notice", {"notice_text": "x", "reply_by": "2026-06-16", "confirm": "on"}),
    ):
        response = office.post(_url(step, meeting), data, follow=True)
        assert response.status_code == 200
        assert [m.level_tag for m in response.context["messages"]] == ["error"], step
    meeting.refresh_from_db()
    assert meeting.status == S.NOTICE_SENT and meeting.version == 1
    held = make_meeting(world, status=S.HELD)
    response = office.post(
        _url("meeting_cancel", held), {"reason": "x", "confirm": "on"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    held.refresh_from_db()
    assert held.status == S.HELD


def test_cancelling_asks_for_a_reason_and_a_confirmation(world: World) -> None:
    meeting = make_meeting(world, status=S.PLAN_APPROVED, topics=[_accepted(world)])
    client = _client(world, "unit0_secretary")
    no_confirm = client.post(_url("meeting_cancel", meeting), {"reason": "时间冲突"})
    assert no_confirm.status_code == 400
    assert "confirm" in no_confirm.context["steps"]["cancel"].errors
    assert "时间冲突" in no_confirm.content.decode()
    no_reason = client.post(_url("meeting_cancel", meeting), {"reason": " ", "confirm": "on"})
    assert no_reason.status_code == 400 and "reason" in no_reason.context["steps"]["cancel"].errors
    meeting.refresh_from_db()
    assert meeting.status == S.PLAN_APPROVED
    done = client.post(_url("meeting_cancel", meeting), {"reason": "时间冲突", "confirm": "on"})
    assert done.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == S.CANCELLED and meeting.ics_sequence == 1
    page = client.get(_url("meeting_detail", meeting)).content.decode()
    assert 'id="meeting-cancelled"' in page and "时间冲突" in page


def test_a_meeting_that_started_is_marked_held_from_the_page(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 6, 15, 9))
    client = _client(world, "unit0_secretary")
    assert 'id="held-form"' in client.get(_url("meeting_detail", meeting)).content.decode()
    assert client.post(_url("meeting_held", meeting)).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == S.HELD


def test_the_secretary_of_last_years_lead_unit_manages_no_more(world: World) -> None:
    """A meeting of last year's group year: its lead unit's secretary sees it, no more."""
    from heli.org.models import GroupMembership

    last = GroupYear.objects.create(committee=world.committee, group=world.groups[0], year=2025)
    GroupMembership.objects.create(
        committee=world.committee, group_year=last, unit=world.units[0], year=2025, is_lead=True
    )
    meeting = make_meeting(
        world, group_year=last, status=S.NOTICE_SENT, starts_at=when(2025, 11, 1)
    )
    client = _client(world, "unit0_secretary")
    page = client.get(_url("meeting_detail", meeting))
    assert page.status_code == 200 and 'id="meeting-edit"' not in page.content.decode()
    assert client.post(_url("meeting_held", meeting)).status_code == 403
    assert client.get(_url("meeting_edit", meeting)).status_code == 403
    assert _client(world, "office").post(_url("meeting_held", meeting)).status_code == 302


# --- The agenda -------------------------------------------------------------------------------


def test_the_agenda_is_drawn_up_on_the_page(world: World) -> None:
    meeting = make_meeting(world, starts_at=when(2026, 7, 10))
    topic = _accepted(world, title="学习贯彻全会精神")
    other_group = _accepted(world, title="第二组的议题", group=world.groups[1])
    last_year = _accepted(world, title="去年的议题", year=2025)
    client = _client(world, "unit0_secretary")
    page = client.get(_url("meeting_detail", meeting))
    offered = set(page.context["add_form"].fields["topic"].queryset.values_list("pk", flat=True))
    assert topic.pk in offered and not offered & {other_group.pk, last_year.pk}

    refused = client.post(_url("agenda_add", meeting), {"topic": str(other_group.pk)})
    assert refused.status_code == 400 and "topic" in refused.context["add_form"].errors
    assert client.post(_url("agenda_add", meeting), {"topic": str(topic.pk)}).status_code == 302
    item = AgendaItem.objects.get(meeting=meeting)
    topic.refresh_from_db()
    assert item.topic == topic and topic.status == Topic.Status.SCHEDULED

    prefix = f"item{item.pk}"
    bad = client.post(
        _url("agenda_item", item),
        {f"{prefix}-order": "1", f"{prefix}-reporter_unit": str(world.units[2].pk),
         f"{prefix}-reporter_note": "汇报落实情况", f"{prefix}-materials_note": ""},
    )  # fmt: skip
    assert bad.status_code == 400
    forms = {row["item"].pk: row["form"] for row in bad.context["rows"]}
    assert "reporter_unit" in forms[item.pk].errors
    assert "汇报落实情况" in bad.content.decode()
    good = client.post(
        _url("agenda_item", item),
        {f"{prefix}-order": "3", f"{prefix}-reporter_unit": str(world.units[1].pk),
         f"{prefix}-reporter_note": "汇报落实情况", f"{prefix}-materials_note": "书面材料一份"},
    )  # fmt: skip
    assert good.status_code == 302
    item.refresh_from_db()
    assert (item.order, item.reporter_unit, item.materials_note) == (
        3,
        world.units[1],
        "书面材料一份",
    )

    assert client.post(_url("agenda_remove", item)).status_code == 302
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
    topic.refresh_from_db()
    assert topic.status == Topic.Status.ACCEPTED


def test_the_agenda_is_closed_after_the_notice(world: World) -> None:
    topic = _accepted(world)
    meeting = make_meeting(world, status=S.NOTICE_SENT, topics=[topic])
    client = _client(world, "office")
    page = client.get(_url("meeting_detail", meeting))
    assert page.context["add_form"] is None and page.context["rows"][0]["form"] is None
    item = AgendaItem.objects.get(meeting=meeting)
    client.post(_url("agenda_remove", item))
    client.post(_url("agenda_add", meeting), {"topic": str(_accepted(world, title="新").pk)})
    assert list(AgendaItem.objects.filter(meeting=meeting)) == [item]


# --- Files of the meeting -------------------------------------------------------------------


def test_managers_add_files_that_the_meetings_readers_download(world: World, storage: Any) -> None:
    meeting = make_meeting(world, status=S.PLAN_APPROVED)
    client = _client(world, "unit0_secretary")
    response = client.post(
        _url("meeting_files", meeting),
        {"attachments": [SimpleUploadedFile("会议方案.pdf", PDF, "application/pdf")]},
    )
    assert response.status_code == 302
    file = Attachment.objects.get()
    assert (file.record_type, file.record_id) == ("meetings.jointmeeting", meeting.pk)
    page = _client(world, "unit0_leadership").get(_url("meeting_detail", meeting))
    assert f'data-file="{file.pk}"' in page.content.decode()
    download = reverse("files:download", args=[file.pk])
    assert _client(world, "unit0_staff").get(download).status_code == 200
    assert _client(world, "unit2_secretary").get(download).status_code == 404


def test_a_refused_file_comes_back_next_to_the_field(world: World, storage: Any) -> None:
    meeting = make_meeting(world)
    response = _client(world, "office").post(
        _url("meeting_files", meeting),
        {"attachments": SimpleUploadedFile("程序.exe", b"MZ\x90\x00", "application/octet-stream")},
    )
    assert response.status_code == 400
    assert "attachments" in response.context["files_form"].errors
    assert not Attachment.objects.exists()
    empty = _client(world, "office").post(_url("meeting_files", meeting), {})
    assert empty.status_code == 400 and "attachments" in empty.context["files_form"].errors


def test_the_history_names_each_step_and_its_reason(world: World) -> None:
    meeting = make_meeting(world, status=S.NOTICE_SENT, starts_at=when(2026, 7, 10))
    meetings.change_time_place(
        meeting,
        world.user("office"),
        starts_at=when(2026, 7, 11),
        ends_at=when(2026, 7, 11, 11),
        place=meeting.place,
        reason="领导另有安排",
    )
    page = _client(world, "staff").get(_url("meeting_detail", meeting))
    rows = page.context["history"]
    assert [r["reason"] for r in rows] == ["领导另有安排"]
    assert "领导另有安排" in page.content.decode()


def test_the_reply_by_default_is_before_the_meeting(world: World) -> None:
    from heli.meetings.meeting_views import default_reply_by

    soon = make_meeting(world, starts_at=when(2026, 6, 16))
    later = make_meeting(world, starts_at=when(2026, 7, 16))
    assert default_reply_by(soon) == datetime.date(2026, 6, 15)
    assert default_reply_by(later) == datetime.date(2026, 7, 14)
