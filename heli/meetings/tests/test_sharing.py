"""Sharing a meeting with all groups (互相学习): who may, what it opens to whom, who is told,
and taking it back with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from heli.accounts.policy import forget_scope, visible
from heli.audit.models import AuditEvent
from heli.lib.ui import record_actions, record_panels
from heli.meetings import sharing
from heli.meetings.models import AgendaItem, Decision, JointMeeting, Topic
from heli.meetings.tests.factories import S, make_meeting, make_topic, when
from heli.notifications.models import Notification
from heli.org.models import GroupMembership
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

NOTE = "本组推行“党建+业务”双向述评，做法简便易行，可供各组借鉴。"


@pytest.fixture
def meeting(world: World) -> JointMeeting:
    topic = make_topic(world)
    return make_meeting(world, status=S.MINUTES_APPROVED, topics=[topic])


@pytest.fixture
def group2_led(world: World) -> None:
    """Group 2 has a lead unit too (units[2]): its secretary and staff are told of shares."""
    GroupMembership.objects.filter(group_year=world.group_years[1], unit=world.units[2]).update(
        is_lead=True
    )
    for name in ("unit2_secretary", "unit2_staff"):
        forget_scope(world.user(name))


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _fresh(meeting: JointMeeting) -> JointMeeting:
    return JointMeeting.objects.get(pk=meeting.pk)


# --- The actions ----------------------------------------------------------------------------


def test_the_office_shares_an_approved_meeting_with_a_note(
    world: World, meeting: JointMeeting, group2_led: None
) -> None:
    version = meeting.version
    sharing.share_meeting(meeting, world.user("office"), f"  {NOTE}  ")
    shared = _fresh(meeting)
    assert shared.shared_at is not None and shared.shared_by == world.user("office")
    assert shared.shared_note == NOTE
    assert shared.version == version + 1
    entry = AuditEvent.objects.filter(
        object_type="meetings.jointmeeting", object_id=str(meeting.pk)
    )
    assert entry.filter(detail__step="shared").count() == 1
    told = set(
        Notification.objects.filter(kind=sharing.KIND_SHARED).values_list(
            "recipient__username", flat=True
        )
    )
    # The other group's lead unit; not the sharer, not the meeting's own group.
    assert told == {"unit2_secretary", "unit2_staff"}
    note = Notification.objects.filter(kind=sharing.KIND_SHARED).first()
    assert note is not None and note.url == meeting.get_absolute_url()
    assert NOTE in note.body


def test_sharing_opens_the_meeting_to_every_unit_and_unsharing_closes_it(
    world: World, meeting: JointMeeting
) -> None:
    outsider_unit = world.user("unit2_staff")
    item = AgendaItem.objects.get(meeting=meeting)
    assert not visible(outsider_unit, JointMeeting).filter(pk=meeting.pk).exists()
    assert not visible(outsider_unit, AgendaItem).filter(pk=item.pk).exists()
    sharing.share_meeting(meeting, world.user("unit0_secretary"), NOTE)
    assert visible(outsider_unit, JointMeeting).filter(pk=meeting.pk).exists()
    assert visible(outsider_unit, AgendaItem).filter(pk=item.pk).exists()
    assert visible(outsider_unit, Topic).filter(pk=item.topic_id).exists()
    sharing.unshare_meeting(_fresh(meeting), world.user("office"), "纪要涉及未公开事项，暂不共享。")
    assert not visible(outsider_unit, JointMeeting).filter(pk=meeting.pk).exists()
    after = _fresh(meeting)
    assert after.shared_at is None and after.shared_by is None
    assert after.shared_note == NOTE  # kept for sharing again
    unshared = AuditEvent.objects.get(
        object_type="meetings.jointmeeting", object_id=str(meeting.pk), detail__step="unshared"
    )
    assert unshared.detail["reason"] == "纪要涉及未公开事项，暂不共享。"
    # The administrators and another committee still see nothing.
    sharing.share_meeting(after, world.user("office"), NOTE)
    for name in ("sysadmin", "secadmin", "auditor", "outsider", "nobody"):
        assert not visible(world.user(name), JointMeeting).filter(pk=meeting.pk).exists(), name


@pytest.mark.parametrize("name", ["leader", "staff", "unit0_staff", "unit2_secretary", "nobody"])
def test_only_the_meetings_managers_share_it(
    world: World, meeting: JointMeeting, name: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        sharing.share_meeting(meeting, world.user(name), NOTE)
    assert refused.value.code == "not_allowed"
    assert _fresh(meeting).shared_at is None


def test_a_meeting_without_approved_minutes_cannot_be_shared(world: World) -> None:
    held = make_meeting(world, status=S.HELD)
    with pytest.raises(ValidationError) as refused:
        sharing.share_meeting(held, world.user("office"), NOTE)
    assert refused.value.code == "not_approved"
    assert _fresh(held).shared_at is None
    assert not AuditEvent.objects.filter(detail__step="shared").exists()


def test_a_note_is_required_and_a_reason_to_stop(world: World, meeting: JointMeeting) -> None:
    with pytest.raises(ValidationError) as refused:
        sharing.share_meeting(meeting, world.user("office"), "   ")
    assert "note" in refused.value.error_dict
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    with pytest.raises(ValidationError) as refused:
        sharing.unshare_meeting(_fresh(meeting), world.user("office"), "")
    assert "reason" in refused.value.error_dict
    assert _fresh(meeting).shared_at is not None


def test_sharing_twice_tells_nobody_twice(
    world: World, meeting: JointMeeting, group2_led: None
) -> None:
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    with pytest.raises(ValidationError) as refused:
        sharing.share_meeting(_fresh(meeting), world.user("office"), NOTE)
    assert refused.value.code == "already_shared"
    # Taken back and shared again: the same people are not told a second time.
    sharing.unshare_meeting(_fresh(meeting), world.user("office"), "材料需要更新。")
    sharing.share_meeting(_fresh(meeting), world.user("office"), NOTE)
    assert Notification.objects.filter(kind=sharing.KIND_SHARED).count() == 2


def test_a_stale_version_is_refused(world: World, meeting: JointMeeting) -> None:
    with pytest.raises(ValidationError) as refused:
        sharing.share_meeting(meeting, world.user("office"), NOTE, version=meeting.version - 1)
    assert refused.value.code == "stale"
    assert _fresh(meeting).shared_at is None


def test_last_years_lead_secretary_no_longer_shares(world: World) -> None:
    """The lead unit's secretary manages its group only in the year it leads."""
    from heli.org.models import GroupYear

    last = GroupYear.objects.create(
        committee=world.committee, group=world.groups[0], year=world.group_years[0].year - 1
    )
    GroupMembership.objects.create(
        committee=world.committee,
        group_year=last,
        unit=world.units[0],
        year=last.year,
        is_lead=True,
    )
    old = make_meeting(
        world,
        group_year=last,
        status=S.MINUTES_APPROVED,
        starts_at=when(last.year),
    )
    assert not sharing.may_share(world.user("unit0_secretary"), old)
    assert sharing.may_share(world.user("office"), old)


