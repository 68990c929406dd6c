"""Audit rows as an Excel workbook or a CSV file that Excel opens in Chinese."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from heli.audit import events
from heli.audit.forms import object_types
from heli.audit.models import AuditEvent

FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
    """Text that a spreadsheet shows as text: never a formula, no control characters."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _xlsx(events_qs: QuerySet[AuditEvent]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(_("Audit log"))  # type: ignore[assignment]
    sheet.append(headers())
    for values in rows(events_qs):
        cells = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
                cell.data_type = "s"  # never a formula, whatever the text starts with
            else:
                cell = WriteOnlyCell(sheet, value=value)
                if hasattr(value, "hour"):
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def response(fmt: str, events_qs: QuerySet[AuditEvent], filename: str) -> HttpResponseBase:
    disposition = content_disposition_header(as_attachment=True, filename=filename)
    http: HttpResponseBase
    if fmt == "xlsx":
        http = HttpResponse(_xlsx(events_qs), content_type=CONTENT_TYPES["xlsx"])
    else:
        http = StreamingHttpResponse(_csv(events_qs), content_type=CONTENT_TYPES["csv"])
    http["Content-Disposition"] = disposition or "attachment"
    return http
