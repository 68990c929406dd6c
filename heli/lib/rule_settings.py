"""Saving an area's settings page: the committee's rule for the area (a field of
``Committee``, e.g. meetings per group per year) together with the area's own settings row,
in one transaction, audited with what changed. The liaison and meeting settings pages both
save through :func:`save_rule_and_settings`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest

from heli.audit import events
from heli.audit.actions import record
from heli.org.models import Committee


def save_rule_and_settings(
    actor: Any,
    committee: Committee,
    values: dict[str, Any],
    *,
    model: type[Model],
    made: Callable[[Committee], Model],
    rule_field: str,
    fields: Sequence[str],
    current: Callable[[Committee, Any], dict[str, Any]],
    setting: str,
    request: HttpRequest | None = None,
) -> bool:
    """Save ``values`` (the rule ``rule_field`` of the committee and the ``fields`` of its
    ``model`` row, made by ``made`` if missing); audited as setting ``setting``. ``current``
    reads the values as they are. Whether anything changed."""
    with transaction.atomic():
        locked = Committee.objects.select_for_update().get(pk=committee.pk)
        made(locked)
        found = model._default_manager.select_for_update().get(committee=locked)
        before = current(locked, found)
        after = {name: values[name] for name in before}
        if after == before:
            return False
        if getattr(locked, rule_field) != after[rule_field]:
            setattr(locked, rule_field, after[rule_field])
            locked.save(update_fields=[rule_field, "updated_at"])
            setattr(committee, rule_field, after[rule_field])
        for name in fields:
            setattr(found, name, after[name])
        found.save(update_fields=[*fields, "updated_at"])
        changed = {
            k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
        }
        record(
            events.SETTINGS_CHANGED,
            request=request,
            user=actor,
            obj=found,
            committee=locked,
            detail={"setting": setting, "before": before, "after": after, "changed": changed},
        )
    return True
