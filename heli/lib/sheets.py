"""Reading uploaded Excel workbooks, with every problem reported by sheet, row and column.

An area describes each sheet it reads with a ``SheetSpec`` of ``Column``s. ``read_workbook``
opens an upload safely (size limit, no zip bomb, only .xlsx), checks each known sheet's
header row and returns its data rows, refusing formulas and merged cells and skipping blank
rows and the template's example rows. ``RowReader`` turns the cells of one row into clean
text, whole numbers, choices and dates. Whatever is wrong becomes a ``Problem`` (sheet, row
as Excel shows it, column, reason), collected in a list so a user sees every problem of the
file at once. ``template_workbook`` writes the matching downloadable template.

Sheet and column names are the workbook's own (Chinese) words; the reasons a user reads go
through gettext. An area may add its own reasons and reword the reader's by passing a
``reasons`` mapping that extends ``REASONS``. Nothing here knows what the rows mean.
"""

from __future__ import annotations

import datetime
import io
import logging
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Final, cast

from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.worksheet.worksheet import Worksheet

from heli.lib.xlsx import fit_row_heights, page_setup

logger = logging.getLogger(__name__)

# Limits, read when a workbook is read so that a caller may lower them. A few thousand rows
# is far beyond any sheet a person fills in, and a small .xlsx that inflates to tens of
# megabytes is a zip bomb, not data.
MAX_ROWS = 5000
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024

# Rows whose first filled cell starts with this are the template's examples: skipped.
EXAMPLE_MARKS = ("（示例）", "(示例)")
EXAMPLE_MARK = EXAMPLE_MARKS[0]

Reason = Promise | str
AnyCell = Cell | MergedCell

# Every reason the reader gives, by problem code. Whole sentences: say what is wrong and how
# to fix it. Sheet and column names are filled in as they appear in the workbook.
REASONS: Final[Mapping[str, Reason]] = {
    "file_too_large": gettext_lazy(
        "The file is larger than %(limit)s. Split it into smaller files, or delete empty rows, "
        "pictures and formatting."
    ),
    "inflates_too_much": gettext_lazy(
        "The workbook unpacks to more than %(limit)s. Copy only the data into a new workbook "
        "made from the template and upload that."
    ),
    "not_excel": gettext_lazy(
        "This is not a valid Excel file (.xlsx). Save it from Excel or WPS as “Excel workbook "
        "(*.xlsx)” (not .xls or .csv) and upload it again."
    ),
    "no_sheets": gettext_lazy(
        "The workbook has none of the sheets %(sheets)s. Download the template, copy your data "
        "into it and upload it again."
    ),
    "empty_sheet": gettext_lazy(
        "The sheet is empty: row 1 must hold the column names. Copy them from the template, "
        "or delete this sheet if you have nothing to import in it."
    ),
    "too_many_rows": gettext_lazy(
        "The sheet has more than %(max)s data rows. Split it into files of at most %(max)s "
        "rows each."
    ),
    "merged_cells": gettext_lazy(
        "Cells %(range)s are merged. Unmerge them and fill in every cell; merged cells cannot "
        "be imported."
    ),
    "formula": gettext_lazy(
        "Cell %(cell)s holds a formula. Formulas are not imported: replace it with its value "
        "(copy, then paste as values)."
    ),
    "duplicate_column": gettext_lazy(
        "The column “%(column)s” appears twice (again in column %(letter)s). Keep one and "
        "delete the other."
    ),
    "unknown_column": gettext_lazy(
        "Column %(letter)s is named “%(column)s”, which this sheet does not have. Its columns "
        "are: %(expected)s. Correct the name as in the template, or delete the column."
    ),
    "missing_column": gettext_lazy(
        "The required column “%(column)s” is missing. Add it to row 1 as in the template."
    ),
    "unnamed_column": gettext_lazy(
        "Cell %(cell)s holds data but its column has no name in row 1. Name the column as in "
        "the template, or delete the data."
    ),
    "required": gettext_lazy("“%(column)s” is required. Fill it in."),
    "too_long": gettext_lazy(
        "“%(column)s” has %(length)s characters; at most %(max)s are allowed. Shorten it."
    ),
    "not_integer": gettext_lazy(
        "“%(column)s” must be a whole number, not “%(value)s”. Write it in digits only."
    ),
    "out_of_range": gettext_lazy(
        "“%(column)s” must be between %(low)s and %(high)s; it is %(value)s."
    ),
    "invalid_choice": gettext_lazy(
        "“%(value)s” is not a valid %(column)s. Write one of: %(choices)s."
    ),
    "not_date": gettext_lazy(
        "“%(column)s” must be a date, not “%(value)s”. Write it as 2024-03-15, or format the "
        "cell as a date."
    ),
}


