"""The topic pages run the same number of queries at 5 topics and at 50, and the home
cards stay within their share of the home page's ceiling."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.meetings import topics, topics_ui
from heli.meetings.models import AgendaKind, Topic
from heli.meetings.tests.factories import make_meeting
from heli.testing import World

pytestmark = pytest.mark.django_db

# The pages take 10 today; a little room for what the layout gains, not for N+1.
CEILING = 14


def _topics(world: World, n: int) -> list[Topic]:
    """``n`` topics of every kind of proposer, some merged into others, some carried."""
    made = []
    meeting = make_meeting(world)
    for i in range(n):
        by = ("staff", "leader", "unit0_secretary", "office")[i % 4]
        made.append(
            Topic.objects.create(
                committee=world.committee,
                year=world.group_years[0].year,
                kind=AgendaKind.values[i % 5],
                title=f"议题{i:03d}",
                description="说明",
                proposed_by=world.user(by),
                proposer_department=world.department if by == "staff" else None,
                proposer_unit=world.units[0] if by == "unit0_secretary" else None,
                group=world.groups[i % 2] if i % 3 else None,
                carried_from=meeting if i % 7 == 0 else None,
                status=Topic.Status.ACCEPTED if i % 2 else Topic.Status.PROPOSED,
            )
        )
    for i in range(0, n - 1, 5):
        Topic.objects.filter(pk=made[i + 1].pk).update(
            status=Topic.Status.MERGED, merged_into=made[i]
        )
    return made


def _count(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries), response


PAGES = {
    "office": [
        "/meetings/topics/queue/",
        "/meetings/topics/queue/?status=proposed&q=议题",
        "/meetings/topics/queue/?status=all&kind=issues",
        "/meetings/topics/?status=",
    ],
    "staff": ["/meetings/topics/", "/meetings/topics/?status=&kind=issues&q=议题"],
    "unit0_staff": ["/meetings/topics/?status="],
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_lists_run_a_fixed_number_of_queries(world: World, name: str) -> None:
    client = Client()
    client.force_login(world.user(name))
    made = _topics(world, 5)
    small = {url: _count(client, url) for url in PAGES[name]}
    for topic in made:
        for k in range(9):
            Topic.objects.create(**{**_fields(topic), "title": f"{topic.title}-{k}"})
    assert Topic.objects.count() >= 50
    large = {url: _count(client, url) for url in PAGES[name]}
    for url in PAGES[name]:
        assert small[url][0] == large[url][0], (url, small[url][0], large[url][0])
        assert large[url][0] <= CEILING, (url, large[url][0])
    # The pages did list rows: the large one more of them.
    first = PAGES[name][0]
    assert (
        large[first][1].context["page"].paginator.count
        > small[first][1].context["page"].paginator.count
    )


def _fields(topic: Topic) -> dict[str, Any]:
    return {
        f.attname: getattr(topic, f.attname)
        for f in Topic._meta.concrete_fields
        if f.attname not in ("id", "created_at", "updated_at")
    } | {"merged_into_id": None, "status": topic.status if topic.status != "merged" else "proposed"}


@pytest.mark.parametrize("size", [5, 50])
def test_the_queue_at_two_sizes_under_the_ceiling(
    world: World, size: int, django_assert_max_num_queries: Any
) -> None:
    _topics(world, size)
    client = Client()
    client.force_login(world.user("office"))
    client.get("/meetings/topics/queue/")  # the session and the scope settle
    with django_assert_max_num_queries(CEILING):
        response = client.get("/meetings/topics/queue/")
    assert response.status_code == 200
    page = response.context["page"]
    waiting = Topic.objects.filter(status__in=topics.DECIDABLE).count()
    assert page.paginator.count == waiting
    rows = page.object_list
    assert len(rows) == min(waiting, 30)
    # Proposals first, then accepted ones.
    ranks = [0 if t.status == "proposed" else 1 for t in rows]
    assert ranks == sorted(ranks)


@pytest.mark.parametrize("name", ["office", "staff", "leader", "unit0_secretary", "unit2_staff"])
def test_the_home_cards_take_few_queries(world: World, name: str) -> None:
    made = _topics(world, 20)
    office = world.user("office")
    topics.return_topic(made[2], office, reason="重复")
    request = RequestFactory().get(reverse("home"))
    request.user = world.user(name)
    from heli.accounts.policy import scope_of

    scope_of(request.user)  # the home page has it already
    for card in (topics_ui.office_card, topics_ui.proposer_card):
        with CaptureQueriesContext(connection) as ctx:
            card(request)
        assert len(ctx.captured_queries) <= 4, (card.__name__, ctx.captured_queries)
    # For those it does not concern, no query at all.
    if name != "office":
        with CaptureQueriesContext(connection) as ctx:
            assert topics_ui.office_card(request) is None
        assert not ctx.captured_queries
    if name == "unit2_staff":
        with CaptureQueriesContext(connection) as ctx:
            assert topics_ui.proposer_card(request) is None
        assert not ctx.captured_queries


def test_the_contact_panel_takes_one_query(world: World) -> None:
    from heli.liaison.tests.contact_helpers import make_contact

    contact = make_contact(world)
    (base,) = _topics(world, 1)
    for i in range(3):
        Topic.objects.create(
            **{
                **_fields(base),
                "title": f"来自沟通的议题{i}",
                "origin_type": "liaison.contact",
                "origin_id": contact.pk,
            }
        )
    request = RequestFactory().get("/")
    request.user = world.user("staff")
    from heli.accounts.policy import scope_of

    scope_of(request.user)
    with CaptureQueriesContext(connection) as ctx:
        panel = topics_ui.contact_topics_panel(request, contact)
    assert panel is not None and len(panel["topics"]) == 3
    assert len(ctx.captured_queries) == 1
