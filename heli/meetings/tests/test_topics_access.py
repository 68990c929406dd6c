"""Who sees which topics and who may do what with them, role by role: the pages, the
office's steps, forged ids, the menu and the home cards."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.lib.ui import MENU_SECTIONS, MenuSection, menu_for
from heli.meetings import topics
from heli.meetings.models import Topic
from heli.meetings.tests.factories import make_meeting, make_topic
from heli.notifications.models import Notification
from heli.testing import WORLD_USERS, World

pytestmark = pytest.mark.django_db

S = Topic.Status
# Who reads every topic of the committee.
READERS = {"leader", "staff", "office"}
# Who reads a topic meant for group 1 (units[0] and units[1] are its members).
GROUP1 = READERS | {"unit0_leadership", "unit0_secretary", "unit0_staff"}
# Who sees the topic pages at all (another committee's leader: their own committee's).
LISTS = GROUP1 | {"unit2_secretary", "unit2_staff", "outsider"}
# Who proposes: the committee's people and the lead unit's secretary (and, in their own
# committee, the other committee's leader).
PROPOSES = READERS | {"unit0_secretary", "outsider"}


def client_of(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_opens_the_topic_pages(world: World, name: str) -> None:
    department_topic = make_topic(world)
    group_topic = make_topic(world, title="第一组的议题", group=world.groups[0])
    client = client_of(world, name)
    assert client.get(reverse("meetings:topic_list")).status_code == (200 if name in LISTS else 403)
    assert client.get(reverse("meetings:topic_queue")).status_code == (
        200 if name == "office" else 403
    )
    assert client.get(reverse("meetings:topic_new")).status_code == (
        200 if name in PROPOSES else 403
    )
    assert client.get(department_topic.get_absolute_url()).status_code == (
        200 if name in READERS else 404
    )
    assert client.get(group_topic.get_absolute_url()).status_code == (
        200 if name in GROUP1 else 404
    )
    listed = client.get(reverse("meetings:topic_list") + "?status=")
    if listed.status_code == 200:
        shown = {t.pk for t in listed.context["page"].object_list}
        assert (department_topic.pk in shown) is (name in READERS)
        assert (group_topic.pk in shown) is (name in GROUP1)


@pytest.mark.parametrize("name", WORLD_USERS)
def test_only_the_office_decides(world: World, name: str) -> None:
    topic = make_topic(world, group=world.groups[0])
    target = make_topic(world, title="目标", group=world.groups[0])
    meeting = make_meeting(world)
    client = client_of(world, name)
    steps = {
        "topic_accept": {"version": topic.version},
        "topic_return": {"version": topic.version, "reason": "理由", "confirm": "on"},
        "topic_merge": {"version": topic.version, "into": target.pk, "confirm": "on"},
        "topic_schedule": {"version": topic.version, "meeting": meeting.pk},
    }
    for step, data in steps.items():
        response = client.post(reverse(f"meetings:{step}", args=[topic.pk]), data)
        if name == "office":
            assert response.status_code in (200, 302), step
        else:
            # Those who see the topic are refused the step; the others do not see it.
            assert response.status_code == (403 if name in GROUP1 else 404), (step, name)
    topic.refresh_from_db()
    assert (topic.status == S.PROPOSED) is (name != "office")


def test_a_decision_page_is_only_the_offices(world: World) -> None:
    topic = make_topic(world)
    office = client_of(world, "office").get(topic.get_absolute_url()).content.decode()
    assert 'id="decide"' in office and 'id="step-return"' in office
    staff = client_of(world, "staff").get(topic.get_absolute_url()).content.decode()
    assert 'id="decide"' not in staff


def test_forged_ids_are_404(world: World) -> None:
    topic = make_topic(world)
    meeting = make_meeting(world)
    item = topics.schedule(topic, meeting, world.user("office"))
    office = client_of(world, "office")
    assert office.get(reverse("meetings:topic_detail", args=[987654])).status_code == 404
    assert office.post(reverse("meetings:topic_accept", args=[987654])).status_code == 404
    assert (
        office.post(reverse("meetings:topic_unschedule", args=[topic.pk, 987654])).status_code
        == 404
    )
    other = make_topic(world, title="另一个")
    # An agenda item of another topic is not this topic's.
    assert (
        office.post(reverse("meetings:topic_unschedule", args=[other.pk, item.pk])).status_code
        == 404
    )
    # Another committee's leader does not see this committee's topics.
    outsider = client_of(world, "outsider")
    assert outsider.get(topic.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "auditor"])
def test_the_administrators_see_nothing(world: World, name: str) -> None:
    topic = make_topic(world)
    client = client_of(world, name)
    assert client.get(topic.get_absolute_url()).status_code == 404
    assert client.get(reverse("meetings:topic_list")).status_code == 403
    assert client.get(reverse("meetings:topic_new")).status_code == 403
    home = client.get(reverse("home")).content.decode()
    assert "home-topic-queue" not in home and "home-my-topics" not in home


def test_a_lead_units_secretary_proposes_only_while_the_year_lasts(world: World) -> None:
    from heli.org.models import GroupMembership

    client = client_of(world, "unit0_secretary")
    assert client.get(reverse("meetings:topic_new")).status_code == 200
    # Next year the unit no longer leads: the right is gone.
    GroupMembership.objects.filter(unit=world.units[0]).update(is_lead=False)
    assert client_of(world, "unit0_secretary").get(reverse("meetings:topic_new")).status_code == 403


def test_the_menu_names_topics_and_the_queue(world: World) -> None:
    with MENU_SECTIONS.adding(MenuSection("meetings", "Joint meetings", order=35)):

        def labels(name: str) -> set[str]:
            return {link.url for block in menu_for(world.user(name), "/") for link in block.links}

        assert {"/meetings/topics/", "/meetings/topics/queue/"} <= labels("office")
        staff = labels("staff")
        assert "/meetings/topics/" in staff and "/meetings/topics/queue/" not in staff
        assert "/meetings/topics/" in labels("unit2_staff")
        assert not {"/meetings/topics/", "/meetings/topics/queue/"} & labels("sysadmin")


def test_the_offices_home_card_counts_open_exactly_their_rows(world: World) -> None:
    waiting = [make_topic(world, title=f"议题{i}") for i in range(3)]
    topics.accept(waiting[0], world.user("office"))
    topics.return_topic(make_topic(world, title="退回"), world.user("office"), reason="重复")
    client = client_of(world, "office")
    card = client.get(reverse("home")).context["cards"]
    (mine,) = [c for c in card if c.template == "meetings/topic_home_office.html"]
    assert (mine.context["proposed"], mine.context["accepted"]) == (2, 1)
    for key, count in (("proposed_url", 2), ("accepted_url", 1)):
        page = client.get(mine.context[key])
        assert page.context["page"].paginator.count == count
    # Nobody else has that card.
    for name in ("staff", "leader", "unit0_secretary"):
        home = client_of(world, name).get(reverse("home")).content.decode()
        assert "home-topic-queue" not in home


def test_a_proposers_home_card_shows_what_became_of_their_topics(world: World) -> None:
    staff = client_of(world, "staff")
    assert "home-my-topics" not in staff.get(reverse("home")).content.decode()
    topic = make_topic(world)
    old = make_topic(world, title="很久以前退回的")
    office = world.user("office")
    topics.return_topic(topic, office, reason="请补充材料后再提")
    topics.return_topic(old, office, reason="重复")
    Topic.objects.filter(pk=old.pk).update(decided_at=timezone.now() - datetime.timedelta(days=90))
    home = staff.get(reverse("home")).content.decode()
    assert "home-my-topics" in home
    assert f'data-topic="{topic.pk}"' in home and f'data-topic="{old.pk}"' not in home
    assert "请补充材料后再提" in home
    # A unit's people who propose nothing have no such card.
    assert (
        "home-my-topics"
        not in client_of(world, "unit2_staff").get(reverse("home")).content.decode()
    )


def test_the_topic_list_opens_on_my_topics_for_proposers(world: World) -> None:
    mine = make_topic(world)
    others = make_topic(world, by="leader", title="领导提的议题", proposer_department=None)
    page = client_of(world, "staff").get(reverse("meetings:topic_list"))
    assert [t.pk for t in page.context["page"].object_list] == [mine.pk]
    everything = client_of(world, "staff").get(reverse("meetings:topic_list") + "?search=1")
    assert {t.pk for t in everything.context["page"].object_list} == {mine.pk, others.pk}


def test_notifications_reach_only_the_people_concerned(world: World) -> None:
    topic = make_topic(
        world,
        by="unit0_secretary",
        proposer_department=None,
        proposer_unit=world.units[0],
        group=world.groups[0],
    )
    topics.accept(topic, world.user("office"))
    assert [n.recipient.username for n in Notification.objects.all()] == ["unit0_secretary"]
