"""The minutes pages as every role meets them: who reads, writes and approves; refusals
keep what was typed; approval asks first; the approvers' list; fixed query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.meetings import minutes
from heli.meetings.models import JointMeeting
from heli.meetings.tests.test_minutes_fixtures import (
    O,
    S,
    decide,
    held_meeting,
    items_of,
    write,
)
from heli.testing import WORLD_USERS, World

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

SEES = {
    "leader",
    "staff",
    "office",
    "unit0_leadership",
    "unit0_secretary",
    "unit0_staff",
}
MANAGES = {"office", "unit0_secretary"}
APPROVES = {"office", "leader"}


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.user(who))
    return client


def _post_minutes(client: Client, meeting: JointMeeting, outcomes: list[str], **extra: Any) -> Any:
    meeting.refresh_from_db()
    data: dict[str, Any] = {"version": meeting.version, "summary": "会议纪要：研究了两项议题。"}
    for item, outcome in zip(items_of(meeting), outcomes, strict=True):
        data[f"outcome_{item.pk}"] = outcome
        data[f"text_{item.pk}"] = f"{item.topic.title}：已研究。"
    data.update(extra)
    return client.post(reverse("meetings:minutes", args=[meeting.pk]), data)


@pytest.mark.parametrize("who", WORLD_USERS)
def test_who_reads_and_who_writes_the_minutes(world: World, who: str) -> None:
    meeting = held_meeting(world)
    client = _client(world, who)
    page = client.get(reverse("meetings:minutes", args=[meeting.pk]))
    assert page.status_code == (200 if who in SEES else 404)
    if who in SEES:
        assert ('id="minutes-form"' in page.content.decode()) == (who in MANAGES)
        assert ('id="approve-form"' in page.content.decode()) == (who in APPROVES)
    sent = _post_minutes(client, meeting, [O.AGREED, O.DISCUSSED])
    expected = 302 if who in MANAGES else (403 if who in SEES else 404)
    assert sent.status_code == expected
    outcomes: list[str] = [i.outcome for i in items_of(meeting)]
    assert outcomes == (["agreed", "discussed"] if who in MANAGES else ["", ""])


@pytest.mark.parametrize("who", WORLD_USERS)
def test_who_approves_the_minutes_on_the_page(world: World, who: str) -> None:
    meeting = held_meeting(world)
    write(world, meeting, [O.AGREED, O.DISCUSSED])
    response = _client(world, who).post(
        reverse("meetings:minutes_approve", args=[meeting.pk]), {"confirm": "on"}
    )
    expected = 302 if who in APPROVES else (403 if who in SEES else 404)
    assert response.status_code == expected
    meeting.refresh_from_db()
    assert (meeting.status == S.MINUTES_APPROVED) == (who in APPROVES)


def test_another_groups_meeting_and_a_forged_id_are_not_found(world: World) -> None:
    other = held_meeting(world, group_year=world.group_years[1])
    client = _client(world, "unit0_secretary")
    assert client.get(reverse("meetings:minutes", args=[other.pk])).status_code == 404
    assert client.get(reverse("meetings:minutes", args=[99999])).status_code == 404
    assert (
        _client(world, "unit2_secretary")
        .get(reverse("meetings:minutes", args=[other.pk]))
        .status_code
        == 200
    )


def test_minutes_before_the_meeting_is_held_are_refused_and_keep_the_text(world: World) -> None:
    meeting = held_meeting(world, status=S.NOTICE_SENT)
    client = _client(world, "unit0_secretary")
    page = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert 'id="minutes-not-held"' in page and 'id="minutes-form"' not in page
    response = _post_minutes(client, meeting, [O.AGREED, O.AGREED], summary="提前写好的纪要文字")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="minutes-errors"' in page
    assert "提前写好的纪要文字" in page
    meeting.refresh_from_db()
    assert meeting.minutes == "" and meeting.status == S.NOTICE_SENT
    assert [i.outcome for i in items_of(meeting)] == ["", ""]


def test_a_stale_save_keeps_the_text_and_can_be_sent_again(world: World) -> None:
    meeting = held_meeting(world)
    opened = meeting.version
    write(world, meeting, [O.AGREED, O.AGREED], by="office")
    client = _client(world, "unit0_secretary")
    response = _post_minutes(
        client, meeting, [O.DISCUSSED, O.DISCUSSED], version=opened, summary="我的版本"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="minutes-errors"' in page and "我的版本" in page
    meeting.refresh_from_db()
    assert f'name="version" value="{meeting.version}"' in page
    assert [i.outcome for i in items_of(meeting)] == [O.AGREED, O.AGREED]


def test_a_bad_outcome_is_refused_next_to_its_field(world: World) -> None:
    meeting = held_meeting(world)
    response = _post_minutes(_client(world, "office"), meeting, ["maybe", O.AGREED])
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()
    assert [i.outcome for i in items_of(meeting)] == ["", ""]


def test_approval_asks_first_and_names_the_topics_without_an_outcome(world: World) -> None:
    meeting = held_meeting(world)
    client = _client(world, "office")
    write(world, meeting, [O.AGREED, ""])
    missing = items_of(meeting)[1].topic.title
    page = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert 'id="approval-blockers"' in page and missing in page
    url = reverse("meetings:minutes_approve", args=[meeting.pk])
    unticked = client.post(url, {})
    assert unticked.status_code == 200 and "is-invalid" in unticked.content.decode()
    refused = client.post(url, {"confirm": "on"})
    assert refused.status_code == 200
    assert 'id="approve-errors"' in refused.content.decode() and missing in refused.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == S.HELD


def test_after_approval_every_page_refuses_changes(world: World) -> None:
    meeting = held_meeting(world)
    first = items_of(meeting)[0]
    write(world, meeting, [O.DECIDED, O.AGREED])
    decision = decide(world, meeting, agenda_item=first)
    minutes.approve_minutes(meeting, world.user("office"))
    client = _client(world, "office")
    page = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert 'id="minutes-locked"' in page and 'id="minutes-form"' not in page
    assert 'id="decision-new"' not in page and 'id="approve-form"' not in page
    response = _post_minutes(client, meeting, [O.NOT_REACHED, O.NOT_REACHED], summary="改写")
    assert response.status_code == 200 and 'id="minutes-errors"' in response.content.decode()
    again = client.post(reverse("meetings:minutes_approve", args=[meeting.pk]), {"confirm": "on"})
    assert again.status_code == 200 and 'id="approve-errors"' in again.content.decode()
    meeting.refresh_from_db()
    assert meeting.minutes != "改写"
    assert [i.outcome for i in items_of(meeting)] == [O.DECIDED, O.AGREED]
    edit = client.post(
        reverse("meetings:decision_edit", args=[decision.pk]),
        {"title": "改过", "content": "改过", "agenda_item": ""},
    )
    assert edit.status_code == 200 and 'id="decision-refused"' in edit.content.decode()
    decision.refresh_from_db()
    assert decision.title != "改过"
