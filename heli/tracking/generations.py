"""The committee's *generation* of what the battle map shows, for what is cached of it.

What is drawn or counted from a committee's tasks (the wall chart's table, the counts of
each status) is kept in the cache under the committee's generation, which every write of
a task, a task step, a unit, a group or a membership replaces, at once and again when the
transaction commits (:func:`heli.tracking.chart.connect`) — so no reader keeps what it
read of the old rows under the new generation. A bulk insert sends no signal: call
:func:`forget` after it. Entries also expire (:data:`CACHE_SECONDS`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache

from heli.accounts.models import ADMIN_ROLES
from heli.accounts.policy import scope_of
from heli.tracking.access import TASK_READERS

CACHE_SECONDS = 600


def _key(committee_id: int | None) -> str:
    return f"tracking:wallchart:generation:{committee_id or 0}"


def forget(committee_id: int | None) -> None:
    """Drop what is cached of the committee's tasks: the next reader reads them again."""
    cache.set(_key(committee_id), uuid.uuid4().hex, None)


def generation(committee_id: int | None) -> str:
    key = _key(committee_id)
    found = cache.get(key)
    if found is None:
        # A cache that lost the generation (restarted, evicted) starts a new one.
        cache.add(key, uuid.uuid4().hex, None)
        found = cache.get(key)
    return str(found)


def readers_rows(user: Any) -> str:
    """Whose tasks ``user`` sees, as part of a cache key: none (an administrator), all
    of the committee's, or those of their units."""
    s = scope_of(user)
    if s.roles & ADMIN_ROLES:
        return "none"
    if s.roles & TASK_READERS:
        return "all"
    return ",".join(map(str, sorted(s.unit_ids)))
