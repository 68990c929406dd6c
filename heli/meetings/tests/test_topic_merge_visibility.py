"""A unit whose topic the office merged into another follows the topic it went into."""

from __future__ import annotations

import pytest

from heli.accounts.policy import visible
from heli.meetings.models import Topic
from heli.meetings.tests.factories import make_topic
from heli.testing import World

pytestmark = pytest.mark.django_db


def test_a_proposer_sees_the_topic_its_own_was_merged_into(world: World) -> None:
    target = make_topic(world, title="全市层面的议题")
    own = make_topic(
        world,
        by="unit0_secretary",
        proposer_unit=world.units[0],
        group=world.groups[0],
        title="本组提出的议题",
    )
    other = make_topic(world, title="与本单位无关的议题")
    secretary, outsider = world.user("unit0_secretary"), world.user("unit2_secretary")
    assert set(visible(secretary, Topic)) == {own}
    Topic.objects.filter(pk=own.pk).update(status=Topic.Status.MERGED, merged_into=target)
    assert set(visible(secretary, Topic)) == {own, target}
    assert target not in visible(outsider, Topic) and other not in visible(secretary, Topic)


def test_a_lead_units_secretary_sees_the_accepted_topics_meant_for_any_group(
    world: World,
) -> None:
    accepted = make_topic(world, status=Topic.Status.ACCEPTED)
    proposed = make_topic(world, title="尚未受理的议题")
    for_group_two = make_topic(world, status=Topic.Status.ACCEPTED, group=world.groups[1])
    lead, member = world.user("unit0_secretary"), world.user("unit2_secretary")
    assert set(visible(lead, Topic)) == {accepted}
    assert not {accepted, proposed} & set(visible(member, Topic))
    assert for_group_two in visible(member, Topic)
