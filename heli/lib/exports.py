"""The registry of exports: every Excel or Word document an area lets people download.

An area registers each export it offers (its code, a label, the URL name that makes it,
its formats and who may make it); pages that gather exports — a report centre, the
audit administrator's filters — list the registry instead of naming areas. The export
itself stays the area's view, built with :mod:`heli.lib.xlsx` and served through the
download helper so it is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from heli.lib.registry import Registry


@dataclass(frozen=True)
class ExportKind:
    """One kind of downloadable document: ``code`` like ``"tracking.task_list"``."""

    code: str
    label: str | Promise
    url_name: str
    formats: tuple[str, ...] = ("xlsx",)
    order: int = 100
    shown_to: Callable[[Any], bool] = field(default=lambda user: False, compare=False)
    # The URL takes the format as its ``fmt`` argument (``export.<fmt>``).
    format_in_url: bool = False

    def url(self, fmt: str = "") -> str:
        """The address that makes the export (in ``fmt``, for a URL that takes one)."""
        if self.format_in_url:
            return reverse(self.url_name, kwargs={"fmt": fmt or self.formats[0]})
        return reverse(self.url_name)


EXPORTS: Registry[ExportKind] = Registry("export")


def exports_for(user: Any) -> list[ExportKind]:
    """The exports this user may make, in order."""
    return [kind for kind in EXPORTS.all() if kind.shown_to(user)]
