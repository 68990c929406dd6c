"""The home page's coverage card counts two years' boards once, then reads its numbers
from the cache until something they count is written: a contact recorded, changed or
removed, a unit ended (an update the audit log records), the rule or the settings."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.liaison import board_ui, contacts, coverage
from heli.liaison.board_ui import card_counts
from heli.liaison.contacts import Person
from heli.liaison.models import ContactUnit, Form, Subject
from heli.liaison.settings_views import SETTING_FIELDS, update_settings
from heli.liaison.tests.test_coverage import add_contact
from heli.org import actions as org_actions
from heli.org.models import Unit
from heli.testing import World

D = datetime.date
TODAY = D(2026, 12, 2)
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.frozen_clock(
        datetime.datetime(2026, 12, 2, 10, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    ),
]


def _numbers(world: World) -> tuple[int, int, dict[str, int], int]:
    found = card_counts(world.committee, TODAY.year, TODAY)
    return found.covered, found.total, found.counts, found.last_missed


def _record(world: World, units: list[Unit]) -> Any:
    return contacts.record_contact(
        world.committee,
        {
            "year": 2026,
            "form": Form.VISIT,
            "subjects": [Subject.DUTIES],
            "date": D(2026, 11, 20),
            "title": "走访",
            "summary": "",
            "units": units,
            "people": [Person("unit", "王五", "机关党委书记", units[0])],
        },
        world.user("staff"),
    )


def test_the_numbers_are_read_from_the_cache_until_a_write(
    world: World, django_assert_num_queries: Any
) -> None:
    staff = world.user("staff")
    add_contact(world.committee, [world.units[0]], D(2026, 3, 2), by=staff)
    first = _numbers(world)
    assert first[:2] == (1, 4)
    with django_assert_num_queries(0):
        assert _numbers(world) == first

    # Recorded through the liaison area: one more unit covered.
    contact = _record(world, [world.units[1]])
    assert _numbers(world)[0] == 2

    # Its units changed (an update and rows in bulk, no save): the unit it reached now.
    data = {
        "year": 2026,
        "form": Form.VISIT,
        "subjects": [Subject.DUTIES],
        "date": D(2026, 11, 21),
        "title": "走访",
        "summary": "",
        "units": [world.units[2]],
        "people": [Person("unit", "王五", "机关党委书记", world.units[2])],
    }
    contacts.update_contact(contact, contact.version, data, staff)
    assert set(ContactUnit.objects.filter(contact=contact).values_list("unit", flat=True)) == {
        world.units[2].pk
    }
    covered, _total, counts, _missed = _numbers(world)
    assert covered == 2 and counts["met"] == 2

    # Removed: its unit is no longer covered.
    contact.delete()
    assert _numbers(world)[0] == 1


def test_a_unit_ended_through_the_registry_leaves_the_units_to_cover(world: World) -> None:
    assert _numbers(world)[1] == 4
    unit = world.units[3]
    unit.refresh_from_db()
    org_actions.end_unit(
        unit, unit.version, Unit.Status.ABOLISHED, D(2026, 11, 1), None, world.user("sysadmin")
    )
    covered, total, counts, _missed = _numbers(world)
    assert (covered, total, counts["ceased"]) == (0, 3, 1)


def test_the_rule_and_the_settings_move_the_numbers(world: World) -> None:
    staff = world.user("staff")
    add_contact(world.committee, [world.units[0]], D(2026, 3, 2), by=staff)
    assert _numbers(world)[0] == 1
    found = coverage.settings_for(world.committee)
    values = {"min_contacts_per_year": 2, **{n: getattr(found, n) for n in SETTING_FIELDS}}
    assert update_settings(staff, world.committee, values)
    assert _numbers(world)[0] == 0
    # Fewer days left than the warning: the units not yet met are at risk, not pending.
    values["warn_days"] = 10
    assert update_settings(staff, world.committee, values)
    assert _numbers(world)[2]["at_risk"] == 0
    values["warn_days"] = 60
    assert update_settings(staff, world.committee, values)
    assert _numbers(world)[2]["at_risk"] == 4


def test_each_committee_has_its_own_numbers(client: Client, world: World) -> None:
    add_contact(world.committee, world.units[:2], D(2026, 3, 2), by=world.user("staff"))
    client.force_login(world.user("leader"))
    assert client.get(reverse("home")).context["cards"]
    ours = _numbers(world)
    theirs = card_counts(world.other_committee, TODAY.year, timezone.localdate())
    assert (ours[0], ours[1]) == (2, 4)
    assert (theirs.covered, theirs.total) == (0, 1)


def test_bulk_inserts_are_forgotten_by_hand(world: World) -> None:
    contact = add_contact(world.committee, world.units[:1], D(2026, 3, 2), by=world.user("staff"))
    assert _numbers(world)[0] == 1
    # Rows inserted in bulk send no signal: whoever inserts them forgets the numbers.
    ContactUnit.objects.bulk_create(
        [ContactUnit(committee=world.committee, contact=contact, unit=world.units[1])]
    )
    assert _numbers(world)[0] == 1
    board_ui.forget(world.committee.pk)
    assert _numbers(world)[0] == 2
