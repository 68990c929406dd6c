"""Form widgets of Heli's own.

:class:`QuickSelect` is Django's ``Select`` drawn in Python: the stock widget renders a
template per option, and a committee's thousand units in a filter's drop-down cost more
than the rest of its page. Given a ``search_url`` it also draws a box to find an option
by typing, so that the form need only give the options that matter (the chosen one, and
those matching what was typed) rather than a thousand of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


def options_html(
    choices: Iterable[tuple[Any, Any]], chosen: Iterable[str] = (), more: str = ""
) -> SafeString:
    """The ``<option>`` of each choice (flat choices only), those in ``chosen`` selected;
    ``more``, if given, as a last option that cannot be chosen (what to do to see more)."""
    chosen = set(chosen)
    parts: list[str] = []
    for option_value, label in choices:
        if isinstance(label, list | tuple):
            raise TypeError("QuickSelect draws flat choices only")
        v = "" if option_value is None else str(option_value)
        selected = " selected" if v in chosen else ""
        parts.append(
            f'<option value="{conditional_escape(v)}"{selected}>'
            f"{conditional_escape(str(label))}</option>"
        )
    if more:
        parts.append(f'<option value="" disabled>{conditional_escape(more)}</option>')
    # Every value and label above is escaped.
    return mark_safe("\n".join(parts))  # noqa: S308


class QuickSelect(forms.Select):
    """A single-choice ``<select>`` with the same markup as Django's, without a template
    per option. Flat choices only (no option groups).

    With ``search_url``, a search box named ``search_name`` comes before the select: as
    one types, htmx asks ``search_url`` (with the box's text and the select's value) for
    the select's new options, which it answers with :func:`options_html`. Without
    script, the box is sent with the form, whose choices then hold what matches.
    ``search_value`` is the text the box shows again and ``more`` a last option saying
    that more options match; the form sets both when it knows them.
    """

    def __init__(
        self,
        attrs: dict[str, Any] | None = None,
        choices: Any = (),
        *,
        search_url: Any = None,
        search_name: str = "",
        search_label: Any = "",
        search_attrs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(attrs, choices)
        self.search_url = search_url
        self.search_name = search_name
        self.search_label = search_label
        self.search_attrs = search_attrs or {}
        self.search_value = ""
        self.more = ""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = {str(v) for v in self.format_value(value)}
        select = format_html(
            "<select{}>\n{}\n</select>",
            flatatt(final_attrs),
            options_html(self.choices, chosen, self.more),
        )
        if not self.search_url:
            return select
        select_id = final_attrs.get("id", "")
        search_attrs = {
            "type": "search",
            "name": self.search_name,
            "value": self.search_value,
            "id": f"{select_id}_search" if select_id else None,
            "aria-label": str(self.search_label) or None,
            "aria-controls": select_id or None,
            "autocomplete": "off",
            "hx-get": str(self.search_url),
            "hx-trigger": "input changed delay:300ms, search",
            "hx-target": f"#{select_id}" if select_id else None,
            "hx-swap": "innerHTML",
            "hx-include": f"#{select_id}" if select_id else None,
            "hx-sync": "this:replace",
            **self.search_attrs,
        }
        box = format_html(
            "<input{}>", flatatt({k: v for k, v in search_attrs.items() if v is not None})
        )
        return format_html("{}\n{}", box, select)
