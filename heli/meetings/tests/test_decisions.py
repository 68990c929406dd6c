"""Decisions: numbered per group and year without gaps, each one a task on the battle map
(source "meetings") made in the same transaction, refused with the battle map's own checks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from heli.audit.models import AuditEvent
from heli.meetings import decisions
from heli.meetings.models import Decision, DecisionCounter, decision_number
from heli.meetings.tests.test_minutes_fixtures import deadline, decide, held_meeting, items_of
from heli.testing import World
from heli.tracking import actions as task_actions
from heli.tracking.models import Task

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def test_numbers_run_per_group_and_year(world: World) -> None:
    first = held_meeting(world)
    second = held_meeting(world)  # the group's next meeting of the year: same series
    other_group = held_meeting(world, group_year=world.group_years[1])
    made = [decide(world, first), decide(world, first), decide(world, second)]
    assert [d.serial for d in made] == [1, 2, 3]
    assert decide(world, other_group).serial == 1
    year = world.group_years[0].year
    assert made[2].number == decision_number(1, year, 3) == f"第1组〔{year}〕3号"
    with transaction.atomic():
        assert decisions.allot(world.committee, world.groups[0], year + 1) == 1
        assert decisions.allot(world.committee, world.groups[0], year) == 4
    counters = DecisionCounter.objects.order_by("group__number", "year")
    assert list(counters.values_list("group__number", "year", "last")) == [
        (1, year, 4),
        (1, year + 1, 1),
        (2, year, 1),
    ]


def test_the_database_refuses_a_duplicate_serial(world: World) -> None:
    meeting = held_meeting(world)
    decide(world, meeting)
    second = decide(world, meeting)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=second.pk).update(serial=1)


def test_a_decision_becomes_a_task_on_the_battle_map(world: World) -> None:
    meeting = held_meeting(world)
    item = items_of(meeting)[0]
    decision = decide(
        world,
        meeting,
        agenda_item=item,
        cooperating_units=[world.units[1], world.units[2]],
        department=world.office,
    )
    task = Task.objects.get(source_type="meetings.decision", source_id=decision.pk)
    assert task.source_kind == "meetings"
    assert (task.title, task.lead_unit, task.department, task.deadline) == (
        decision.title,
        world.units[0],
        world.office,
        decision.deadline,
    )
    assert set(task.cooperations.values_list("unit_id", flat=True)) == {
        world.units[1].pk,
        world.units[2].pk,
    }
    assert set(decision.unit_links.values_list("unit_id", flat=True)) == {
        world.units[1].pk,
        world.units[2].pk,
    }
    assert task.basis.startswith(decision.number) and meeting.title in task.basis
    assert task.description == decision.content
    assert task.source_url == reverse("meetings:decision_detail", args=[decision.pk])
    assert task.source_label == f"{decision.number} {decision.title}"
    assert task.created_by == world.user("office")
    assert list(task_actions.tasks_from(decision)) == [task]
    assert AuditEvent.objects.filter(
        object_type="meetings.decision", object_id=str(decision.pk), event="record.created"
    ).exists()


def test_the_battle_map_shows_the_task_with_its_source(world: World) -> None:
    decision = decide(world, held_meeting(world))
    task = Task.objects.get(source_type="meetings.decision", source_id=decision.pk)
    client = Client()
    client.force_login(world.user("staff"))
    page = client.get(reverse("tracking:task_detail", args=[task.pk])).content.decode()
    assert decision.get_absolute_url() in page
    listed = client.get(reverse("tracking:task_list")).content.decode()
    assert reverse("tracking:task_detail", args=[task.pk]) in listed
    chart = client.get(reverse("tracking:wallchart"), {"by": "source"})
    assert chart.status_code == 200
    # The lead unit's row has one task in the "joint meeting decision" column.
    cell = f'lead_unit={world.units[0].pk}&amp;source_kind=meetings">1</a>'
    assert cell in chart.content.decode()


def test_a_lead_units_secretary_records_a_decision_that_becomes_a_task(world: World) -> None:
    """The meeting's managers record its decisions though they assign no other tasks of the
    supervising department: the task source vouches for them on the battle map."""
    meeting = held_meeting(world)
    decision = decide(world, meeting, by="unit0_secretary", department=world.department)
    task = Task.objects.get(source_type="meetings.decision", source_id=decision.pk)
    assert task.department == world.department
    assert task.created_by == world.user("unit0_secretary")


@pytest.mark.parametrize(
    "who", ["leader", "staff", "unit0_staff", "unit2_secretary", "auditor", "outsider", "nobody"]
)
def test_who_does_not_manage_the_meeting_records_no_decision(world: World, who: str) -> None:
    meeting = held_meeting(world)
    with pytest.raises(ValidationError) as refused:
        decide(world, meeting, by=who)
    assert refused.value.code == "not_allowed"
    assert not Decision.objects.exists()


def test_a_refused_task_takes_its_number_back(world: World) -> None:
    """The battle map refuses a deadline past its horizon: the decision is not recorded
    and the serial it took is free again — the next decision gets it."""
    meeting = held_meeting(world)
    decide(world, meeting)
    with pytest.raises(ValidationError) as refused:
        decide(world, meeting, deadline=deadline(days=365 * 4))
    assert "deadline" in refused.value.error_dict
    assert DecisionCounter.objects.get().last == 1
    assert decide(world, meeting).serial == 2
    assert Task.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"content": ""}, "content"),
        ({"deadline": datetime.date(2020, 1, 1)}, "deadline"),
        ({"cooperating_units": "lead"}, "cooperating_units"),
    ],
)
def test_bad_fields_are_refused_next_to_the_field(
    world: World, fields: dict[str, Any], field: str
) -> None:
    meeting = held_meeting(world)
    if fields.get("cooperating_units") == "lead":
        fields = {"cooperating_units": [world.units[0]]}
    with pytest.raises(ValidationError) as refused:
        decide(world, meeting, **fields)
    assert field in refused.value.error_dict
    assert not Decision.objects.exists()


def test_an_agenda_item_of_another_meeting_is_refused(world: World) -> None:
    meeting = held_meeting(world)
    other = held_meeting(world)
    with pytest.raises(ValidationError) as refused:
        decide(world, meeting, agenda_item=items_of(other)[0])
    assert "agenda_item" in refused.value.error_dict


def test_the_wording_is_corrected_while_the_minutes_are_written(world: World) -> None:
    meeting = held_meeting(world)
    decision = decide(world, meeting)
    item = items_of(meeting)[1]
    decisions.update_decision(
        decision, world.user("unit0_secretary"), title="新标题", content="新内容", agenda_item=item
    )
    decision.refresh_from_db()
    assert (decision.title, decision.content, decision.agenda_item, decision.serial) == (
        "新标题",
        "新内容",
        item,
        1,
    )
    event = AuditEvent.objects.filter(object_type="meetings.decision", event="record.updated").get()
    assert set(event.detail["changes"]) == {"title", "content", "agenda_item"}
    with pytest.raises(ValidationError):
        decisions.update_decision(
            decision, world.user("unit2_secretary"), title="x", content="y", agenda_item=None
        )
