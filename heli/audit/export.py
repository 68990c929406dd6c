"""Exports: the audit row every download leaves, and the audit log itself as a file.

:func:`audited_download` is how an area hands out a file it exported (导出留痕): the
audit row saying who took what, with which filters, then the download. The audit log
itself is exported as an Excel workbook laid out to be filed (its title, when, by whom and
with which filters it was made, a frozen header, print settings; :mod:`heli.lib.xlsx`) or
as a CSV file of the bare rows that Excel opens in Chinese.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _

from heli.audit import events
from heli.audit.actions import record
from heli.audit.forms import object_types
from heli.audit.models import AuditEvent
from heli.lib import downloads, xlsx


def audited_download(
    request: HttpRequest,
    content: bytes,
    *,
    name: str,
    extension: str,
    content_type: str,
    object_type: str,
    object_repr: str,
    detail: dict[str, Any],
) -> HttpResponse:
    """Record the export (``detail`` says its format, rows and filters), then download it.

    The file is named ``name`` with the time it was made.
    """
    record(
        events.EXPORT,
        request=request,
        object_type=object_type,
        object_repr=object_repr,
        detail=detail,
    )
    filename = downloads.stamped_name(name, extension)
    return downloads.attachment(content, filename, content_type)


FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": xlsx.CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000


def headers() -> list[str]:
    return [
        _("No."),
        _("Time"),
        _("User"),
        _("Source address"),
        _("Event"),
        _("Result"),
        _("Object type"),
        _("Object ID"),
        _("Object"),
        _("Detail"),
    ]


def rows(events_qs: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    kinds = dict(object_types())
    results = dict(AuditEvent.Result.choices)
    for event in events_qs.iterator(chunk_size=CHUNK):
        yield [
            event.pk,
            timezone.localtime(event.created_at).replace(tzinfo=None),
            event.username,
            event.source_ip or "",
            events.label(event.event),
            str(results.get(event.result, event.result)),
            kinds.get(event.object_type, event.object_type),
            event.object_id,
            event.object_repr,
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True) if event.detail else "",
        ]


def _safe_text(value: str) -> str:
    """CSV text that a spreadsheet shows as text: never a formula, no control characters."""
    value = xlsx.safe_text(value)
    return "'" + value if value.startswith(FORMULA_START) else value


# Each column's width (for A4 landscape) and whether its text wraps, as headers() orders them.
WIDTHS = (
    (8, False),
    (19, False),
    (12, False),
    (15, False),
    (16, True),
    (8, False),
    (16, True),
    (9, False),
    (24, True),
    (40, True),
)


def columns() -> list[xlsx.Column]:
    return [
        xlsx.Column(header, width, wrap)
        for header, (width, wrap) in zip(headers(), WIDTHS, strict=True)
    ]


def _xlsx(events_qs: QuerySet[AuditEvent], filters: list[tuple[str, str]], made_by: str) -> bytes:
    book = xlsx.FiledBook()
    sheet = book.sheet(
        _("Audit log"), title=_("Audit log"), columns=columns(), filters=filters, made_by=made_by
    )
    for values in rows(events_qs):
        sheet.append(values)
    return book.bytes()


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(events_qs: QuerySet[AuditEvent]) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # the byte order mark tells Excel the file is UTF-8
    yield writer.writerow(headers())
    for values in rows(events_qs):
        yield writer.writerow(
            [
                _safe_text(v)
                if isinstance(v, str)
                else v.strftime("%Y-%m-%d %H:%M:%S")
                if hasattr(v, "hour")
                else v
                for v in values
            ]
        )


def response(
    fmt: str,
    events_qs: QuerySet[AuditEvent],
    name: str,
    *,
    form: forms.Form | None = None,
    made_by: Any = "",
) -> HttpResponseBase:
    """The rows as a download named ``name`` with the time it was made; the workbook says
    the search ``form``'s filters and who (``made_by``) made it."""
    filename = downloads.stamped_name(name, fmt)
    if fmt == "xlsx":
        filters = xlsx.form_filters(form) if form is not None else []
        content = _xlsx(events_qs, filters, str(made_by or ""))
        return downloads.attachment(content, filename, CONTENT_TYPES["xlsx"])
    return downloads.streaming_attachment(_csv(events_qs), filename, CONTENT_TYPES["csv"])
