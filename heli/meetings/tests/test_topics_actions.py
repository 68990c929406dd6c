"""The office's decisions on a topic: accept, return with a reason, merge a duplicate
keeping every proposer, schedule into a meeting and take it off again; each refusal in
words, each step told to every proposer once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from heli.audit.models import AuditEvent
from heli.meetings import topics
from heli.meetings.models import AgendaItem, JointMeeting, Topic
from heli.meetings.tests.factories import make_meeting, make_topic, when
from heli.notifications.models import Notification
from heli.testing import World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Refusals read in English here: their Chinese is merged into the catalogue apart."""
    with translation.override("en"):
        yield


S = Topic.Status
M = JointMeeting.Status


def office_client(world: World) -> Client:
    client = Client()
    client.force_login(world.user("office"))
    client.cookies["django_language"] = "en"
    return client


def told(kind: str) -> list[tuple[str, str]]:
    return sorted(
        (n.recipient.username, n.key)
        for n in Notification.objects.filter(kind=kind).select_related("recipient")
    )


def _audit_steps(topic: Topic) -> list[Any]:
    return [
        e.detail.get("status")
        for e in AuditEvent.objects.filter(
            object_type="meetings.topic", object_id=str(topic.pk)
        ).order_by("id")
    ]


# --- Accept -------------------------------------------------------------------------------------


def test_the_office_accepts_a_proposal_and_the_proposer_is_told_once(world: World) -> None:
    topic = make_topic(world)
    client = office_client(world)
    response = client.post(
        reverse("meetings:topic_accept", args=[topic.pk]), {"version": topic.version}
    )
    assert response.status_code == 302 and response["Location"] == topic.get_absolute_url()
    topic.refresh_from_db()
    assert topic.status == S.ACCEPTED
    assert topic.decided_by == world.user("office") and topic.decided_at is not None
    assert told("meetings.topic_accepted") == [("staff", f"meetings.topic_accepted:{topic.pk}")]
    assert _audit_steps(topic) == [["proposed", "accepted"]]
    # Accepting again is refused in words, on the topic's page; nobody is told twice.
    again = client.post(reverse("meetings:topic_accept", args=[topic.pk]), {})
    assert again.status_code == 200
    assert "accepted already" in " ".join(again.context["accept_form"].non_field_errors())
    assert len(told("meetings.topic_accepted")) == 1


def test_accepting_from_the_queue_goes_back_to_the_queue(world: World) -> None:
    topic = make_topic(world)
    queue = reverse("meetings:topic_queue") + "?status=proposed"
    response = office_client(world).post(
        reverse("meetings:topic_accept", args=[topic.pk]),
        {"version": topic.version, "next": queue},
    )
    assert response["Location"] == queue
    # Elsewhere is not where a decision sends anyone.
    other = make_topic(world, title="另一个议题")
    response = office_client(world).post(
        reverse("meetings:topic_accept", args=[other.pk]),
        {"version": other.version, "next": "https://evil.example/"},
    )
    assert response["Location"] == other.get_absolute_url()


def test_a_stale_decision_is_refused(world: World) -> None:
    topic = make_topic(world)
    response = office_client(world).post(
        reverse("meetings:topic_accept", args=[topic.pk]), {"version": topic.version + 5}
    )
    assert response.status_code == 200
    assert "meanwhile" in " ".join(response.context["accept_form"].non_field_errors())
    topic.refresh_from_db()
    assert topic.status == S.PROPOSED


# --- Return -------------------------------------------------------------------------------------