# --- The format of a sheet ------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a sheet: how it is checked when read and how the template shows it."""

    header: str
    required: bool
    note: str  # shown as the header cell's note and on the instructions sheet
    example: str | int
    choices: tuple[str, ...] = ()  # the labels a cell may hold; a dropdown in the template
    whole: tuple[int, int] | None = None  # a whole number in this range, checked both ways
    max_length: int | None = None  # of a text cell
    text: bool = False  # kept as text in the template (codes, phone numbers)
    width: int = 16


@dataclass(frozen=True)
class SheetSpec:
    """A sheet of a workbook: its name, its columns in template order, and a line about it."""

    name: str
    columns: tuple[Column, ...]
    note: str

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def column(self, header: str) -> Column:
        for column in self.columns:
            if column.header == header:
                return column
        raise KeyError(f"The sheet {self.name} has no column {header}.")


# --- Problems -------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file; ``sheet`` is empty for the file as a whole."""

    code: str
    reason: str
    sheet: str = ""
    row: int | None = None
    column: str = ""


def make_problem(
    reasons: Mapping[str, Reason],
    code: str,
    sheet: str = "",
    row: int | None = None,
    column: str = "",
    /,
    **params: object,
) -> Problem:
    """A problem with its reason, taken from ``reasons``, in the active language."""
    return Problem(code, str(reasons[code]) % params, sheet, row, column)


def problem(
    code: str, sheet: str = "", row: int | None = None, column: str = "", /, **params: object
) -> Problem:
    """A problem with one of the reader's own reasons."""
    return make_problem(REASONS, code, sheet, row, column, **params)


def too_large_problem(limit: int) -> Problem:
    """The file is over ``limit`` bytes: also for a form that refuses the upload unread."""
    return problem("file_too_large", limit=filesizeformat(limit))


def in_sheet_order(problems: Iterable[Problem], sheets: Sequence[str]) -> list[Problem]:
    """The problems of sheets, by sheet in the given order (others first), then by row."""
    order = {name: i for i, name in enumerate(sheets)}
    return sorted(
        (p for p in problems if p.sheet), key=lambda p: (order.get(p.sheet, -1), p.row or 0)
    )


# --- Cells ------------------------------------------------------------------------------


class _Formula:
    """A formula cell, already reported: readers treat it as empty."""

    def __repr__(self) -> str:
        return "FORMULA"


FORMULA: Final = _Formula()


