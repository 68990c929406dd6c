"""Writing Excel workbooks whose cells are always safe to open.

Every export builds its rows from :func:`cell` (or hands plain values to :func:`append`):

* text is stored as text, never as a formula, whatever it starts with — a title such as
  ``=HYPERLINK(...)`` cannot run in the reader's spreadsheet;
* the control characters the file format cannot hold are dropped — a title pasted from
  another program may carry one, and the whole export would fail on it;
* aware times are written in local time, dates and times with a readable format.

Workbooks are write-only (streamed row by row), so a large export stays small in memory.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, cast

from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSION = "xlsx"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel refuses these in a sheet's name, and names longer than 31 characters.
SHEET_TITLE_RE = re.compile(r"[\\/*?:\[\]]")
SHEET_TITLE_MAX = 31


# What XML 1.0 cannot hold beyond openpyxl's control characters: lone surrogates and the
# noncharacters U+FFFE, U+FFFF (a cell with one makes a workbook no reader opens).
_NOT_XML_RE = re.compile("[\ud800-\udfff\ufffe\uffff]")


def safe_text(value: str) -> str:
    """``value`` without the characters a workbook cannot hold (tabs and newlines stay)."""
    return _NOT_XML_RE.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))


def new_workbook() -> Workbook:
    """An empty write-only workbook; add sheets with :func:`add_sheet`."""
    return Workbook(write_only=True)


def add_sheet(workbook: Workbook, title: str | Promise) -> WriteOnlyWorksheet:
    """A new sheet named ``title``, made acceptable to Excel."""
    name = SHEET_TITLE_RE.sub("_", safe_text(str(title)))[:SHEET_TITLE_MAX] or "Sheet"
    return cast(WriteOnlyWorksheet, workbook.create_sheet(name))


def _cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    # What openpyxl's WriteOnlyCell does; its stubs leave dates and decimals out.
    return Cell(sheet, row=1, column=1, value=value)


def cell(
    sheet: WriteOnlyWorksheet,
    value: Any,
    *,
    fill: PatternFill | None = None,
    font: Font | None = None,
    number_format: str | None = None,
) -> Cell:
    """A cell holding ``value`` safely (see the module's docstring), styled if asked."""
    fmt = number_format
    if value is None or isinstance(value, bool | int | float | Decimal):
        c = _cell(sheet, value)
    elif isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        c = _cell(sheet, value)
        fmt = fmt or DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        c = _cell(sheet, value)
        fmt = fmt or DATE_FORMAT
    else:
        c = _cell(sheet, safe_text(str(value)))
        c.data_type = "s"  # "=1+1" is text here, not a formula
    if fmt is not None:
        c.number_format = fmt
    if fill is not None:
        c.fill = fill
    if font is not None:
        c.font = font
    return c


def append(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    """Add a row; values that are not cells yet become safe cells."""
    sheet.append([v if isinstance(v, Cell) else cell(sheet, v) for v in values])


def set_column_widths(sheet: WriteOnlyWorksheet, widths: Mapping[str, float]) -> None:
    """Set the widths of columns by letter (in characters), before the first row is added."""
    dimensions = sheet.column_dimensions  # type: ignore[attr-defined]  # not in the stubs
    for letter, width in widths.items():
        dimensions[letter].width = width


def workbook_bytes(workbook: Workbook) -> bytes:
    """The finished workbook as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
