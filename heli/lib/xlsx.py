"""Writing Excel workbooks whose cells are always safe to open.

Every export builds its rows from :func:`cell` (or hands plain values to :func:`append`):

* text is stored as text, never as a formula, whatever it starts with — a title such as
  ``=HYPERLINK(...)`` cannot run in the reader's spreadsheet;
* the control characters the file format cannot hold are dropped — a title pasted from
  another program may carry one, and the whole export would fail on it;
* aware times are written in local time, dates and times with a readable format.

Workbooks are write-only (streamed row by row), so a large export stays small in memory.

An export an office files is a :class:`FiledBook` of :class:`FiledSheet`: each sheet opens
with its title and a line saying when, by whom and with which filters it was made, then
a bordered table under a bold header row that stays in view when scrolling. Printed, it
runs landscape, fitted to the width of the paper, with the header row (and the first
column) on every page, the title at the top and "page n of m" at the bottom
(:func:`page_setup`, which the import templates use too).
"""

from __future__ import annotations

import copy
import datetime
import io
import math
import re
import unicodedata
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

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
    """``value`` without the characters a workbook cannot hold (tabs and newlines stay).

    Line ends become line feeds, Excel's line break in a cell: a carriage return would be
    written as ``_x000D_`` by openpyxl's lxml writer and show as such.
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n")
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
    border: Border | None = None,
    alignment: Alignment | None = None,
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
    if any(part is not None for part in (fmt, fill, font, border, alignment)):
        _apply_style(c, sheet, fmt, fill, font, border, alignment)
    return c


# Styling a cell makes openpyxl hash every part of the style to find it in the workbook,
# which costs more than the rest of an export: the style a combination of parts became is
# kept per workbook (by the parts' identities, which the cache keeps alive) and copied.
_Parts = tuple[PatternFill | None, Font | None, Border | None, Alignment | None]
_STYLES: weakref.WeakKeyDictionary[Workbook, dict[tuple[Any, ...], tuple[_Parts, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _apply_style(
    c: Cell,
    sheet: WriteOnlyWorksheet,
    fmt: str | None,
    fill: PatternFill | None,
    font: Font | None,
    border: Border | None,
    alignment: Alignment | None,
) -> None:
    parts: _Parts = (fill, font, border, alignment)
    key = (fmt, *map(id, parts))
    styles = _STYLES.setdefault(cast(Workbook, sheet.parent), {})
    found = styles.get(key)
    if found is not None:
        c._style = copy.copy(found[1])  # type: ignore[attr-defined]  # openpyxl's own way
        return
    if fmt is not None:
        c.number_format = fmt
    if fill is not None:
        c.fill = fill
    if font is not None:
        c.font = font
    if border is not None:
        c.border = border
    if alignment is not None:
        c.alignment = alignment
    styles[key] = (parts, copy.copy(c._style))  # type: ignore[attr-defined]


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


# --- Sheets laid out to be filed ---------------------------------------------------------

# openpyxl's codes of the paper sizes: a table is printed on A4, the wall chart on A3.
A4, A3 = 9, 8
TITLE_ROW, MADE_ROW, HEADER_ROW = 1, 2, 3
# Excel counts a column's width in characters of its default font; a Chinese character
# takes about two, and a line of text in a row about 15 points of height.
WIDE_CHARACTER = 2
LINE_HEIGHT = 15
# The width Excel gives a column nobody sized.
DEFAULT_WIDTH = 8.43
# Excel refuses a header or footer longer than 255 characters, codes included.
PAGE_HEADER_MAX = 100

_THIN = Side(style="thin", color="808080")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
HEADER_FILL = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
TITLE_SIZE = 16  # points, against the body's 11
TITLE_FONT = Font(bold=True, size=TITLE_SIZE)
BOLD = Font(bold=True)
MIDDLE = Alignment(vertical="center")
WRAPPED = Alignment(vertical="center", wrap_text=True)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)

AnySheet = Worksheet | WriteOnlyWorksheet


def text_width(text: str) -> int:
    """How many characters of a column's width ``text`` takes (Chinese ones count two)."""
    return sum(WIDE_CHARACTER if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """The lines ``text`` wraps onto in a column (or merged columns) ``width`` wide."""
    usable = max(width - 1, 1)  # the cell's margins
    return max(1, sum(math.ceil(text_width(part) / usable) or 1 for part in text.split("\n")))


def page_header_text(text: str) -> str:
    """``text`` as it can stand in a page header or footer (``&`` starts a code there)."""
    return safe_text(text)[:PAGE_HEADER_MAX].replace("&", "&&")


def page_setup(
    ws: AnySheet,
    *,
    title: str | Promise,
    landscape: bool = True,
    paper: int = A4,
    repeat_rows: str | None = None,
    repeat_columns: str | None = None,
    titled: bool = False,
) -> None:
    """Print ``ws`` fitted to the width of the ``paper``, running on over as many pages as
    it takes, ``title`` at the top of every page and "page n of m" at the bottom.

    ``repeat_rows`` ("3:3") and ``repeat_columns`` ("A:A") print on every page; a sheet
    ``titled`` in its first rows leaves the page title off its first page. Works on
    write-only sheets too, as long as it is called before the first row is added.
    """
    # A write-only sheet has these too (openpyxl sets them up alike); its stubs leave them out.
    sheet = cast(Worksheet, ws)
    setup = sheet.page_setup
    setup.orientation = "landscape" if landscape else "portrait"
    setup.paperSize = paper
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    sheet.page_margins = PageMargins(
        left=0.4, right=0.4, top=0.7, bottom=0.7, header=0.3, footer=0.3
    )
    sheet.print_options.horizontalCentered = True
    # A sheet that opens with its own title has no need of the small one on its first page.
    sheet.HeaderFooter.differentFirst = titled
    header, footer, first = sheet.oddHeader, sheet.oddFooter, sheet.firstFooter
    if header is not None and footer is not None and first is not None:  # on a new sheet
        header.center.text = page_header_text(str(title))
        footer.center.text = first.center.text = _("Page &P of &N")
    if repeat_rows:
        ws.print_title_rows = repeat_rows
    if repeat_columns:
        ws.print_title_cols = repeat_columns


def fit_row_heights(ws: Worksheet) -> None:
    """Give each row of a (not write-only) sheet the height of its longest wrapped text:
    neither Excel nor LibreOffice sizes rows to their text when opening a file."""
    widths = {letter: d.width for letter, d in ws.column_dimensions.items() if d.width}
    for number, row in enumerate(ws.iter_rows(), start=1):
        lines = 1
        for c in row:
            if isinstance(c.value, str) and c.alignment.wrap_text:
                width = widths.get(c.column_letter, DEFAULT_WIDTH)
                lines = max(lines, lines_needed(c.value, width))
        if lines > 1:
            ws.row_dimensions[number].height = LINE_HEIGHT * lines + 2


@dataclass(frozen=True)
class Styled:
    """A value for :meth:`FiledSheet.append` in a style of its own (a colour, bold)."""

    value: Any
    fill: PatternFill | None = None
    font: Font | None = None
    alignment: Alignment | None = None
    number_format: str | None = None


@dataclass(frozen=True)
class Column:
    """A column of a filed sheet: its heading, its width in characters, and whether its
    long texts wrap onto more lines (a title, a report) rather than run on."""

    header: str | Promise
    width: float
    wrap: bool = False


def filter_pairs_text(filters: Sequence[tuple[str, str]]) -> str:
    """The filters an export was made with, in words; "none" when it holds everything."""
    if not filters:
        return _("none (everything you may see)")
    return "；".join(_("%(label)s: %(value)s") % {"label": k, "value": v} for k, v in filters)


def made_line(
    filters: Sequence[tuple[str, str]],
    *,
    made_at: datetime.datetime | None = None,
    made_by: str = "",
) -> str:
    """The line under a filed sheet's title: when and by whom it was made, and its filters."""
    when = timezone.localtime(made_at or timezone.now()).strftime("%Y-%m-%d %H:%M")
    parts = [_("Made on %(time)s") % {"time": when}]
    if made_by:
        parts.append(_("Made by %(user)s") % {"user": made_by})
    parts.append(_("Filters: %(filters)s") % {"filters": filter_pairs_text(filters)})
    return "\u3000\u3000".join(parts)


class FiledSheet:
    """One sheet of a :class:`FiledBook`: title, the "made on" line, header, then rows."""

    def __init__(
        self,
        workbook: Workbook,
        name: str | Promise,
        *,
        title: str | Promise,
        columns: Sequence[Column],
        filters: Sequence[tuple[str, str]],
        made_by: str = "",
        made_at: datetime.datetime | None = None,
        paper: int = A4,
        frozen_columns: int = 0,
        repeat_first_column: bool = True,
    ) -> None:
        if not columns:
            raise ValueError("a filed sheet needs at least one column")
        self.columns = list(columns)
        self.rows = 0
        self.sheet = ws = add_sheet(workbook, name)
        self.last_column = get_column_letter(len(self.columns))
        # Widths, row heights, merges, panes and page setup go before the first row:
        # a write-only sheet writes them at its top.
        set_column_widths(
            ws, {get_column_letter(i): c.width for i, c in enumerate(self.columns, 1)}
        )
        line = made_line(filters, made_at=made_at, made_by=made_by)
        total_width = sum(c.width for c in self.columns)
        rows = ws.row_dimensions  # type: ignore[attr-defined]  # not in the stubs
        title_lines = lines_needed(str(title), total_width * 11 / TITLE_SIZE)
        rows[TITLE_ROW].height = 22 * title_lines + 8
        # Excel sizes no merged row to its text: the "made on" line gets its lines' height.
        rows[MADE_ROW].height = LINE_HEIGHT * lines_needed(line, total_width) + 3
        rows[HEADER_ROW].height = (
            LINE_HEIGHT * max(lines_needed(str(c.header), c.width) for c in self.columns) + 3
        )
        if len(self.columns) > 1:
            for row in (TITLE_ROW, MADE_ROW):
                ws.merged_cells.add(f"A{row}:{self.last_column}{row}")  # type: ignore[attr-defined]
        ws.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{HEADER_ROW + 1}"
        page_setup(
            ws,
            title=title,
            paper=paper,
            repeat_rows=f"{HEADER_ROW}:{HEADER_ROW}",
            repeat_columns="A:A" if repeat_first_column else None,
            titled=True,
        )
        ws.append([cell(ws, title, font=TITLE_FONT, alignment=CENTRED)])
        ws.append([cell(ws, line, alignment=WRAPPED)])
        ws.append(
            [
                cell(ws, c.header, font=BOLD, fill=HEADER_FILL, border=BORDER, alignment=CENTRED)
                for c in self.columns
            ]
        )

    def append(self, values: Sequence[Any], *, min_height: float = 0) -> None:
        """Add a row of the table: every cell bordered, long texts wrapped by their column.

        ``values`` are plain values or :class:`Styled` ones; a short row is filled out with
        empty bordered cells. ``min_height`` (points) keeps a row at least that tall, e.g.
        room to sign a name on paper.
        """
        if len(values) > len(self.columns):
            raise ValueError(f"{len(values)} values for {len(self.columns)} columns")
        ws = self.sheet
        row: list[Cell] = []
        lines = 1
        for index, column in enumerate(self.columns):
            value = values[index] if index < len(values) else None
            alignment = WRAPPED if column.wrap else MIDDLE
            if isinstance(value, Styled):
                c = cell(
                    ws,
                    value.value,
                    fill=value.fill,
                    font=value.font,
                    number_format=value.number_format,
                    border=BORDER,
                    alignment=value.alignment or alignment,
                )
            else:
                c = cell(ws, value, border=BORDER, alignment=alignment)
            row.append(c)
            if column.wrap and isinstance(c.value, str):
                lines = max(lines, lines_needed(c.value, column.width))
        number = HEADER_ROW + self.rows + 1
        dimensions = ws.row_dimensions  # type: ignore[attr-defined]  # not in the stubs
        # Neither Excel nor LibreOffice sizes a row to its wrapped text when opening a file:
        # each row is given the height of its longest text (one line at least, alike).
        dimensions[number].height = max(min_height, LINE_HEIGHT * lines + 2)
        ws.append(row)
        dimensions.pop(number, None)  # written: a long sheet keeps no dimension per row
        self.rows += 1

    def finish(self) -> None:
        """Print exactly the table (called by :meth:`FiledBook.bytes`)."""
        self.sheet.print_area = f"A{TITLE_ROW}:{self.last_column}{HEADER_ROW + self.rows}"


class FiledBook:
    """A write-only workbook of filed sheets; :meth:`bytes` gives the finished file."""

    def __init__(self) -> None:
        self.workbook = new_workbook()
        self.sheets: list[FiledSheet] = []

    def sheet(self, name: str | Promise, **layout: Any) -> FiledSheet:
        """A new filed sheet named ``name``; ``layout`` as :class:`FiledSheet` takes it."""
        sheet = FiledSheet(self.workbook, name, **layout)
        self.sheets.append(sheet)
        return sheet

    def bytes(self) -> bytes:
        for sheet in self.sheets:
            sheet.finish()
        return workbook_bytes(self.workbook)


# --- Filters in words --------------------------------------------------------------------


def _choice_labels(field: forms.ChoiceField) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, label in cast(Iterable[tuple[Any, Any]], field.choices):
        if isinstance(label, list | tuple):  # a group of choices
            labels.update({str(k): str(v) for k, v in label})
        else:
            labels[str(key)] = str(label)
    return labels


def _in_words(field: forms.Field, value: Any) -> str:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | models.QuerySet):
        return "、".join(_in_words(field, v) for v in value)
    if isinstance(field, forms.ChoiceField):
        return _choice_labels(field).get(str(value), str(value))
    if value is True:
        return _("Yes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def form_filters(form: forms.Form) -> list[tuple[str, str]]:
    """The filters a search form holds, as (label, value in words); empty ones left out.

    An unbound or invalid form filters nothing, so it gives no pairs.
    """
    if not form.is_bound or not form.is_valid():
        return []
    pairs = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if (
            value is None
            or value is False
            or value == ""
            or (isinstance(value, list | tuple | models.QuerySet) and not value)
        ):
            continue
        pairs.append((str(field.label or name), _in_words(field, value)))
    return pairs