def cell_text(value: object) -> str:
    """A cell's value as clean text: no surrounding spaces, no ``.0`` on whole numbers."""
    if value is None or value is FORMULA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_integer(value: object) -> int | None:
    """A whole number written as a number or as digits; None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        return int(value.strip())
    return None


_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def cell_date(value: object) -> datetime.date | None:
    """A date cell (Excel's own, a time at midnight included) or text like 2024-03-15,
    2024/3/15, 2024.3.15 or 2024年3月15日; None for anything else."""
    if isinstance(value, datetime.datetime):
        return value.date() if value.time() == datetime.time() else None
    if isinstance(value, datetime.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_RE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:  # 2024-02-30
        return None


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def is_formula(cell: AnyCell) -> bool:
    value = cell.value
    return (
        cell.data_type == "f"
        or isinstance(value, ArrayFormula | DataTableFormula)
        or (isinstance(value, str) and value.startswith("="))
    )


def is_example(cells: Iterable[AnyCell]) -> bool:
    """Whether the row's first filled cell carries the example mark."""
    for cell in cells:
        if not is_blank(cell.value):
            return isinstance(cell.value, str) and cell.value.strip().startswith(EXAMPLE_MARKS)
    return False


def normal_header(value: object) -> str:
    """A header without spaces or the asterisk some people add to required ones."""
    return re.sub(r"\s+", "", cell_text(value)).rstrip("*＊")


def _choice_key(value: str) -> str:
    return re.sub(r"\s+", "", value).replace("（", "(").replace("）", ")")


# --- Opening and reading --------------------------------------------------------------


def open_workbook(
    file: IO[bytes],
    problems: list[Problem],
    *,
    max_bytes: int,
    max_uncompressed: int | None = None,
) -> Workbook | None:
    """The uploaded workbook, or None with the reason in ``problems``: too large, a zip
    bomb, or not an .xlsx file. At most ``max_bytes`` + 1 bytes of the upload are read."""
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        problems.append(too_large_problem(max_bytes))
        return None
    limit = MAX_UNCOMPRESSED_BYTES if max_uncompressed is None else max_uncompressed
    buffer = io.BytesIO(data)
    try:
        with zipfile.ZipFile(buffer) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        problems.append(problem("not_excel"))
        return None
    if inflated > limit:
        problems.append(problem("inflates_too_much", limit=filesizeformat(limit)))
        return None
    buffer.seek(0)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about the features it drops (extensions, some formats).
            warnings.simplefilter("ignore")
            # Not read-only: merged-cell ranges exist only on full worksheets.
            return load_workbook(buffer, read_only=False, data_only=False, keep_links=False)
    except Exception:  # openpyxl raises many kinds of error on a damaged or foreign file
        logger.info("Import: could not open the workbook", exc_info=True)
        problems.append(problem("not_excel"))
        return None


@dataclass
class Sheet:
    """The data rows of a sheet whose columns are right."""

    spec: SheetSpec
    rows: list[tuple[int, dict[str, object]]]  # (Excel row number, header → cell value)

    def readers(
        self, problems: list[Problem], reasons: Mapping[str, Reason] = REASONS
    ) -> Iterator[RowReader]:
        for row, values in self.rows:
            yield RowReader(self.spec, row, values, problems, reasons)


def read_workbook(
    file: IO[bytes],
    specs: Sequence[SheetSpec],
    problems: list[Problem],
    *,
    max_bytes: int,
    max_rows: int | None = None,
    reasons: Mapping[str, Reason] = REASONS,
) -> dict[str, Sheet] | None:
    """The sheets of ``specs`` found in the upload, by name, each with its data rows.

    None when the file cannot be read or has none of the sheets; a sheet whose columns
    are wrong is left out. Either way every problem found is added to ``problems``;
    ``reasons`` may reword ``no_sheets``.
    """
    workbook = open_workbook(file, problems, max_bytes=max_bytes)
    if workbook is None:
        return None
    try:
        # Loaded in full (not read-only), every sheet of ``worksheets`` is a Worksheet.
        by_name = {ws.title.strip(): ws for ws in workbook.worksheets if isinstance(ws, Worksheet)}
        found = [spec for spec in specs if spec.name in by_name]
        if not found:
            sheets = "".join(f"“{spec.name}”" for spec in specs)
            problems.append(make_problem(reasons, "no_sheets", sheets=sheets))
            return None
        result = {}
        for spec in found:
            sheet = read_sheet(by_name[spec.name], spec, problems, max_rows=max_rows)
            if sheet is not None:
                result[spec.name] = sheet
        return result
    finally:
        workbook.close()


def read_sheet(
    ws: Worksheet, spec: SheetSpec, problems: list[Problem], *, max_rows: int | None = None
) -> Sheet | None:
    """The sheet's data rows, or None when its columns are wrong (then only they are
    reported) or it has more than ``max_rows`` of them."""
    name = spec.name
    limit = MAX_ROWS if max_rows is None else max_rows
    for merged in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col)):
        column = normal_header(ws.cell(row=1, column=merged.min_col).value)
        problems.append(problem("merged_cells", name, merged.min_row, column, range=merged.coord))
    rows = ws.iter_rows()
    header_cells = next(rows, ())
    if all(is_blank(c.value) for c in header_cells):
        problems.append(problem("empty_sheet", name, 1))
        return None
    headers, columns, header_ok = _read_headers(header_cells, spec, problems)
    data: list[tuple[int, dict[str, object]]] = []
    unnamed_reported: set[int] = set()
    for cells in rows:
        if all(is_blank(c.value) for c in cells) or is_example(cells):
            continue
        row_number = cells[0].row or 0
        if len(data) >= limit:
            problems.append(problem("too_many_rows", name, row_number, max=limit))
            return None
        values: dict[str, object] = {}
        for index, cell in enumerate(cells):
            header = headers[index] if index < len(headers) else ""
            if is_formula(cell):
                problems.append(_formula(cell, name, header))
                values[header] = FORMULA
            elif columns.get(header) == index:
                values[header] = cell.value
            elif not header and not is_blank(cell.value) and index not in unnamed_reported:
                unnamed_reported.add(index)
                problems.append(problem("unnamed_column", name, row_number, cell=cell.coordinate))
        data.append((row_number, values))
    # Rows cannot be read reliably until the columns are right; report the columns only.
    return Sheet(spec, data) if header_ok else None


