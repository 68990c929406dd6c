"""Cells of every export: text stays text, control characters go, dates read as dates."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.styles import Font

from heli.lib import xlsx


def _read_back(*rows: list[object], title: str = "表") -> list[tuple[object, ...]]:
    workbook = xlsx.new_workbook()
    sheet = xlsx.add_sheet(workbook, title)
    for row in rows:
        xlsx.append(sheet, row)
    book = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook)))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_text_that_looks_like_a_formula_stays_text() -> None:
    workbook = xlsx.new_workbook()
    sheet = xlsx.add_sheet(workbook, "表")
    xlsx.append(sheet, ['=HYPERLINK("http://evil","x")', "+1+1", "@SUM(A1)", "-2"])
    book = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook)))
    cells = next(book.worksheets[0].iter_rows())
    assert [c.value for c in cells] == ['=HYPERLINK("http://evil","x")', "+1+1", "@SUM(A1)", "-2"]
    assert {c.data_type for c in cells} == {"s"}


# Each example writes and reads a whole workbook: slow on a busy machine, not wrong.
@settings(deadline=None, max_examples=60)
@given(st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=40))
def test_any_text_can_be_written_and_read_back_without_its_control_characters(
    text: str,
) -> None:
    [(value,)] = _read_back([text])
    expected = xlsx.safe_text(text)
    # An empty cell reads back as nothing; XML reads a carriage return as a line feed.
    assert (value or "") == expected.replace("\r\n", "\n").replace("\r", "\n")


def test_control_characters_are_dropped_tabs_and_newlines_kept() -> None:
    assert xlsx.safe_text("a\x00b\x07c\x1bd") == "abcd"
    assert xlsx.safe_text("第一行\n第二行\t完") == "第一行\n第二行\t完"
    [(value,)] = _read_back(["落实\x07党建"])
    assert value == "落实党建"


def test_numbers_dates_and_times_keep_their_kind() -> None:
    aware = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)
    [row] = _read_back([7, 2.5, Decimal("1.25"), True, None, datetime.date(2026, 3, 2), aware])
    assert row[:5] == (7, 2.5, 1.25, True, None)
    # A workbook holds times without a zone: aware ones are written in local time
    # (Asia/Shanghai, eight hours ahead of UTC).
    assert row[5] == datetime.datetime(2026, 3, 2)  # noqa: DTZ001
    assert row[6] == datetime.datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001


def test_styled_cells_keep_their_style_and_safety() -> None:
    workbook = xlsx.new_workbook()
    sheet = xlsx.add_sheet(workbook, "表")
    sheet.append([xlsx.cell(sheet, "=1+1\x07", font=Font(bold=True))])
    cell = next(load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook))).worksheets[0].iter_rows())[
        0
    ]
    assert (cell.value, cell.data_type, cell.font.b) == ("=1+1", "s", True)


def test_a_sheet_title_excel_would_refuse_is_made_acceptable() -> None:
    workbook = xlsx.new_workbook()
    xlsx.add_sheet(workbook, "2026/03: [督办]事项?*" + "长" * 40)
    xlsx.add_sheet(workbook, "\x07")
    book = load_workbook(io.BytesIO(xlsx.workbook_bytes(workbook)))
    first, second = book.sheetnames
    assert len(first) == 31 and not set(first) & set("\\/*?:[]")
    assert second == "Sheet"
