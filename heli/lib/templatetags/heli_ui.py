"""Template helpers of the shared pages: the actions other areas offer on a record."""

from __future__ import annotations

from typing import Any

from django import template

from heli.lib.ui import ShownAction, record_actions

register = template.Library()


@register.simple_tag(takes_context=True)
def actions_on(context: Any, record: Any) -> list[ShownAction]:
    """``{% actions_on unit as actions %}``: the buttons other areas offer on this record."""
    return record_actions(context["user"], record)
