"""Shared by the contact tests: a contact's form data and a recorded contact."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from heli.liaison import contacts
from heli.liaison.contacts import Person
from heli.liaison.models import Contact, Form, Subject
from heli.testing import World


def contact_date() -> datetime.date:
    return timezone.localdate()


def post_data(world: World, **overrides: Any) -> dict[str, Any]:
    """What the form sends for a symposium with three units."""
    today = contact_date()
    data: dict[str, Any] = {
        "submission": overrides.pop("submission", f"tok-{id(overrides)}"),
        "year": str(today.year),
        "form": Form.SYMPOSIUM,
        "date": today.isoformat(),
        "title": "机关党建工作座谈会",
        "subjects": [Subject.DECISIONS, Subject.PROBLEMS],
        "units": [str(u.pk) for u in world.units[:3]],
        "committee_people": [str(world.user("staff").pk)],
        "committee_typed": "张三，组织部副部长",
        f"unit_{world.units[0].pk}_people": [str(world.user("unit0_secretary").pk)],
        f"unit_{world.units[0].pk}_typed": "李四，办公室主任",
        "summary": "座谈了落实机关党建工作要点的情况。",
    }
    data.update(overrides)
    return data


def make_contact(world: World, units: Any = None, **overrides: Any) -> Contact:
    today = contact_date()
    units = list(units if units is not None else world.units[:1])
    data: dict[str, Any] = {
        "year": today.year,
        "form": Form.VISIT,
        "subjects": [Subject.DUTIES],
        "date": today,
        "title": "走访测试单位",
        "summary": "",
        "units": units,
        "people": [Person("unit", "王五", "机关党委书记", units[0])],
        **overrides,
    }
    return contacts.record_contact(world.committee, data, world.user("staff"))
