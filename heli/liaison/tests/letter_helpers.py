"""Sending a letter in tests."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from heli.liaison import letters
from heli.liaison.models import Letter
from heli.testing import World


def send(world: World, *, units: Any = None, by: str = "staff", **fields: Any) -> Letter:
    values: dict[str, Any] = {
        "units": units if units is not None else [world.units[0], world.units[2]],
        "title": "关于征求2027年机关党建工作要点意见的函",
        "body": "请结合本单位实际提出意见。\n请于月底前反馈。",
        "subjects": ["views"],
        "date": timezone.localdate(),
        "answer_by": timezone.localdate() + datetime.timedelta(days=14),
        "by": world.user(by),
    }
    values.update(fields)
    return letters.send_letter(world.committee, **values)
