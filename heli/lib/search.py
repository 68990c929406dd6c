"""The interface between the areas and search: what each area offers to be found.

An area registers a :class:`SearchSource` for each kind of record people search for
(tasks, contacts, meetings, posts). The search area indexes the documents it yields —
title and body for Chinese segmentation, a date, an address — and answers a query by
asking the policy which of the matching records the person may see
(``visible_ids(user, model, ids)``), so the index never decides who sees what.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from heli.lib.registry import Registry


@dataclass(frozen=True)
class SearchDocument:
    """What the index keeps of one record; ``model`` and ``pk`` name it for the policy."""

    model: str  # "tracking.task"
    pk: int
    committee_id: int
    title: str
    body: str = ""
    url: str = ""
    date: datetime.date | None = None


@dataclass(frozen=True)
class SearchSource:
    """A kind of record to be found: every document of a committee, or one record's."""

    code: str
    label: str | Promise
    model: str
    documents: Callable[[int], Iterable[SearchDocument]] = field(compare=False)
    document: Callable[[Any], SearchDocument] = field(compare=False)
    order: int = 100


SEARCH_SOURCES: Registry[SearchSource] = Registry("search source")


def source_for(model_label: str) -> SearchSource | None:
    return next((s for s in SEARCH_SOURCES.all() if s.model == model_label), None)
