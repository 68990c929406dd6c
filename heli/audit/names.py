"""How the auditor's screen names what audit rows store.

Rows keep codes, so that they never change meaning: the kind of record
(``tracking.task``) and a detail such as ``{"step": "receive", "status": [...]}``.
People read words, and the words come from the models themselves, through Django's app
registry, so this layer names no area above it:

* a kind of record is its model's verbose name ("督办事项"), told apart by its area's
  name when two areas use the same word;
* a detail key that is a field of the record, or of the rows that hang off it (a task's
  steps), reads as that field's verbose name, and a value among the field's choices as
  the choice's label: ``step: receive`` is "操作：签收";
* the ``step`` a row records (what someone did to the record) names the row itself:
  "记录已修改：签收".
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from heli.audit import events

# The detail key under which a row records the named step of a workflow it took.
STEP = "step"


@dataclass(frozen=True)
class Kind:
    """A kind of record Heli keeps: the code rows store, its name, and its area's name."""

    code: str
    name: str
    area: str


def kinds() -> list[Kind]:
    """Every kind of record of Heli's areas, by area in the order they are installed.

    Named in the language of the request: verbose names are translated on every call.
    """
    found = [
        Kind(model._meta.label_lower, str(model._meta.verbose_name), str(config.verbose_name))
        for config, model in _models()
    ]
    taken: dict[str, int] = {}
    for kind in found:
        taken[kind.name] = taken.get(kind.name, 0) + 1
    return [
        Kind(k.code, _("%(kind)s (%(area)s)") % {"kind": k.name, "area": k.area}, k.area)
        if taken[k.name] > 1
        else k
        for k in found
    ]


@functools.cache
def _models() -> tuple[tuple[Any, type[Model]], ...]:
    return tuple(
        (config, model)
        for config in apps.get_app_configs()
        if config.name.startswith("heli.")
        for model in config.get_models()
    )


def kind_names() -> dict[str, str]:
    """Code → name of every kind (``{"org.unit": "单位"}``)."""
    return {k.code: k.name for k in kinds()}


def kind_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The kinds for a select, grouped under their area's name, as their area defines them."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for kind in kinds():
        groups.setdefault(kind.area, []).append((kind.code, kind.name))
    return list(groups.items())


def _model(object_type: str) -> type[Model] | None:
    if object_type.count(".") != 1:
        return None
    try:
        return apps.get_model(object_type)
    except LookupError:
        return None


# Keys come from rows written by every area: few, but not a closed set.
@functools.lru_cache(maxsize=1024)
def _field(object_type: str, key: str) -> Field[Any, Any] | None:
    """The field ``key`` names: the record's own, else one of the rows that point to it."""
    model = _model(object_type)
    if model is None:
        return None
    for candidate in (model, *_children(model)):
        try:
            field = candidate._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if isinstance(field, Field):
            return field
    return None


def _children(model: type[Model]) -> Iterator[type[Model]]:
    """The models whose rows hang off ``model`` by a foreign key (a task's steps, reports)."""
    for rel in model._meta.related_objects:
        # Seen from ``model``, a foreign key pointing at it is a one-to-many relation.
        if rel.one_to_many and isinstance(rel.related_model, type):
            yield rel.related_model


def _choice(field: Field[Any, Any] | None, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if field is not None and field.choices and isinstance(value, str | int):
        for code, label in field.flatchoices:
            if code == value:
                return str(label)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _value(field: Field[Any, Any] | None, value: Any) -> str:
    """A detail value in words: a choice by its label, a change of a field (a pair of
    single values) as "before → after"."""
    if (
        field is not None
        and not field.many_to_many
        and isinstance(value, list)
        and len(value) == 2
        and not any(isinstance(v, list | dict) for v in value)
    ):
        return f"{_choice(field, value[0])} → {_choice(field, value[1])}"
    return _choice(field, value)


def key_name(object_type: str, key: str) -> str:
    field = _field(object_type, key)
    return str(field.verbose_name) if field is not None else key


def detail_items(object_type: str, detail: Any) -> list[tuple[str, str]]:
    """The detail of a row as (name, value) lines, named by the record's fields.

    A dict inside it (the ``changes`` of an edit: field → [before, after]) reads as one
    line per field.
    """
    if not isinstance(detail, dict):
        return [("", json.dumps(detail, ensure_ascii=False))]
    items = []
    # The step first: it says what happened; the rest in the order of their codes.
    for key, value in sorted(detail.items(), key=lambda kv: (kv[0] != STEP, kv[0])):
        if isinstance(value, dict) and value:
            lines = [
                _("%(name)s: %(value)s")
                % {"name": key_name(object_type, k), "value": _value(_field(object_type, k), v)}
                for k, v in sorted(value.items())
            ]
            items.append((key_name(object_type, key), "\n".join(lines)))
        else:
            items.append((key_name(object_type, key), _value(_field(object_type, key), value)))
    return items


def step_label(object_type: str, detail: Any) -> str:
    """What the row's step did, in words ("签收"), or "" for a row without a step."""
    if not isinstance(detail, dict) or not isinstance(detail.get(STEP), str):
        return ""
    field = _field(object_type, STEP)
    if field is None or not field.choices:
        return ""
    label = _choice(field, detail[STEP])
    return label if label != detail[STEP] else ""


def event_label(event: str, object_type: str, detail: Any) -> str:
    """The row's name for people: its event, and the step it took if it took one."""
    label = events.label(event)
    step = step_label(object_type, detail)
    if step:
        return _("%(event)s: %(step)s") % {"event": label, "step": step}
    return label
