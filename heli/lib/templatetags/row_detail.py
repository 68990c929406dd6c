"""The row detail of a table that hides columns on narrow screens.

At 320 px (or 200% zoom) a table drops its less important columns; the row detail keeps
what they hold within reach, in the row's first cell, as a native ``<details>`` that the
keyboard opens and screen readers announce::

    {% load row_detail %}
    <td><a href="…">{{ task.title }}</a>
      {% rowdetail name=task.title %}
        {% rowitem "lg" _("Cooperating units") %}{{ cooperating }}{% endrowitem %}
        {% rowitem "md" _("Supervising department") %}{{ task.department.name }}{% endrowitem %}
      {% endrowdetail %}</td>
    …
    <td class="d-none d-lg-table-cell">{{ cooperating }}</td>

Each ``rowitem`` names the breakpoint from which its column is shown (the ``X`` of the
cell's ``d-none d-X-table-cell``) and its heading. An item is listed only below that
breakpoint, and the whole detail only below the widest of them, so at every width it
holds exactly the columns that are hidden.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.template.loader_tags import token_kwargs  # type: ignore[attr-defined]
from django.utils.safestring import mark_safe

register = template.Library()

BREAKPOINTS = ("sm", "md", "lg", "xl", "xxl")
_ITEMS = "_heli_row_detail_items"


class RowItemNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, breakpoint: str, label: FilterExpression, nodelist: NodeList) -> None:
        self.breakpoint = breakpoint
        self.label = label
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        items = context.get(_ITEMS)
        if items is None:
            raise template.TemplateSyntaxError("{% rowitem %} belongs inside {% rowdetail %}")
        items.append(
            {
                "breakpoint": self.breakpoint,
                # ``_("…")`` doubles percent signs for the catalogue; {% translate %}
                # restores them, and so does this.
                "label": str(self.label.resolve(context)).replace("%%", "%"),
                "value": mark_safe(self.nodelist.render(context).strip()),  # noqa: S308 (rendered)
            }
        )
        return ""


class RowDetailNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList, name: FilterExpression | None, breakpoint: str) -> None:
        self.nodelist = nodelist
        self.name = name
        self.breakpoint = breakpoint

    def render(self, context: Context) -> str:
        items: list[dict[str, Any]] = []
        with context.push({_ITEMS: items}):
            self.nodelist.render(context)
        if not items:
            return ""
        return render_to_string(
            "lib/row_detail.html",
            {
                "items": items,
                "name": self.name.resolve(context) if self.name is not None else "",
                "breakpoint": self.breakpoint,
            },
        )


def _breakpoint(bit: str, tag: str) -> str:
    value = bit.strip("\"'")
    if value not in BREAKPOINTS or bit[0] not in "\"'":
        raise template.TemplateSyntaxError(
            f"{{% {tag} %}} takes a quoted breakpoint, one of {', '.join(BREAKPOINTS)}"
        )
    return value


@register.tag("rowitem")
def rowitem(parser: Parser, token: Token) -> RowItemNode:
    """``{% rowitem "md" _("Heading") %}value{% endrowitem %}``: one hidden column."""
    bits = token.split_contents()
    if len(bits) != 3:
        raise template.TemplateSyntaxError('{% rowitem "md" _("Heading") %} takes two arguments')
    breakpoint = _breakpoint(bits[1], "rowitem")
    label = parser.compile_filter(bits[2])
    nodelist = parser.parse(("endrowitem",))
    parser.delete_first_token()
    return RowItemNode(breakpoint, label, nodelist)


@register.tag("rowdetail")
def rowdetail(parser: Parser, token: Token) -> RowDetailNode:
    """``{% rowdetail name=row_title %}…rowitems…{% endrowdetail %}``."""
    bits = token.split_contents()[1:]
    kwargs = token_kwargs(bits, parser)
    if bits or set(kwargs) - {"name"}:
        raise template.TemplateSyntaxError("{% rowdetail %} takes only name=…")
    nodelist = parser.parse(("endrowdetail",))
    parser.delete_first_token()
    found = [
        n.breakpoint for n in nodelist.get_nodes_by_type(RowItemNode) if isinstance(n, RowItemNode)
    ]
    if not found:
        raise template.TemplateSyntaxError("{% rowdetail %} needs at least one {% rowitem %}")
    widest = max(found, key=BREAKPOINTS.index)
    return RowDetailNode(nodelist, kwargs.get("name"), widest)
