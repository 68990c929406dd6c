"""Cells of every export: text stays text, control characters go, dates read as dates;
and the layout every filed export shares, read back with openpyxl."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.utils.translation import gettext as _
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.styles import Font, PatternFill

from heli.lib import xlsx
from heli.lib.sheets import Column as SheetColumn
from heli.lib.sheets import SheetSpec, template_workbook


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
    # An empty cell reads back as nothing; line ends were made line feeds.
    assert "\r" not in expected
    assert (value or "") == expected


def test_control_characters_are_dropped_tabs_and_newlines_kept() -> None:
    assert xlsx.safe_text("a\x00b\x07c\x1bd") == "abcd"
    assert xlsx.safe_text("第一行\n第二行\t完") == "第一行\n第二行\t完"
    assert xlsx.safe_text("一\r\n二\r三") == "一\n二\n三"
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


# --- The filing layout -------------------------------------------------------------------

COLUMNS = [xlsx.Column("编号", 11), xlsx.Column("标题", 30, wrap=True), xlsx.Column("数量", 8)]
MADE_AT = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Shanghai


def _filed(*rows: list[object], filters: list[tuple[str, str]] | None = None) -> Any:
    book = xlsx.FiledBook()
    sheet = book.sheet(
        "清单",
        title="督办事项清单 R&D",
        columns=COLUMNS,
        filters=[("年度", "2026"), ("单位", "市教育局")] if filters is None else filters,
        made_by="王处员",
        made_at=MADE_AT,
    )
    for row in rows:
        sheet.append(row)
    return load_workbook(io.BytesIO(book.bytes())).worksheets[0]


def test_a_filed_sheet_has_its_title_the_made_on_line_and_a_bold_bordered_header() -> None:
    ws = _filed(["2026-0001", "落实工作要点", 3])
    assert ws["A1"].value == "督办事项清单 R&D" and ws["A1"].font.b
    line = ws["A2"].value
    assert _("Made on %(time)s") % {"time": "2026-03-02 09:30"} in line
    assert _("Made by %(user)s") % {"user": "王处员"} in line
    assert _("%(label)s: %(value)s") % {"label": "单位", "value": "市教育局"} in line
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:C1", "A2:C2"}
    header = ws[xlsx.HEADER_ROW]
    assert [c.value for c in header] == ["编号", "标题", "数量"]
    assert all(c.font.b and c.border.top.style == "thin" and c.fill.fgColor.rgb for c in header)
    assert [c.value for c in ws[4]] == ["2026-0001", "落实工作要点", 3]


def test_a_filed_sheet_has_its_column_widths_and_keeps_its_header_in_view() -> None:
    ws = _filed(["2026-0001", "落实工作要点", 3])
    widths = {letter: ws.column_dimensions[letter].width for letter in "ABC"}
    assert widths == {"A": 11, "B": 30, "C": 8}
    assert ws.freeze_panes == "A4"


def test_a_filed_sheet_prints_landscape_fitted_to_width_with_its_header_on_every_page() -> None:
    ws = _filed(["2026-0001", "甲", 1], ["2026-0002", "乙", 2])
    setup = ws.page_setup
    assert (setup.orientation, setup.paperSize) == ("landscape", xlsx.A4)
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$3:$3" and ws.print_title_cols == "$A:$A"
    assert ws.print_area == "'清单'!$A$1:$C$5"
    # "&" starts a code in a page header: the title's own is doubled, and reads as one.
    assert ws.oddHeader.center.text == "督办事项清单 R&&D"
    assert ws.oddFooter.center.text == _("Page &P of &N")


def test_every_cell_of_the_table_is_bordered_and_long_texts_wrap() -> None:
    ws = _filed(["2026-0001", "落实" * 40], ["2026-0002"])
    for row in ws.iter_rows(min_row=4, max_row=5):
        assert [c.border.left.style for c in row] == ["thin"] * 3  # a short row too
        assert [bool(c.alignment.wrap_text) for c in row] == [False, True, False]
    assert ws["C5"].value is None
    # Opened, no program sizes a row to its wrapped text: the row is as tall as its lines.
    assert ws.row_dimensions[4].height == xlsx.LINE_HEIGHT * 6 + 2  # 160 of width, 29 a line
    assert ws.row_dimensions[5].height == xlsx.LINE_HEIGHT + 2


def test_a_row_can_be_kept_tall_enough_to_sign_in() -> None:
    book = xlsx.FiledBook()
    sheet = book.sheet("签到", title="签到表", columns=COLUMNS, filters=[])
    sheet.append(["1", "短"], min_height=40)
    sheet.append(["2", "落实" * 40], min_height=40)  # taller than the minimum already
    sheet.append(["3", "短"])
    ws = load_workbook(io.BytesIO(book.bytes())).worksheets[0]
    assert ws.row_dimensions[4].height == 40
    assert ws.row_dimensions[5].height == xlsx.LINE_HEIGHT * 6 + 2
    assert ws.row_dimensions[6].height == xlsx.LINE_HEIGHT + 2


def test_a_styled_value_keeps_its_colour_inside_the_border() -> None:
    red = PatternFill("solid", start_color="C0392B", end_color="C0392B")
    ws = _filed(["2026-0001", xlsx.Styled("超期", fill=red, font=Font(bold=True)), 1])
    cell = ws["B4"]
    assert cell.fill.start_color.rgb[-6:] == "C0392B" and cell.font.b
    assert cell.border.left.style == "thin" and cell.alignment.wrap_text


def test_a_filed_sheet_without_filters_says_it_holds_everything() -> None:
    ws = _filed(["2026-0001", "甲", 1], filters=[])
    assert (
        _("Filters: %(filters)s") % {"filters": _("none (everything you may see)")}
        in ws["A2"].value
    )


def test_the_made_on_line_is_as_tall_as_its_wrapped_text() -> None:
    many = [(f"条件{i}", "某某单位" * 3) for i in range(12)]
    short, tall = _filed(["x"]), _filed(["x"], filters=many)
    assert tall.row_dimensions[2].height > short.row_dimensions[2].height >= xlsx.LINE_HEIGHT


def test_a_row_longer_than_the_columns_is_refused() -> None:
    book = xlsx.FiledBook()
    sheet = book.sheet("表", title="表", columns=COLUMNS, filters=[])
    with pytest.raises(ValueError):
        sheet.append([1, 2, 3, 4])


def test_the_text_width_counts_chinese_characters_twice() -> None:
    assert xlsx.text_width("ab") == 2
    assert xlsx.text_width("市直机关") == 8
    assert xlsx.lines_needed("市直机关" * 5, 11) == 4  # 40 of width, 10 a line


class _Search(forms.Form):
    year = forms.IntegerField(label="年度", required=False)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), ("open", "办理中")]
    )
    since = forms.DateField(label="起始日期", required=False)
    overdue = forms.BooleanField(label="仅看超期", required=False)
    text = forms.CharField(label="关键词", required=False)


def test_form_filters_name_each_filter_in_words_and_leave_out_empty_ones() -> None:
    form = _Search({"year": "2026", "status": "open", "since": "2026-03-01", "overdue": "on"})
    assert xlsx.form_filters(form) == [
        ("年度", "2026"),
        ("状态", "办理中"),
        ("起始日期", "2026-03-01"),
        ("仅看超期", _("Yes")),
    ]
    assert xlsx.form_filters(_Search()) == []
    assert xlsx.form_filters(_Search({"year": "二〇二六"})) == []  # invalid: filters nothing


def test_the_import_template_prints_with_its_header_row_on_every_page() -> None:
    column = SheetColumn("单位名称", required=True, note="全称", example="市教育局", width=30)
    spec = SheetSpec("单位", (column,), note="单位")
    book = load_workbook(io.BytesIO(template_workbook([spec], ["第一段。"], help_sheet="说明")))
    instructions, units = book.worksheets
    sheets: list[Any] = [instructions, units]
    assert instructions.page_setup.orientation == "portrait"
    assert units.page_setup.orientation == "landscape"
    assert units.print_title_rows == "$1:$1"
    for ws in sheets:
        assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.oddHeader.center.text == ws.title
        assert ws.oddFooter.center.text == _("Page &P of &N")