def _read_headers(
    cells: Sequence[AnyCell], spec: SheetSpec, problems: list[Problem]
) -> tuple[list[str], dict[str, int], bool]:
    """Row 1: the header of each cell by position, the index of each known header, and
    whether the columns are right."""
    name = spec.name
    headers: list[str] = []
    columns: dict[str, int] = {}
    ok = True
    for index, cell in enumerate(cells):
        header = "" if is_formula(cell) else normal_header(cell.value)
        headers.append(header)
        letter = get_column_letter(index + 1)
        if is_formula(cell):
            problems.append(_formula(cell, name, ""))
        elif not header:
            continue
        elif header in columns:
            problems.append(
                problem("duplicate_column", name, 1, header, column=header, letter=letter)
            )
        elif header not in spec.headers:
            expected = "、".join(spec.headers)
            problems.append(
                problem(
                    "unknown_column", name, 1, header,
                    column=header, letter=letter, expected=expected,
                )
            )  # fmt: skip
        else:
            columns[header] = index
            continue
        ok = False
    for required in (c.header for c in spec.columns if c.required):
        if required not in columns:
            problems.append(problem("missing_column", name, 1, required, column=required))
            ok = False
    return headers, columns, ok


def _formula(cell: AnyCell, sheet: str, column: str) -> Problem:
    return problem("formula", sheet, cell.row, column, cell=cell.coordinate)


class RowReader:
    """Reads the cells of one data row by its sheet's columns, recording a problem for each
    bad cell. Each reading gives None for an empty cell or a bad one (already reported)."""

    def __init__(
        self,
        spec: SheetSpec,
        row: int,
        values: Mapping[str, object],
        problems: list[Problem],
        reasons: Mapping[str, Reason] = REASONS,
    ) -> None:
        self.spec = spec
        self.row = row
        self.values = values
        self.problems = problems
        self.reasons = reasons

    def problem(self, code: str, column: str, /, **params: object) -> None:
        self.problems.append(
            make_problem(self.reasons, code, self.spec.name, self.row, column, **params)
        )

    def _present(self, header: str) -> object:
        value = self.values.get(header)
        if value is FORMULA:
            return None
        if is_blank(value):
            if self.spec.column(header).required:
                self.problem("required", header, column=header)
            return None
        return value

    def text(self, header: str) -> str | None:
        value = self._present(header)
        if value is None:
            return None
        text = cell_text(value)
        limit = self.spec.column(header).max_length
        if limit is not None and len(text) > limit:
            self.problem("too_long", header, column=header, length=len(text), max=limit)
            return None
        return text

    def integer(self, header: str) -> int | None:
        value = self._present(header)
        if value is None:
            return None
        number = cell_integer(value)
        whole = self.spec.column(header).whole
        if number is None:
            self.problem("not_integer", header, column=header, value=cell_text(value))
        elif whole is not None and not whole[0] <= number <= whole[1]:
            low, high = whole
            self.problem("out_of_range", header, column=header, low=low, high=high, value=number)
            number = None
        return number

    def choice(
        self, header: str, choices: Mapping[str, str], *, code: str = "invalid_choice"
    ) -> str | None:
        """The key of the label written, spaces and full-width brackets ignored."""
        value = self._present(header)
        if value is None:
            return None
        keys = {_choice_key(label): key for label, key in choices.items()}
        key = keys.get(_choice_key(cell_text(value)))
        if key is None:
            self.problem(
                code, header, column=header, value=cell_text(value), choices="、".join(choices)
            )
        return key

    def date(self, header: str) -> datetime.date | None:
        value = self._present(header)
        if value is None:
            return None
        day = cell_date(value)
        if day is None:
            self.problem("not_date", header, column=header, value=cell_text(value))
        return day


