"""A new area plugs into every registry by its own files only.

``heli/lib/tests/sample_area`` is installed for the tests (``HELI_EXTRA_APPS`` in the
pytest options) and edits nothing outside itself: its ``AppConfig.ready()`` registers its
model's access rules, a task source, a reminder kind, a demonstration loader and a menu
entry, and mounts its pages through ``url_prefix``. These tests show the policy, the wall chart's source columns, ``send_reminders``,
``load_demo`` and the menu picking them up.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, registered, visible
from heli.lib import demo
from heli.lib.dates import current_year
from heli.lib.tests.sample_area.models import Thing
from heli.lib.ui import menu_for
from heli.notifications import registry
from heli.notifications.models import Notification
from heli.org.models import Committee, Unit
from heli.testing import World, grant, make_user
from heli.tracking import actions, sources
from heli.tracking.chart import build_chart
from heli.tracking.models import Task

pytestmark = pytest.mark.django_db


def _thing(world: World, unit_index: int = 0, title: str = "调研中发现的问题") -> Thing:
    return Thing.objects.create(
        committee=world.committee, unit=world.units[unit_index], title=title
    )


def test_the_policy_takes_the_areas_own_rules(world: World) -> None:
    mine = _thing(world, 0)
    other = _thing(world, 2)
    assert "sample_area.Thing" in registered()
    leader, staff = world.users["leader"], world.users["unit0_staff"]
    assert set(visible(leader, Thing)) == {mine, other}
    assert set(visible(staff, Thing)) == {mine}
    assert can(staff, Action.VIEW, mine) and not can(staff, Action.VIEW, other)
    # What the area did not grant stays refused, and so do the administrators.
    assert not can(leader, Action.CHANGE, mine)
    assert not visible(world.users["sysadmin"], Thing).exists()
    # The tenant boundary is the policy's own: another committee's leader sees none.
    outsider = make_user(world.other_committee, "outsider_leader")
    grant(outsider, Role.COMMITTEE_LEADER)
    assert not visible(outsider, Thing).exists()


def test_a_task_from_the_areas_record_links_back_and_tells_it_when_closed(world: World) -> None:
    thing = _thing(world)
    task = actions.create_task_from(
        thing,
        title="整改调研中发现的问题",
        lead_unit=world.units[0],
        department=world.department,
        deadline=timezone.localdate() + datetime.timedelta(days=60),
        by=world.users["staff"],
    )
    assert task.source_kind == "sample_thing"
    assert (task.source_type, task.source_id) == ("sample_area.thing", thing.pk)
    assert task.source_label == f"Thing: {thing.title}"
    assert task.source_url == thing.get_absolute_url()
    assert task.source_kind_label == "Sample things"
    # Through the workflow to closure; the area hears of it only once the closure commits.
    secretary, staff = world.users["unit0_secretary"], world.users["staff"]
    with pytest.raises(ValueError, match="no task source"):
        actions.create_task_from(
            world.units[0],
            title="x",
            lead_unit=world.units[0],
            department=world.department,
            deadline=timezone.localdate() + datetime.timedelta(days=60),
            by=staff,
        )
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        actions.receive_task(task, secretary)
        actions.report_done(task, secretary, reason="已整改")
        actions.close_task(task, staff)
    assert callbacks, "the closure's callback waits for the commit"
    thing.refresh_from_db()
    assert thing.handled


def test_the_wall_chart_has_a_column_for_every_registered_source(world: World) -> None:
    year = current_year()
    thing = _thing(world)
    actions.create_task_from(
        thing,
        title="整改调研中发现的问题",
        lead_unit=world.units[0],
        department=world.department,
        deadline=datetime.date(year, 12, 20),
        assigned_at=datetime.date(year, 1, 5),
        by=world.users["staff"],
    )
    chart = build_chart(world.users["leader"], year, "source", datetime.date(year, 3, 1))
    columns = {key: (label, cell.count) for key, label, cell in chart.columns}
    assert columns["sample_thing"] == ("Sample things", 1)
    assert columns[sources.MANUAL][1] == Task.objects.filter(source_kind="manual").count()
    assert [s.code for s in sources.sources()][0] == sources.MANUAL


def test_send_reminders_runs_the_areas_reminder_kind(world: World) -> None:
    assert registry.get("sample_area.unhandled") is not None
    thing = _thing(world, 0, title="尚未办理")
    _thing(world, 2, title="另一单位的").delete()
    call_command("send_reminders", date="2030-03-02", verbosity=0)
    call_command("send_reminders", date="2030-03-03", verbosity=0)
    sent = Notification.objects.filter(key__startswith="sample_area.unhandled:")
    assert [(n.recipient.username, n.key, n.title) for n in sent] == [
        (
            world.users["unit0_secretary"].username,
            f"sample_area.unhandled:{thing.pk}",
            "Unhandled: 尚未办理",
        )
    ]


def test_load_demo_runs_the_areas_loader_after_the_registry() -> None:
    order = [loader.code for loader in demo.ordered()]
    assert order[0] == "org"
    assert order.index("sample_area") > order.index("org")
    assert order.index("tracking") > order.index("org")
    call_command("load_demo", verbosity=0)
    committee = Committee.objects.get()
    first = Unit.objects.filter(committee=committee).order_by("sort_order").first()
    assert first is not None
    assert list(Thing.objects.values_list("unit_id", "title")) == [
        (first.pk, "Sample demonstration thing")
    ]
    call_command("load_demo", verbosity=0)
    assert Thing.objects.count() == 1


def test_the_menu_shows_the_areas_entry_to_whom_it_says(world: World) -> None:
    def labels(username: str) -> list[str]:
        blocks = menu_for(world.users[username], "/")
        return [link.label for block in blocks for link in block.links]

    assert "Sample things" in labels("leader")
    assert "Sample things" in labels("unit0_staff")
    assert "Sample things" not in labels("sysadmin")
    client = Client()
    client.force_login(world.users["leader"])
    page = client.get(reverse("home")).content.decode()
    assert "Sample area" in page and "Sample things" in page


def test_the_areas_pages_are_mounted_from_its_config(world: World) -> None:
    """``url_prefix`` on the area's config mounts its ``urls`` (root urls name no area)."""
    assert reverse("sample_area:things") == "/sample-area/things/"
    client = Client()
    client.force_login(world.users["leader"])
    response = client.get("/sample-area/things/")
    assert response.status_code == 200
    assert response.content.decode() == "things of leader"


def test_a_demo_loader_that_needs_a_missing_one_is_refused() -> None:
    broken = demo.DemoLoader("broken", lambda run: None, after=("nowhere",))
    with demo.DEMO_LOADERS.adding(broken), pytest.raises(demo.DemoOrderError, match="nowhere"):
        demo.ordered()
    a = demo.DemoLoader("a", lambda run: None, after=("b",))
    b = demo.DemoLoader("b", lambda run: None, after=("a",))
    with demo.DEMO_LOADERS.adding(a, b), pytest.raises(demo.DemoOrderError, match="each other"):
        demo.ordered()
    assert "broken" not in demo.DEMO_LOADERS
