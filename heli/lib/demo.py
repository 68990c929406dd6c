"""The demonstration data's loaders, one per area, run in a declared order.

``manage.py load_demo`` runs every registered :class:`DemoLoader` in one transaction:
the organisation registry first (it makes the committee), then each area after the
loaders it names in ``after``. A loader reads and writes through the shared
:class:`DemoRun` — the committee, what it created and updated (under the keys it labels in
``labels``), and a line of progress to say. Loading again must change nothing: each
loader finds its rows by their natural keys before it creates any.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from heli.lib.registry import Registry


@dataclass
class DemoRun:
    """What the loaders of one ``load_demo`` run share."""

    say: Callable[[str], None] = field(default=lambda message: None)
    committee: Any = None  # set by the registry's loader, which runs first
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    # What a loader leaves for the loaders after it, and for the command's summary.
    results: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoLoader:
    """An area's demonstration data: ``load(run)`` after the loaders named in ``after``."""

    code: str
    load: Callable[[DemoRun], None] = field(compare=False)
    after: tuple[str, ...] = ()
    # Chinese names of the counters it fills, in the order the summary shows them.
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)


DEMO_LOADERS: Registry[DemoLoader] = Registry("demo loader")


class DemoOrderError(Exception):
    """A loader names one that is not registered, or the loaders wait for each other."""


def ordered() -> list[DemoLoader]:
    """Every loader after those it names, ties by code; refuses a missing name or a circle."""
    loaders = {loader.code: loader for loader in DEMO_LOADERS.all()}
    for loader in loaders.values():
        missing = [code for code in loader.after if code not in loaders]
        if missing:
            raise DemoOrderError(f"demo loader {loader.code!r} needs {', '.join(missing)}")
    done: list[DemoLoader] = []
    placed: set[str] = set()
    while len(done) < len(loaders):
        ready = sorted(
            code
            for code, loader in loaders.items()
            if code not in placed and all(a in placed for a in loader.after)
        )
        if not ready:
            waiting = sorted(set(loaders) - placed)
            raise DemoOrderError(f"demo loaders wait for each other: {', '.join(waiting)}")
        done.append(loaders[ready[0]])
        placed.add(ready[0])
    return done


def labels() -> dict[str, str]:
    """The counters of every loader, in run order, for the summary."""
    found: dict[str, str] = {}
    for loader in ordered():
        found.update(loader.labels)
    return found


def run_all(run: DemoRun) -> DemoRun:
    """Run every loader in order (the caller holds the transaction)."""
    for loader in ordered():
        loader.load(run)
    return run
