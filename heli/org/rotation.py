"""Lead-unit rotation (牵头单位轮流担任), as a pure function.

Each group has two lead units a year, taken in turn by its members: every unit
of a group leads once before any unit leads twice. Among units that have led
equally often, the one whose last lead lies furthest back goes first (a unit
that never led before all others), then the group's own order. A manual
override is made afterwards and recorded by the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def lead_counts(members: Sequence[K], history: Sequence[Collection[K]]) -> dict[K, int]:
    """How many times each current member has led, over ``history``."""
    counts = {m: 0 for m in members}
    for leads in history:
        for unit in leads:
            if unit in counts:
                counts[unit] += 1
    return counts


def next_leads(members: Sequence[K], history: Sequence[Collection[K]], count: int = 2) -> list[K]:
    """The lead units for the coming year.

    ``members`` are this year's member units in the group's order; ``history``
    holds the lead units of past years, oldest first. Units in the history that
    are no longer members are ignored. Returns ``min(count, len(members))``
    distinct members, in the group's order.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if len(set(members)) != len(members):
        raise ValueError("members must be distinct")
    counts = lead_counts(members, history)
    last_led = {m: -1 for m in members}
    for year_index, leads in enumerate(history):
        for unit in leads:
            if unit in last_led:
                last_led[unit] = year_index
    position = {m: i for i, m in enumerate(members)}
    ranked = sorted(members, key=lambda m: (counts[m], last_led[m], position[m]))
    chosen = set(ranked[:count])
    return [m for m in members if m in chosen]
