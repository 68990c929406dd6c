"""Template helpers of the shared pages: the actions and the panels other areas offer on
a record's page."""

from __future__ import annotations

from typing import Any

from django import template

from heli.lib.ui import ShownAction, ShownPanel, record_actions, record_panels

register = template.Library()


@register.simple_tag(takes_context=True)
def actions_on(context: Any, record: Any) -> list[ShownAction]:
    """``{% actions_on unit as actions %}``: the buttons other areas offer on this record."""
    return record_actions(context["user"], record)


@register.simple_tag(takes_context=True)
def panels_on(context: Any, record: Any) -> list[ShownPanel]:
    """``{% panels_on unit as panels %}``: the panels other areas add to this record's page."""
    return record_panels(context["request"], record)


@register.inclusion_tag("lib/record_panels.html", takes_context=True, name="record_panels")
def show_record_panels(context: Any, record: Any) -> dict[str, Any]:
    """``{% record_panels unit %}``: each panel other areas add to this record's page,
    as a card under its title."""
    return {
        "panels": record_panels(context["request"], record),
        "request": context["request"],
        "user": context["user"],
    }