# --- The template -----------------------------------------------------------------------

_REQUIRED_FILL = PatternFill("solid", fgColor="B22222")
_OPTIONAL_FILL = PatternFill("solid", fgColor="D9D9D9")
_EXAMPLE_FONT = Font(italic=True, color="808080")


def template_workbook(
    specs: Sequence[SheetSpec],
    instructions: Sequence[str],
    *,
    help_sheet: str = "说明",
    max_rows: int | None = None,
) -> bytes:
    """A template to fill in: a sheet of instructions, then one data sheet per spec."""
    workbook = Workbook()
    first = cast(Worksheet, workbook.worksheets[0])  # a new workbook has one empty sheet
    first.title = help_sheet
    write_instructions(first, instructions, specs)
    # Printable too: the instructions upright, each data sheet with its header on every page.
    fit_row_heights(first)
    page_setup(first, title=help_sheet, landscape=False)
    for spec in specs:
        ws = workbook.create_sheet(spec.name)
        write_data_sheet(ws, spec, max_rows=max_rows)
        page_setup(ws, title=spec.name, repeat_rows="1:1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_instructions(
    ws: Worksheet, paragraphs: Sequence[str], specs: Sequence[SheetSpec]
) -> None:
    """Numbered paragraphs, then a table of each sheet's columns."""
    wrap = Alignment(wrap_text=True, vertical="top")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 30
    ws.append(["导入说明"])
    ws["A1"].font = Font(bold=True, size=14)
    for number, paragraph in enumerate(paragraphs, start=1):
        ws.append([f"{number}.", None, paragraph])
        ws.cell(row=ws.max_row, column=3).alignment = wrap
    for spec in specs:
        ws.append([])
        ws.append([f"工作表“{spec.name}”：{spec.note}"])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True, size=12)
        ws.append(["列名", "必填", "填写说明", "示例"])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.fill = _OPTIONAL_FILL
        for column in spec.columns:
            ws.append(
                [column.header, "是" if column.required else "否", column.note, str(column.example)]
            )
            for cell in ws[ws.max_row]:
                cell.alignment = wrap


def example_row(spec: SheetSpec) -> list[str | int]:
    """Row 2 of a data sheet: each column's example, the first one marked so it is skipped."""
    return [
        f"{EXAMPLE_MARK}{column.example}" if index == 0 else column.example
        for index, column in enumerate(spec.columns)
    ]


def write_data_sheet(ws: Worksheet, spec: SheetSpec, *, max_rows: int | None = None) -> None:
    """Headers with their notes, the example row, and checks for choices and numbers."""
    last = (MAX_ROWS if max_rows is None else max_rows) + 2
    ws.append(list(spec.headers))
    ws.append(example_row(spec))
    ws.freeze_panes = "A2"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(row=1, column=index)
        header.font = Font(bold=True, color="FFFFFF" if column.required else "000000")
        header.fill = _REQUIRED_FILL if column.required else _OPTIONAL_FILL
        comment = Comment(column.note, "合力")
        comment.width = 320
        comment.height = 120
        header.comment = comment
        ws.cell(row=2, column=index).font = _EXAMPLE_FONT
        ws.column_dimensions[letter].width = column.width
        cells = f"{letter}2:{letter}{last}"
        if column.text:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=index).number_format = "@"
        validation = _validation(column)
        if validation is not None:
            ws.add_data_validation(validation)
            # Row 2 holds the marked example, which would fail the check; start below it.
            validation.add(f"{letter}3:{letter}{last}" if index == 1 else cells)


def _validation(column: Column) -> DataValidation | None:
    validation: DataValidation | None = None
    if column.choices:
        validation = DataValidation(
            type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
        )
        validation.error = "请从下拉列表中选择：" + "、".join(column.choices)
    elif column.whole is not None:
        low, high = column.whole
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            allow_blank=True,
        )
        validation.error = f"请填写 {low}～{high} 的整数。"
    if validation is not None:
        validation.errorTitle = column.header
        validation.showErrorMessage = True
        validation.prompt = column.note
        validation.promptTitle = column.header
        validation.showInputMessage = True
    return validation
