"""The coverage reminder: units not yet contacted as the year's end approaches, to the
group's liaison leader and the Organization Department's staff, once a unit a year."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.management import call_command

from heli.accounts.models import Role
from heli.liaison import coverage_reminders
from heli.liaison.coverage import settings_for
from heli.liaison.tests.test_coverage import add_contact
from heli.notifications import registry
from heli.notifications.models import Notification
from heli.notifications.tests.fakeserver import use_test_delivery
from heli.testing import World, grant, make_user

# The tests' dates sit in one work year: they run on heli.testing.FROZEN_TODAY (mid-2026).
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

D = datetime.date
KIND = coverage_reminders.KIND


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    use_test_delivery(settings)


def _run(day: datetime.date) -> None:
    kind = registry.get(KIND)
    assert kind is not None
    with registry.only(kind):
        call_command("send_reminders", "--date", day.isoformat(), verbosity=0)


def _received(world: World) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for n in Notification.objects.filter(committee=world.committee, kind=KIND).select_related(
        "recipient"
    ):
        found.setdefault(n.recipient.username, set()).add(n.title)
    return found


def test_registered_through_the_board_ui() -> None:
    assert registry.get(KIND) is not None


def test_nothing_before_the_warning_window(world: World) -> None:
    _run(D(2026, 11, 1))  # 60 days left: not fewer than 60
    assert not Notification.objects.filter(kind=KIND).exists()


def test_uncovered_units_go_to_the_liaison_leader_and_the_ledger_keepers(world: World) -> None:
    u = world.units
    add_contact(world.committee, [u[0], u[3]], D(2026, 3, 2), by=world.user("staff"))
    # Another of the Organization Department's staff, and one who left.
    second = make_user(world.committee, "office2")
    grant(second, Role.COMMITTEE_STAFF, department=world.office)
    gone = make_user(world.committee, "office_gone", is_active=False)
    grant(gone, Role.COMMITTEE_STAFF, department=world.office)
    _run(D(2026, 12, 2))
    received = _received(world)
    unit1 = "2026年尚未沟通联系：测试单位1"
    unit2 = "2026年尚未沟通联系：测试单位2"
    # Group 1's liaison leader hears of group 1's unit; group 2 has no liaison leader.
    assert received == {
        "leader": {unit1},
        "office": {unit1, unit2},
        "office2": {unit1, unit2},
    }
    # Not the propaganda department's staff, nor the units themselves.
    note = Notification.objects.get(recipient=world.user("office"), title=unit2)
    assert "测试单位2（第二组）2026年尚未沟通联系，距2026年12月31日还有 29 天" in note.body
    assert note.url.startswith("/liaison/coverage/?year=2026&group=")


def test_each_unit_once_per_person_per_year(world: World) -> None:
    _run(D(2026, 12, 2))
    first = Notification.objects.filter(kind=KIND).count()
    assert first == 4 + 2  # four units to the office, two of group 1 to its leader
    _run(D(2026, 12, 3))
    _run(D(2026, 12, 20))
    assert Notification.objects.filter(kind=KIND).count() == first


def test_a_unit_contacted_meanwhile_drops_out_and_the_window_follows_the_setting(
    world: World,
) -> None:
    found = settings_for(world.committee)
    found.warn_days = 20
    found.save(update_fields=["warn_days"])
    _run(D(2026, 12, 2))  # 29 days left: not yet
    assert not Notification.objects.filter(kind=KIND).exists()
    add_contact(world.committee, world.units[:3], D(2026, 12, 5), by=world.user("staff"))
    _run(D(2026, 12, 12))  # 19 days left
    assert {n.title for n in Notification.objects.filter(kind=KIND)} == {
        "2026年尚未沟通联系：测试单位3"
    }