# --- The share page -------------------------------------------------------------------------

EXPECTED_SHARE_PAGE = {
    "leader": 403,
    "staff": 403,
    "office": 200,
    "sysadmin": 404,
    "secadmin": 404,
    "auditor": 404,
    "unit0_leadership": 403,
    "unit0_secretary": 200,
    "unit0_staff": 403,
    "unit2_secretary": 404,
    "unit2_staff": 404,
    "outsider": 404,
    "nobody": 404,
}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_opens_the_share_page(world: World, meeting: JointMeeting, name: str) -> None:
    response = _client(world, name).get(reverse("meetings:share", args=[meeting.pk]))
    assert response.status_code == EXPECTED_SHARE_PAGE[name]
    if response.status_code == 200:
        assert b'id="share-form"' in response.content


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_may_post_a_share(world: World, meeting: JointMeeting, name: str) -> None:
    response = _client(world, name).post(
        reverse("meetings:share", args=[meeting.pk]), {"note": NOTE, "version": meeting.version}
    )
    expected = EXPECTED_SHARE_PAGE[name]
    assert response.status_code == (302 if expected == 200 else expected)
    assert (_fresh(meeting).shared_at is not None) == (expected == 200)


def test_a_forged_id_is_404(world: World, meeting: JointMeeting) -> None:
    client = _client(world, "office")
    assert client.get(reverse("meetings:share", args=[meeting.pk + 999])).status_code == 404
    assert client.post(reverse("meetings:unshare", args=[meeting.pk + 999])).status_code == 404


