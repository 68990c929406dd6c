"""Load the demonstration committee (示例数据) and list its demonstration logins.

``load_demo()`` builds the committee of ``heli.org.demo_data``: its departments,
8 leaders, 122 active units (plus a few merged or abolished ones), every unit's
organ party organisation with a secretary and a party-affairs worker, 8 groups
and their group years for the current year and the two before it, with lead
units from the rotation, confirmed.

It is idempotent: every row is found by its natural key (committee code,
department, unit and group name or number, username, group and year) and only
created when missing or saved when it differs; a second run writes nothing.
Passwords of existing accounts are never touched.

Every generated account (about 250) gets the same demonstration password,
hashed once and the hash shared: hashing per user would take minutes. This is
for demonstration only; never load it into a production database.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction

from heli.lib import demo
from heli.org.demo_loader import DemoConflict, load_registry
from heli.org.demo_people import DEMO_LOGINS, DEMO_PASSWORD, ROLE_NAMES, DemoLogin
from heli.org.models import Committee

__all__ = [
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "ROLE_NAMES",
    "DemoConflict",
    "DemoLogin",
    "DemoResult",
    "load_demo",
    "register",
]

# What the loader counts, in the order it reports them.
LABELS: dict[str, str] = {
    "committee": "工委",
    "department": "处室",
    "unit": "单位",
    "user": "用户",
    "role": "角色授权",
    "organ_party_org": "机关党组织",
    "group": "组",
    "group_year": "组年度",
    "membership": "组成员",
}


class _Writer(Protocol):
    def write(self, msg: str, /) -> Any: ...


@dataclass
class DemoResult:
    committee: Committee
    year: int  # the current work year
    years: list[int]  # the work years that have groups, oldest first
    logins: tuple[DemoLogin, ...]
    password: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    confirmed: int = 0  # group years whose lead units were proposed and confirmed

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or self.confirmed)

    def summary(self) -> list[str]:
        """What the load created and updated, in Chinese; one line each."""
        lines = []
        labels = {**LABELS, **demo.labels()}
        for counter, verb in ((self.created, "新建"), (self.updated, "更新")):
            parts = [f"{label} {counter[key]}" for key, label in labels.items() if counter[key]]
            if parts:
                lines.append(f"{verb}：" + "，".join(parts))
        if self.confirmed:
            lines.append(f"按轮值确认牵头单位：{self.confirmed} 个组年度")
        return lines or ["没有需要新建或更新的记录。"]


def register() -> None:
    demo.DEMO_LOADERS.register(demo.DemoLoader("org", load_registry, labels=LABELS))


def load_demo(stdout: _Writer | None = None) -> DemoResult:
    """Load (or complete) the demonstration committee and every area's data, in one
    transaction: the registry first, then each registered loader in its order.

    Writes progress lines to ``stdout`` if given. Raises ``DemoConflict`` (and
    changes nothing) if a demonstration username belongs to another committee.
    """

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message + "\n")

    run = demo.DemoRun(say=say)
    with transaction.atomic():
        demo.run_all(run)
    org = run.results["org"]
    result = DemoResult(
        run.committee,
        org["year"],
        org["years"],
        DEMO_LOGINS,
        DEMO_PASSWORD,
        run.created,
        run.updated,
        org["confirmed"],
    )
    for line in result.summary():
        say(line)
    return result