def test_returning_needs_a_reason_and_a_confirmation(world: World) -> None:
    topic = make_topic(world)
    url = reverse("meetings:topic_return", args=[topic.pk])
    client = office_client(world)
    no_reason = client.post(url, {"version": topic.version, "reason": " ", "confirm": "on"})
    assert no_reason.status_code == 200
    assert "reason" in no_reason.context["return_form"].errors
    unconfirmed = client.post(url, {"version": topic.version, "reason": "与去年议题重复"})
    assert "confirm" in unconfirmed.context["return_form"].errors
    # What was typed stays, next to its own button.
    assert "与去年议题重复" in unconfirmed.content.decode()
    topic.refresh_from_db()
    assert topic.status == S.PROPOSED and not Notification.objects.exists()
    done = client.post(
        url,
        {"version": topic.version, "reason": "与去年议题重复，请结合新情况再提。", "confirm": "on"},
    )
    assert done.status_code == 302
    topic.refresh_from_db()
    assert topic.status == S.RETURNED
    assert topic.return_reason == "与去年议题重复，请结合新情况再提。"
    (note,) = Notification.objects.filter(kind="meetings.topic_returned")
    assert note.recipient == world.user("staff")
    assert "与去年议题重复" in note.body
    # The proposer reads the reason at the top of the topic's page.
    staff = Client()
    staff.force_login(world.user("staff"))
    page = staff.get(topic.get_absolute_url()).content.decode()
    assert 'id="topic-return-reason"' in page and "与去年议题重复" in page


def test_a_returned_topic_goes_no_further(world: World) -> None:
    topic = make_topic(world)
    office = world.user("office")
    topics.return_topic(topic, office, reason="不属于联席会议议事范围")
    meeting = make_meeting(world)
    with pytest.raises(ValidationError, match="returned"):
        topics.schedule(topic, meeting, office)
    with pytest.raises(ValidationError):
        topics.accept(topic, office)
    with pytest.raises(ValidationError):
        topics.return_topic(topic, office, reason="再退一次")
    assert not AgendaItem.objects.exists()
    assert Notification.objects.filter(kind="meetings.topic_returned").count() == 1


# --- Merge --------------------------------------------------------------------------------------


def test_merging_keeps_every_proposer_and_tells_them(world: World) -> None:
    target = make_topic(world, title="加强机关党务干部队伍建设")
    duplicate = make_topic(
        world, by="leader", title="机关党务干部配备问题", proposer_department=None
    )
    earlier = make_topic(
        world,
        by="unit0_secretary",
        title="党务干部培训",
        proposer_department=None,
        proposer_unit=world.units[0],
        group=world.groups[0],
    )
    office = world.user("office")
    topics.merge(earlier, duplicate, office)
    client = office_client(world)
    url = reverse("meetings:topic_merge", args=[duplicate.pk])
    unconfirmed = client.post(url, {"version": duplicate.version, "into": target.pk})
    assert "confirm" in unconfirmed.context["merge_form"].errors
    duplicate.refresh_from_db()
    response = client.post(url, {"version": duplicate.version, "into": target.pk, "confirm": "on"})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    earlier.refresh_from_db()
    assert duplicate.status == S.MERGED and duplicate.merged_into == target
    # What had been merged into the duplicate follows the target too.
    assert earlier.merged_into == target
    assert topics.proposers_of(target) == [
        world.user("staff"),
        world.user("leader"),
        world.user("unit0_secretary"),
    ]
    assert told("meetings.topic_merged") == [
        ("leader", f"meetings.topic_merged:{duplicate.pk}"),
        ("unit0_secretary", f"meetings.topic_merged:{duplicate.pk}"),
        ("unit0_secretary", f"meetings.topic_merged:{earlier.pk}"),
    ]
    # Every proposer is told of the target's later steps, once each.
    topics.accept(target, office)
    assert told("meetings.topic_accepted") == [
        ("leader", f"meetings.topic_accepted:{target.pk}"),
        ("staff", f"meetings.topic_accepted:{target.pk}"),
        ("unit0_secretary", f"meetings.topic_accepted:{target.pk}"),
    ]
    # The target's page names every proposer and the merged topics.
    page = client.get(target.get_absolute_url()).content.decode()
    assert 'id="merged-from"' in page
    assert f'data-topic="{duplicate.pk}"' in page and f'data-topic="{earlier.pk}"' in page
    assert "测试单位0" in page and world.department.name in page