def test_the_page_keeps_a_refused_note_and_says_why(world: World, meeting: JointMeeting) -> None:
    long_note = "经验" * (sharing.NOTE_MAX // 2 + 1)
    response = _client(world, "office").post(
        reverse("meetings:share", args=[meeting.pk]), {"note": long_note}
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert long_note in content and "invalid-feedback" in content
    assert _fresh(meeting).shared_at is None


def test_an_empty_note_is_refused_next_to_the_field(world: World, meeting: JointMeeting) -> None:
    response = _client(world, "office").post(reverse("meetings:share", args=[meeting.pk]), {})
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert _fresh(meeting).shared_at is None


def test_the_page_explains_when_minutes_are_not_approved(world: World) -> None:
    held = make_meeting(world, status=S.HELD)
    client = _client(world, "office")
    page = client.get(reverse("meetings:share", args=[held.pk]))
    assert page.status_code == 200
    assert b'id="share-not-yet"' in page.content and b'id="share-form"' not in page.content
    refused = client.post(reverse("meetings:share", args=[held.pk]), {"note": NOTE})
    assert refused.status_code == 400
    assert _fresh(held).shared_at is None


def test_unsharing_from_the_page_needs_a_reason(world: World, meeting: JointMeeting) -> None:
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    client = _client(world, "unit0_secretary")
    page = client.get(reverse("meetings:share", args=[meeting.pk]))
    assert b'id="unshare-form"' in page.content
    refused = client.post(reverse("meetings:unshare", args=[meeting.pk]), {"reason": " "})
    assert refused.status_code == 400
    assert _fresh(meeting).shared_at is not None
    done = client.post(reverse("meetings:unshare", args=[meeting.pk]), {"reason": "需修改材料。"})
    assert done.status_code == 302 and done["Location"] == meeting.get_absolute_url()
    assert _fresh(meeting).shared_at is None


def test_the_unit_outside_cannot_unshare(world: World, meeting: JointMeeting) -> None:
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    response = _client(world, "unit2_secretary").post(
        reverse("meetings:unshare", args=[meeting.pk]), {"reason": "不应共享。"}
    )
    assert response.status_code == 403  # it sees the shared meeting, but may not change it
    assert _fresh(meeting).shared_at is not None


# --- On the meeting page: the panel and the button ------------------------------------------


class _Request:
    def __init__(self, user: Any) -> None:
        self.user = user


def _panel(world: World, name: str, meeting: JointMeeting) -> dict[str, Any] | None:
    shown = [
        p
        for p in record_panels(_Request(world.user(name)), _fresh(meeting))
        if p.code == "meetings.sharing"
    ]
    return shown[0].context if shown else None


def test_the_button_is_offered_to_managers_of_an_approved_unshared_meeting(
    world: World, meeting: JointMeeting
) -> None:
    share_url = reverse("meetings:share", args=[meeting.pk])

    def offered(name: str, record: JointMeeting) -> bool:
        return any(a.url == share_url for a in record_actions(world.user(name), record))

    assert offered("office", meeting) and offered("unit0_secretary", meeting)
    assert not offered("unit0_staff", meeting) and not offered("leader", meeting)
    held = make_meeting(world, status=S.HELD)
    assert not any(
        a.url == reverse("meetings:share", args=[held.pk])
        for a in record_actions(world.user("office"), held)
    )
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    assert not offered("office", _fresh(meeting))


def test_the_panel_shows_the_note_once_shared(world: World, meeting: JointMeeting) -> None:
    assert _panel(world, "unit0_staff", meeting) is None  # nothing to say yet
    before = _panel(world, "office", meeting)
    assert before is not None and not before["shared"] and before["can_be_shared"]
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    for name in ("unit0_staff", "unit2_staff", "leader"):
        panel = _panel(world, name, meeting)
        assert panel is not None and panel["shared"] and not panel["manager"], name
    assert _panel(world, "unit0_secretary", meeting)["manager"]  # type: ignore[index]


def test_the_meeting_page_shows_the_sharing_panel(world: World, meeting: JointMeeting) -> None:
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    page = _client(world, "unit2_staff").get(meeting.get_absolute_url())
    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="sharing-panel"' in content and 'data-shared="1"' in content
    assert "双向述评" in content


def test_decisions_of_a_shared_meeting_are_readable_by_other_units(
    world: World, meeting: JointMeeting
) -> None:
    decision = Decision.objects.create(
        committee=world.committee,
        meeting=meeting,
        group=meeting.group,
        year=meeting.year,
        serial=1,
        title="开展典型案例征集",
        content="各成员单位报送一个典型案例。",
        lead_unit=world.units[0],
        department=world.department,
        deadline=meeting.starts_at.date(),
        created_by=world.user("office"),
    )
    other = world.user("unit2_secretary")
    assert not visible(other, Decision).filter(pk=decision.pk).exists()
    sharing.share_meeting(meeting, world.user("office"), NOTE)
    assert visible(other, Decision).filter(pk=decision.pk).exists()
