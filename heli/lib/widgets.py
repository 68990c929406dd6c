"""Form widgets of Heli's own.

:class:`QuickSelect` is Django's ``Select`` drawn in Python: the stock widget renders a
template per option, and a committee's thousand units in a filter's drop-down cost more
than the rest of its page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


class QuickSelect(forms.Select):
    """A single-choice ``<select>`` with the same markup as Django's, without a template
    per option. Flat choices only (no option groups)."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final_attrs = {"name": name, **self.build_attrs(self.attrs, attrs)}
        chosen = {str(v) for v in self.format_value(value)}
        parts: list[str] = [format_html("<select{}>", flatatt(final_attrs))]
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                raise TypeError("QuickSelect draws flat choices only")
            v = "" if option_value is None else str(option_value)
            selected = " selected" if v in chosen else ""
            parts.append(
                f'<option value="{conditional_escape(v)}"{selected}>'
                f"{conditional_escape(str(label))}</option>"
            )
        parts.append("</select>")
        # Every value and label above is escaped.
        return mark_safe("\n".join(parts))  # noqa: S308
