"""Where tasks come from: the registry of task sources (督办事项来源).

A task is assigned by the committee by hand, or it comes from a record of another area: a
liaison contact, a joint meeting's decision. Each area registers its source from its
``AppConfig.ready()`` and creates tasks through :func:`heli.tracking.actions.create_task_from`;
tracking itself knows none of them. A source says

* its ``code``, stored in ``Task.source_kind`` (at most 20 characters, ``[a-z0-9_]``),
* its ``label``, shown on the task's page, in the task list and as a wall-chart column,
* the ``model`` label of its records (``"liaison.contact"``), or ``""`` for none,
* how to ``describe`` a record and give its ``url`` (a snapshot kept on the task, so the
  link reads the same when the source changes),
* ``on_closed(task)``, run after the transaction that closed a task from it commits (the
  contact marks its matter handled, the decision marks itself carried out),
* ``may_create(user, record)``: who, besides the committee leaders and the supervising
  department's staff (who assign any task), may make tasks from this record — the area's
  own rule, for a record whose people decide what is to be done (a lead unit's secretary
  records the decisions of the meeting it hosts). Nobody else by default. The task is
  supervised by the department named all the same.

The wall chart's "by source" columns are the registered sources, in ``order``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from heli.lib.registry import Registry

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,19}$")
MANUAL = "manual"


def _no_description(record: Any) -> str:
    return str(record)


def _no_url(record: Any) -> str:
    get_url = getattr(record, "get_absolute_url", None)
    return str(get_url()) if callable(get_url) else ""


def _nothing(task: Any) -> None:
    return None


def _nobody(user: Any, record: Any) -> bool:
    return False


@dataclass(frozen=True)
class TaskSource:
    """A kind of record tasks are made from."""

    code: str
    label: str | Promise
    model: str = ""  # "app_label.modelname" of the source records; "" for manual tasks
    order: int = 100
    describe: Callable[[Any], str] = field(default=_no_description, compare=False)
    url: Callable[[Any], str] = field(default=_no_url, compare=False)
    # Called with the closed task (this module sits below the models, so typed loosely).
    on_closed: Callable[[Any], None] = field(default=_nothing, compare=False)
    # Called with the user and the source record: may this user make tasks from it even
    # without the right to assign the department's tasks (see the module's docstring).
    may_create: Callable[[Any, Any], bool] = field(default=_nobody, compare=False)

    def __post_init__(self) -> None:
        if not CODE_RE.match(self.code):
            raise ValueError(f"task source code {self.code!r} must match {CODE_RE.pattern}")


SOURCES: Registry[TaskSource] = Registry("task source")

register = SOURCES.register
get = SOURCES.get


def sources() -> list[TaskSource]:
    """Every registered source, in display order."""
    return SOURCES.all()


def label(code: str) -> str:
    """How a source code reads; a code nobody registers (an area removed) reads as itself."""
    source = SOURCES.get(code)
    return str(source.label) if source is not None else code


def for_model(model_label: str) -> TaskSource | None:
    """The source whose records are of this model, if one is registered."""
    return next((s for s in SOURCES.all() if s.model and s.model == model_label), None)


# Tasks the committee assigns by hand are tracking's own source.
register(TaskSource(code=MANUAL, label=_("Assigned by the committee"), order=0))