@pytest.mark.parametrize("case", ["itself", "merged", "returned", "another year", "another group"])
def test_bad_merges_are_refused_in_words(world: World, case: str) -> None:
    office = world.user("office")
    topic = make_topic(world, group=world.groups[0])
    into = make_topic(world, title="目标议题")
    if case == "itself":
        into = topic
    elif case == "merged":
        topics.merge(into, make_topic(world, title="第三个"), office)
    elif case == "returned":
        topics.return_topic(into, office, reason="重复")
    elif case == "another year":
        Topic.objects.filter(pk=into.pk).update(year=topic.year + 1)
    else:
        Topic.objects.filter(pk=into.pk).update(group=world.groups[1])
    response = office_client(world).post(
        reverse("meetings:topic_merge", args=[topic.pk]),
        {"version": topic.version, "into": into.pk, "confirm": "on"},
    )
    assert response.status_code == 200
    errors = response.context["merge_form"].errors["into"]
    assert errors, case
    topic.refresh_from_db()
    assert topic.status == S.PROPOSED and topic.merged_into is None
    assert not Notification.objects.filter(
        kind="meetings.topic_merged", key__endswith=f":{topic.pk}"
    ).exists()


def test_a_forged_merge_target_is_refused(world: World) -> None:
    topic = make_topic(world)
    response = office_client(world).post(
        reverse("meetings:topic_merge", args=[topic.pk]),
        {"version": topic.version, "into": 987654, "confirm": "on"},
    )
    assert response.status_code == 200
    assert response.context["merge_form"].errors["into"]


def test_the_merge_form_finds_open_topics_of_the_same_year(world: World) -> None:
    topic = make_topic(world, title="基层党组织建设")
    same = make_topic(world, title="基层党组织标准化建设")
    make_topic(world, title="基层党组织换届", year=topic.year + 1)
    closed = make_topic(world, title="基层党组织退回的")
    topics.return_topic(closed, world.user("office"), reason="重复")
    page = office_client(world).get(topic.get_absolute_url() + "?merge_q=基层党组织")
    rows = page.context["merge_rows"]
    assert [t.pk for t in rows] == [same.pk]
    assert f'id="merge-into-{same.pk}"' in page.content.decode()


# --- Schedule -----------------------------------------------------------------------------------


