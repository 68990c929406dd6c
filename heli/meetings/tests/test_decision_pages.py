"""The decision pages: recording a decision (once, keeping what was typed on a refusal,
its units ticked a group at a time), a decision's page with its task's state, who may do
what."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from heli.accounts.models import Role
from heli.meetings.models import Decision, DecisionCounter, JointMeeting
from heli.meetings.tests.test_minutes_fixtures import deadline, decide, held_meeting, items_of
from heli.testing import WORLD_USERS, World, grant, make_user
from heli.tracking import actions as task_actions
from heli.tracking.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

SEES = {"leader", "staff", "office", "unit0_leadership", "unit0_secretary", "unit0_staff"}
MANAGES = {"office", "unit0_secretary"}


def _client(world: World, who: str) -> Client:
    client = Client()
    client.force_login(world.user(who))
    return client


def _form(world: World, meeting: JointMeeting, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submission": "token-1",
        "agenda_item": items_of(meeting)[0].pk,
        "title": "建立机关党建联系点制度",
        "content": "各成员单位建立联系点，年底前报送落实情况。",
        "lead_unit": world.units[1].pk,
        "cooperating_units": [world.units[0].pk],
        "department": world.office.pk,
        "deadline": deadline(60).isoformat(),
    }
    data.update(extra)
    return data


def _new_url(meeting: JointMeeting) -> str:
    return reverse("meetings:decision_new", args=[meeting.pk])


@pytest.mark.parametrize("who", WORLD_USERS)
def test_who_records_a_decision(world: World, who: str) -> None:
    meeting = held_meeting(world)
    client = _client(world, who)
    page = client.get(_new_url(meeting))
    expected = 200 if who in MANAGES else (403 if who in SEES else 404)
    assert page.status_code == expected
    if who in MANAGES:
        # The office and a lead unit's secretary both record decisions: the task source
        # vouches for the meeting's managers on the battle map.
        assert 'id="decision-form"' in page.content.decode()
    response = client.post(_new_url(meeting), _form(world, meeting))
    assert response.status_code == (302 if who in MANAGES else expected)
    assert Decision.objects.exists() == (who in MANAGES)
    if who in MANAGES:
        task = Task.objects.get(source_type="meetings.decision")
        assert task.created_by == world.user(who)


def test_a_recorded_decision_lands_on_the_minutes_and_the_battle_map(world: World) -> None:
    meeting = held_meeting(world)
    client = _client(world, "office")
    response = client.post(_new_url(meeting), _form(world, meeting))
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:minutes", args=[meeting.pk]) + "#decisions"
    decision = Decision.objects.get()
    assert (decision.serial, decision.lead_unit, decision.agenda_item) == (
        1,
        world.units[1],
        items_of(meeting)[0],
    )
    task = Task.objects.get(source_type="meetings.decision", source_id=decision.pk)
    assert list(task.cooperations.values_list("unit_id", flat=True)) == [world.units[0].pk]
    page = client.get(reverse("meetings:minutes", args=[meeting.pk])).content.decode()
    assert decision.number in page and f'data-task="{task.pk}"' in page


def test_sending_the_form_twice_records_one_decision(world: World) -> None:
    meeting = held_meeting(world)
    client = _client(world, "office")
    client.post(_new_url(meeting), _form(world, meeting))
    again = client.post(_new_url(meeting), _form(world, meeting))
    assert again.status_code == 302
    # The back button and a new token, with the same content: still one.
    client.post(_new_url(meeting), _form(world, meeting, submission="token-2"))
    assert Decision.objects.count() == 1
    assert DecisionCounter.objects.get().last == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("deadline", "2020-01-01"),
        ("deadline", "3000-01-01"),
        ("deadline", "not a date"),
        ("title", ""),
        ("lead_unit", "999999"),
        ("department", "999999"),
    ],
)
def test_a_refused_form_keeps_what_was_typed(world: World, field: str, value: str) -> None:
    meeting = held_meeting(world)
    response = _client(world, "office").post(
        _new_url(meeting), _form(world, meeting, **{field: value})
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "各成员单位建立联系点，年底前报送落实情况。" in page
    assert f'id="id_decision_{field}"' in page and "is-invalid" in page
    assert not Decision.objects.exists() and not DecisionCounter.objects.exists()


def test_a_deadline_past_the_battle_maps_horizon_is_refused(world: World) -> None:
    meeting = held_meeting(world)
    far = deadline(365 * 3 + 40).isoformat()
    response = _client(world, "office").post(_new_url(meeting), _form(world, meeting, deadline=far))
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert not Decision.objects.exists()


def test_another_committees_unit_cannot_cooperate(world: World) -> None:
    meeting = held_meeting(world)
    response = _client(world, "office").post(
        _new_url(meeting), _form(world, meeting, cooperating_units=[world.other_unit.pk])
    )
    assert response.status_code == 200
    assert 'id="coop-list"' in response.content.decode()
    assert "unit-picker-list is-invalid" in response.content.decode()
    assert not Decision.objects.exists()


def test_a_group_button_ticks_the_groups_units_but_not_the_lead_unit(world: World) -> None:
    meeting = held_meeting(world)
    data = _form(world, meeting, cooperating_units=[], coop_group=world.group_years[1].pk)
    data["lead_unit"] = world.units[2].pk
    response = _client(world, "office").post(_new_url(meeting), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{world.units[3].pk}" id="id_cooperating_units_{world.units[3].pk}"' in page
    ticked = f'id="id_cooperating_units_{world.units[3].pk}" data-label="{world.units[3].short_name}" checked'
    assert ticked in page
    assert (
        f'id="id_cooperating_units_{world.units[2].pk}" data-label="{world.units[2].short_name}" checked'
        not in page
    )
    assert "建立机关党建联系点制度" in page
    assert not Decision.objects.exists()


def test_a_decision_is_not_recorded_for_a_meeting_not_held(world: World) -> None:
    meeting = held_meeting(world, status=JointMeeting.Status.PLAN_APPROVED)
    client = _client(world, "office")
    page = client.get(_new_url(meeting)).content.decode()
    assert 'id="decision-refused"' in page and 'id="decision-form"' not in page
    response = client.post(_new_url(meeting), _form(world, meeting))
    assert response.status_code == 200
    assert 'id="decision-errors"' in response.content.decode()
    assert "建立机关党建联系点制度" in response.content.decode()
    assert not Decision.objects.exists()


@pytest.mark.parametrize("who", WORLD_USERS)
def test_who_opens_a_decision(world: World, who: str) -> None:
    meeting = held_meeting(world)
    decision = decide(world, meeting)
    page = _client(world, who).get(decision.get_absolute_url())
    assert page.status_code == (200 if who in SEES else 404)
    if who in SEES:
        text = page.content.decode()
        assert 'id="decision-no-delete"' in text
        assert ('id="decision-edit"' in text) == (who in MANAGES)
    edit = _client(world, who).post(
        reverse("meetings:decision_edit", args=[decision.pk]),
        {"title": "改过的", "content": "改过的内容", "agenda_item": ""},
    )
    assert edit.status_code == (302 if who in MANAGES else (403 if who in SEES else 404))
    decision.refresh_from_db()
    assert (decision.title == "改过的") == (who in MANAGES)


def test_the_decision_shows_its_tasks_state(world: World) -> None:
    decision = decide(world, held_meeting(world))
    task = Task.objects.get(source_type="meetings.decision", source_id=decision.pk)
    client = _client(world, "unit0_leadership")
    page = client.get(decision.get_absolute_url()).content.decode()
    assert f'data-task="{task.pk}" data-task-status="assigned"' in page
    assert reverse("tracking:task_detail", args=[task.pk]) in page
    task_actions.receive_task(task, world.user("unit0_secretary"))
    page = client.get(decision.get_absolute_url()).content.decode()
    assert f'data-task="{task.pk}" data-task-status="received"' in page
    # Withdrawn by mistake: still on the page, marked withdrawn.
    task.refresh_from_db()
    task_actions.withdraw_task(task, world.user("office"), "误录")
    page = client.get(decision.get_absolute_url()).content.decode()
    assert f'data-task="{task.pk}" data-task-status="withdrawn"' in page
    assert "status-withdrawn" in page


def test_a_member_unit_not_on_the_task_sees_its_state_but_no_link(world: World) -> None:
    """Unit 0 sees the meeting; the task is unit 1's alone: its state shows, unlinked."""
    decision = decide(world, held_meeting(world), lead_unit=world.units[1], cooperating_units=[])
    task = Task.objects.get(source_id=decision.pk, source_type="meetings.decision")
    page = _client(world, "unit0_staff").get(decision.get_absolute_url()).content.decode()
    assert f'data-task-status="{task.status}"' in page
    assert reverse("tracking:task_detail", args=[task.pk]) not in page
    unit1 = make_user(world.committee, "unit1_staff")
    grant(unit1, Role.UNIT_STAFF, unit=world.units[1])
    client = Client()
    client.force_login(unit1)
    assert (
        reverse("tracking:task_detail", args=[task.pk])
        in client.get(decision.get_absolute_url()).content.decode()
    )
