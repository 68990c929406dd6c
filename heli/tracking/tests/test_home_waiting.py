"""The home page's "waiting for me": each role's counts, each opening exactly its list."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.org.models import Department, Unit
from heli.testing import FROZEN_TODAY, World
from heli.tracking.models import ExtensionRequest, Task, TaskUnit
from heli.tracking.workflow import Status

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

PAST = FROZEN_TODAY - datetime.timedelta(days=10)
LATER = FROZEN_TODAY + datetime.timedelta(days=30)
# More overdue tasks of units[2] than one page of the list holds.
MANY = 32


def _task(
    world: World,
    name: str,
    status: str,
    deadline: datetime.date,
    *,
    unit: Unit | None = None,
    department: Department | None = None,
    year: int = FROZEN_TODAY.year,
    cooperating: tuple[Unit, ...] = (),
) -> Task:
    task = Task.objects.create(
        committee=world.committee,
        year=year,
        title=name,
        lead_unit=unit or world.units[0],
        department=department or world.department,
        assigned_at=datetime.date(year, 1, 10),
        deadline=deadline,
        status=status,
        created_by=world.user("staff"),
        **(
            {"closed_by": world.user("staff"), "closed_at": timezone.now()}
            if status == Status.CLOSED
            else {}
        ),
    )
    for other in cooperating:
        TaskUnit.objects.create(committee=world.committee, task=task, unit=other)
    return task


def _extension(world: World, task: Task, decision: str) -> None:
    ExtensionRequest.objects.create(
        committee=world.committee,
        task=task,
        current_deadline=task.deadline,
        requested_deadline=task.deadline + datetime.timedelta(days=30),
        reason="需要延期",
        requested_by=world.user("unit0_secretary"),
        status=decision,
        **(
            {}
            if decision == ExtensionRequest.Decision.PENDING
            else {"decided_by": world.user("staff"), "decided_at": timezone.now()}
        ),
    )


def _tasks(world: World) -> dict[str, set[str]]:
    """Tasks in every situation; what waits for whom, worked out by hand."""
    S = Status
    _task(world, "A", S.ASSIGNED, LATER)
    _task(world, "B", S.ASSIGNED, PAST)
    c = _task(world, "C", S.IN_PROGRESS, PAST)
    _extension(world, c, ExtensionRequest.Decision.APPROVED)  # decided: nothing to decide
    d = _task(world, "D", S.IN_PROGRESS, LATER)
    _extension(world, d, ExtensionRequest.Decision.PENDING)
    _extension(world, d, ExtensionRequest.Decision.REFUSED)  # two requests, one task
    _task(world, "E", S.REPORTED_DONE, PAST)  # waits for the verdict, not late work
    _task(world, "F", S.LONG_RUNNING, PAST)  # kept open on purpose: never overdue
    _task(world, "G", S.CLOSED, PAST)
    _task(world, "H", S.WITHDRAWN, PAST)  # on no list
    _task(world, "J", S.REPORTED_DONE, LATER, department=world.office)
    _task(world, "L", S.IN_PROGRESS, datetime.date(2025, 12, 1), year=2025)  # last year's
    many = {f"I{i}" for i in range(MANY)}
    for name in sorted(many):
        _task(world, name, S.IN_PROGRESS, PAST, unit=world.units[2], cooperating=(world.units[0],))
    unit0 = {
        "to_sign": {"A", "B"},
        "to_report": {"C", "D", "F", "L"},
        "overdue": {"B", "C", "L"},
    }
    return {
        **{f"unit0:{k}": v for k, v in unit0.items()},
        "leadership:unit_open": {"A", "B", "C", "D", "E", "F", "J", "L"},
        "leadership:overdue": {"B", "C", "L"},
        "staff:overdue": {"B", "C", "L"} | many,
        "staff:to_verify": {"E"},
        "staff:to_decide": {"D"},
        "office:overdue": set(),
        "office:to_verify": {"J"},
        "office:to_decide": set(),
        "leader:overdue": {"B", "C", "L"} | many,
        "unit2:to_sign": set(),
        "unit2:to_report": many,
        "unit2:overdue": many,
    }


# Each role's kinds, in the order its card shows them.
ROLES = {
    "unit0_secretary": ("unit0", ["to_sign", "to_report", "overdue"]),
    "unit0_staff": ("unit0", ["to_sign", "to_report", "overdue"]),
    "unit0_leadership": ("leadership", ["overdue", "unit_open"]),
    "staff": ("staff", ["overdue", "to_verify", "to_decide"]),
    "office": ("office", ["overdue", "to_verify", "to_decide"]),
    "leader": ("leader", ["overdue"]),
    "unit2_secretary": ("unit2", ["to_sign", "to_report", "overdue"]),
}


def _listed(client: Client, url: str) -> tuple[int, list[str]]:
    """The count a list page says and the titles of all its pages."""
    first = client.get(url)
    assert first.status_code == 200
    page = first.context["page"]
    titles = [t.title for t in page.object_list]
    while page.has_next():
        page = client.get(f"{url}&page={page.next_page_number()}").context["page"]
        titles += [t.title for t in page.object_list]
    return first.context["page"].paginator.count, titles


@pytest.mark.parametrize("username", list(ROLES))
def test_each_count_on_the_home_page_opens_exactly_its_list(
    client: Client, world: World, username: str
) -> None:
    expected = _tasks(world)
    who, kinds = ROLES[username]
    client.force_login(world.user(username))
    home = client.get(reverse("home"))
    cards = [c for c in home.context["cards"] if c.template == "tracking/home_waiting.html"]
    assert len(cards) == 1, username
    counts = cards[0].context["counts"]
    assert [c["key"] for c in counts] == kinds, username
    html = home.content.decode()
    for item in counts:
        want = expected[f"{who}:{item['key']}"]
        assert item["count"] == len(want), (username, item["key"])
        # The page shows the count, linking to the list.
        link = re.search(
            rf'href="([^"]+)" data-waiting="{item["key"]}">\s*<div[^>]*>[^<]*</div>'
            rf'<div class="stat-value[^"]*">(\d+)</div>',
            html,
        )
        assert link is not None, (username, item["key"])
        url = link.group(1).replace("&amp;", "&")
        assert int(link.group(2)) == item["count"]
        total, titles = _listed(client, url)
        assert total == item["count"], (username, item["key"])
        assert sorted(titles) == sorted(want), (username, item["key"])
    # The card opens the page: the first block under the greeting, before the registry's
    # counts and the unit's own card.
    rest = html[html.index("</h1>") :]
    assert re.search(r'<\w+ class="card', rest).start() == rest.index(  # type: ignore[union-attr]
        '<section class="card mb-4" aria-labelledby="home-waiting-title"'
    )
    first = cards[0].context["first"]
    waiting = set().union(*(expected[f"{who}:{k}"] for k in kinds))
    assert len(first) == min(5, len(waiting))
    assert {item["task"].title for item in first} <= waiting
    assert len({item["task"].pk for item in first}) == len(first)


def test_a_kind_that_is_not_the_users_lists_nothing(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("unit0_secretary"))
    total, _titles = _listed(client, reverse("tracking:task_list") + "?waiting=to_verify")
    assert total == 0
    client.force_login(world.user("staff"))
    assert _listed(client, reverse("tracking:task_list") + "?waiting=to_sign")[0] == 0
    assert _listed(client, reverse("tracking:task_list") + "?waiting=nonsense")[0] == 0


def test_the_waiting_list_says_what_it_shows_and_narrows_with_the_other_filters(
    client: Client, world: World
) -> None:
    _tasks(world)
    client.force_login(world.user("unit0_staff"))
    url = reverse("tracking:task_list")
    page = client.get(url, {"waiting": "to_report"}).content.decode()
    assert "显示待我办理的事项：待反馈。" in page
    assert 'name="waiting" value="to_report"' in page
    # The form sent again carries the kind, and the year narrows it.
    total, titles = _listed(client, f"{url}?waiting=to_report&year={FROZEN_TODAY.year}&status=")
    assert (total, sorted(titles)) == (3, ["C", "D", "F"])


def test_nothing_waits_for_a_role_without_tasks_and_no_card_for_administrators(
    client: Client, world: World
) -> None:
    for name in ("sysadmin", "auditor", "nobody"):
        client.force_login(world.user(name))
        cards = client.get(reverse("home")).context["cards"]
        assert "tracking/home_waiting.html" not in [c.template for c in cards], name
    client.force_login(world.user("unit0_staff"))
    page = client.get(reverse("home")).content.decode()
    assert 'data-waiting="to_sign"' in page


def _count_home_queries(client: Client, world: World, user: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user(user))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["staff", "unit0_secretary", "leader"])
def test_the_card_runs_a_fixed_number_of_queries(
    client: Client, world: World, username: str
) -> None:
    _task(world, "one", Status.ASSIGNED, PAST)
    _task(world, "two", Status.REPORTED_DONE, PAST)
    _count_home_queries(client, world, username)  # what other cards set up once
    few = _count_home_queries(client, world, username)
    _tasks(world)
    assert _count_home_queries(client, world, username) == few