def test_scheduling_puts_the_topic_last_on_the_agenda(world: World) -> None:
    first = make_topic(world, title="第一个议题")
    meeting = make_meeting(world, topics=[first])
    topic = make_topic(world, title="第二个议题")
    client = office_client(world)
    page = client.get(topic.get_absolute_url())
    choices = [c for c, _label in page.context["schedule_form"].fields["meeting"].widget.choices]
    assert meeting.pk in choices
    response = client.post(
        reverse("meetings:topic_schedule", args=[topic.pk]),
        {"version": topic.version, "meeting": meeting.pk},
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get(topic=topic)
    assert (item.meeting, item.order) == (meeting, 2)
    topic.refresh_from_db()
    assert topic.status == S.SCHEDULED
    assert told("meetings.topic_scheduled") == [("staff", f"meetings.topic_scheduled:{item.pk}")]
    # The proposer sees the meeting on the topic's page.
    staff = Client()
    staff.force_login(world.user("staff"))
    body = staff.get(topic.get_absolute_url()).content.decode()
    assert f'data-item="{item.pk}"' in body and meeting.title in body


def test_a_planning_lead_unit_may_schedule_through_the_action(world: World) -> None:
    topic = make_topic(world, group=world.groups[0])
    meeting = make_meeting(world)
    item = topics.schedule(topic, meeting, world.user("unit0_secretary"))
    assert item.topic == topic
    other = make_topic(world, title="另一个")
    with pytest.raises(PermissionDenied):
        topics.schedule(other, meeting, world.user("unit2_secretary"))


@pytest.mark.parametrize(
    "case", ["noticed", "held", "cancelled", "another year", "another group", "returned", "twice"]
)
def test_bad_scheduling_is_refused_in_words(world: World, case: str) -> None:
    topic = make_topic(world, group=world.groups[0])
    status = {"noticed": M.NOTICE_SENT, "held": M.HELD, "cancelled": M.CANCELLED}.get(
        case, M.PLANNED
    )
    gy = world.group_years[1] if case == "another group" else world.group_years[0]
    meeting = make_meeting(world, group_year=gy, status=status)
    if case == "another year":
        Topic.objects.filter(pk=topic.pk).update(year=topic.year + 1)
        topic.refresh_from_db()
    elif case == "returned":
        topics.return_topic(topic, world.user("office"), reason="不宜上会")
        topic.refresh_from_db()
    elif case == "twice":
        topics.schedule(topic, meeting, world.user("office"))
        topic.refresh_from_db()
    response = office_client(world).post(
        reverse("meetings:topic_schedule", args=[topic.pk]),
        {"version": topic.version, "meeting": meeting.pk},
    )
    assert response.status_code == 200
    form = response.context["schedule_form"]
    assert form.errors, case
    assert AgendaItem.objects.filter(topic=topic).count() == (1 if case == "twice" else 0)


def test_a_meeting_of_another_year_is_refused_by_the_action(world: World) -> None:
    topic = make_topic(world)
    meeting = make_meeting(world)
    JointMeeting.objects.filter(pk=meeting.pk).update(year=topic.year + 1)
    meeting.refresh_from_db()
    with pytest.raises(ValidationError, match=str(topic.year + 1)):
        topics.schedule(topic, meeting, world.user("office"))


def test_unscheduling_returns_the_topic_to_accepted(world: World) -> None:
    topic = make_topic(world)
    meeting = make_meeting(world)
    office = world.user("office")
    item = topics.schedule(topic, meeting, office)
    client = office_client(world)
    response = client.post(reverse("meetings:topic_unschedule", args=[topic.pk, item.pk]))
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == S.ACCEPTED
    assert not AgendaItem.objects.exists()
    assert len(told("meetings.topic_unscheduled")) == 1
    # And it can go on another meeting.
    other = make_meeting(world, starts_at=when(topic.year, 9))
    topics.schedule(topic, other, office)
    assert AgendaItem.objects.get().meeting == other


def test_a_noticed_agenda_cannot_lose_its_topic(world: World) -> None:
    topic = make_topic(world)
    meeting = make_meeting(world)
    item = topics.schedule(topic, meeting, world.user("office"))
    JointMeeting.objects.filter(pk=meeting.pk).update(status=M.NOTICE_SENT)
    response = office_client(world).post(
        reverse("meetings:topic_unschedule", args=[topic.pk, item.pk])
    )
    assert response.status_code == 200
    assert 'id="unschedule-error"' in response.content.decode()
    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_the_outcome_shows_once_the_minutes_are_approved(world: World) -> None:
    topic = make_topic(world)
    meeting = make_meeting(world, topics=[topic], status=M.HELD)
    AgendaItem.objects.filter(topic=topic).update(
        outcome=AgendaItem.Outcome.AGREED, outcome_text="会议同意，由牵头单位抓好落实。"
    )
    staff = Client()
    staff.force_login(world.user("staff"))
    held = staff.get(topic.get_absolute_url()).content.decode()
    assert "会议同意" not in held
    JointMeeting.objects.filter(pk=meeting.pk).update(status=M.MINUTES_APPROVED)
    approved = staff.get(topic.get_absolute_url()).content.decode()
    assert 'data-outcome="agreed"' in approved and "会议同意，由牵头单位抓好落实。" in approved


def test_the_history_names_each_step(world: World) -> None:
    topic = make_topic(world)
    office = world.user("office")
    topics.accept(topic, office)
    meeting = make_meeting(world)
    item = topics.schedule(topic, meeting, office)
    topics.unschedule(item, office)
    client = office_client(world)
    rows = client.get(topic.get_absolute_url()).context["history"]
    assert [r["what"] for r in rows] == [
        "Accepted the topic",
        "Put on the agenda",
        "Taken off the agenda",
    ]
    assert rows[1]["note"] == meeting.title
