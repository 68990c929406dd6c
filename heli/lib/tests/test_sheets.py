"""Reading uploaded workbooks by a sheet spec: every problem by sheet, row and column."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook

from heli.lib import sheets
from heli.lib.sheets import (
    Column,
    Problem,
    RowReader,
    Sheet,
    SheetSpec,
    in_sheet_order,
    make_problem,
    read_workbook,
    template_workbook,
)

# A made-up attendance sheet, as a meeting area might import it. Excel's dates carry no
# time zone, so the workbooks here hold naive datetimes.
MODES = {"现场": "onsite", "视频": "video"}
ATTENDANCE = SheetSpec(
    "签到",
    (
        Column("姓名", True, "必填。", "张三", max_length=10),
        Column("人数", False, "选填。", 1, whole=(0, 50)),
        Column("日期", True, "必填。", "2024-03-15"),
        Column("方式", False, "选填。", "现场", choices=tuple(MODES)),
    ),
    "每行一人。",
)
HEADERS = list(ATTENDANCE.headers)
OTHER = SheetSpec("备注", (Column("内容", True, "必填。", "无", max_length=100),), "每行一条。")


def xlsx(sheets_rows: dict[str, Sequence[Sequence[Any]]], merge: str = "") -> bytes:
    workbook = Workbook()
    default = workbook.worksheets[0]
    for name, rows in sheets_rows.items():
        ws = workbook.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        if merge:
            ws.merge_cells(merge)
    workbook.remove(default)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read(
    data: bytes, specs: Sequence[SheetSpec] = (ATTENDANCE,), **kwargs: Any
) -> tuple[dict[str, Sheet] | None, list[Problem]]:
    problems: list[Problem] = []
    found = read_workbook(
        io.BytesIO(data), specs, problems, max_bytes=kwargs.pop("max_bytes", 10**7), **kwargs
    )
    return found, problems


def where(problems: Sequence[Problem]) -> list[tuple[str, str, int | None, str]]:
    return [(p.code, p.sheet, p.row, p.column) for p in problems]


class Attendance:
    """One row read by every reader of the spec."""

    def __init__(self, row: RowReader) -> None:
        self.row = row.row
        self.name = row.text("姓名")
        self.count = row.integer("人数")
        self.date = row.date("日期")
        self.mode = row.choice("方式", MODES)


def attendance(data: bytes) -> tuple[list[Attendance], list[Problem]]:
    found, problems = read(data)
    assert found is not None, problems
    return [Attendance(row) for row in found["签到"].readers(problems)], problems


# --- Reading values ---------------------------------------------------------------------


def test_cells_become_clean_text_numbers_dates_and_choices() -> None:
    data = xlsx(
        {
            "签到": [
                [" 姓 名 ", "人数*", "日期", "方式"],
                [
                    "  张三 ",
                    3.0,
                    datetime.datetime.combine(datetime.date(2024, 3, 15), datetime.time()),
                    " 视 频 ",
                ],
                ["李四", "12", "2024年3月5日", None],
                [1234, None, datetime.date(2024, 1, 2), "现场"],
                ["王五", None, "2024/12/31", None],
            ]
        }
    )
    rows, problems = attendance(data)
    assert problems == []
    assert [(r.row, r.name, r.count, r.date, r.mode) for r in rows] == [
        (2, "张三", 3, datetime.date(2024, 3, 15), "video"),
        (3, "李四", 12, datetime.date(2024, 3, 5), None),
        (4, "1234", None, datetime.date(2024, 1, 2), "onsite"),
        (5, "王五", None, datetime.date(2024, 12, 31), None),
    ]


def test_bad_cells_are_reported_by_sheet_row_and_column() -> None:
    data = xlsx(
        {
            "签到": [
                HEADERS,
                [None, "很多", "2024-02-30", "电话"],
                ["很长的名字" * 3, 51, "下周一", None],
                [
                    "赵六",
                    2.5,
                    datetime.datetime.combine(datetime.date(2024, 3, 15), datetime.time(9, 30)),
                    None,
                ],
            ]
        }
    )
    rows, problems = attendance(data)
    assert where(problems) == [
        ("required", "签到", 2, "姓名"),
        ("not_integer", "签到", 2, "人数"),
        ("not_date", "签到", 2, "日期"),
        ("invalid_choice", "签到", 2, "方式"),
        ("too_long", "签到", 3, "姓名"),
        ("out_of_range", "签到", 3, "人数"),
        ("not_date", "签到", 3, "日期"),
        ("not_integer", "签到", 4, "人数"),
        ("not_date", "签到", 4, "日期"),
    ]
    assert [(r.name, r.count, r.date, r.mode) for r in rows] == [(None, None, None, None)] * 2 + [
        ("赵六", None, None, None)
    ]
    assert "电话" in problems[3].reason and "现场、视频" in problems[3].reason


def test_reasons_are_in_the_active_language() -> None:
    data = xlsx({"签到": [HEADERS, ["张三", None, "下周一", None]]})
    with translation.override("zh-hans"):
        _rows, problems = attendance(data)
    assert problems[0].reason == (
        "“日期”应为日期，不能是“下周一”。请按 2024-03-15 的格式填写，或把单元格设为日期格式。"
    )


def test_an_area_adds_its_own_reasons() -> None:
    reasons = {**sheets.REASONS, "late": gettext_lazy("%(name)s came late.")}
    problem = make_problem(reasons, "late", "签到", 7, "姓名", name="张三")
    assert problem == Problem("late", "张三 came late.", "签到", 7, "姓名")


# --- Rows skipped and refused -------------------------------------------------------------


def test_blank_and_example_rows_are_skipped_and_rows_keep_their_excel_numbers() -> None:
    data = xlsx(
        {
            "签到": [
                HEADERS,
                ["（示例）张三", 1, "2024-03-15", "现场"],
                [None, None, None, None],
                ["  ", None, " ", None],
                ["李四", None, "2024-03-15", None],
                [None, "(示例)", None, None],  # the first filled cell carries the mark
            ]
        }
    )
    rows, problems = attendance(data)
    assert problems == []
    assert [(r.row, r.name) for r in rows] == [(5, "李四")]


def test_formulas_are_refused_with_their_cell() -> None:
    data = xlsx(
        {
            "签到": [
                HEADERS,
                ["张三", "=1+2", "2024-03-15", None],
                ['=HYPERLINK("http://example.com","点我")', None, "2024-03-15", None],
            ]
        }
    )
    rows, problems = attendance(data)
    assert where(problems) == [
        ("formula", "签到", 2, "人数"),
        ("formula", "签到", 3, "姓名"),
    ]
    assert "B2" in problems[0].reason and "A3" in problems[1].reason
    # The formula's cell reads as empty, and a required one is not reported a second time.
    assert [(r.name, r.count) for r in rows] == [("张三", None), (None, None)]


def test_a_formula_in_the_header_row_refuses_the_sheet() -> None:
    found, problems = read(xlsx({"签到": [[*HEADERS[:3], "=A1"], ["张三", None, None, None]]}))
    assert found == {}
    assert where(problems) == [("formula", "签到", 1, "")]


def test_wrong_columns_are_named_and_the_rows_are_not_read() -> None:
    data = xlsx({"签到": [["姓名", "人数", "人数", "地点", None], [None, "x", 1, 2, "孤立的值"]]})
    with translation.override("en"):
        found, problems = read(data)
    assert found == {}
    assert where(problems) == [
        ("duplicate_column", "签到", 1, "人数"),
        ("unknown_column", "签到", 1, "地点"),
        ("missing_column", "签到", 1, "日期"),
        ("unnamed_column", "签到", 2, ""),
    ]
    assert "again in column C)" in problems[0].reason
    assert problems[1].reason.startswith("Column D is named “地点”")
    assert problems[3].reason.startswith("Cell E2 holds data")


def test_merged_cells_are_refused_with_their_range() -> None:
    data = xlsx({"签到": [HEADERS, ["张三", 1, "2024-03-15", None]]}, merge="B2:C2")
    _found, problems = read(data)
    assert ("merged_cells", "签到", 2, "人数") in where(problems)
    assert any("B2:C2" in p.reason for p in problems)


def test_an_empty_sheet_is_refused() -> None:
    found, problems = read(xlsx({"签到": [], "备注": [["内容"], ["无"]]}), (ATTENDANCE, OTHER))
    assert found is not None and list(found) == ["备注"]
    assert where(problems) == [("empty_sheet", "签到", 1, "")]


def test_too_many_rows_are_refused_at_the_first_row_over() -> None:
    rows = [["张三", None, "2024-03-15", None]] * 4
    found, problems = read(xlsx({"签到": [HEADERS, *rows]}), max_rows=3)
    assert found == {}
    assert where(problems) == [("too_many_rows", "签到", 5, "")]


def test_a_workbook_without_the_sheets_names_them() -> None:
    found, problems = read(xlsx({"Sheet1": [["a"], [1]]}), (ATTENDANCE, OTHER))
    assert found is None
    assert where(problems) == [("no_sheets", "", None, "")]
    assert "“签到”“备注”" in problems[0].reason
    reasons = {**sheets.REASONS, "no_sheets": "Use the attendance template."}
    _found, problems = read(xlsx({"Sheet1": [["a"]]}), reasons=reasons)
    assert [p.reason for p in problems] == ["Use the attendance template."]


def test_problems_sort_by_the_order_of_the_sheets_then_by_row() -> None:
    problems = [
        Problem("b", "", sheet="签到", row=9),
        Problem("a", "", sheet="备注", row=3),
        Problem("file", ""),
        Problem("c", "", sheet="签到", row=2),
    ]
    assert [p.code for p in in_sheet_order(problems, ["备注", "签到"])] == ["a", "c", "b"]


# --- Files refused as a whole ---------------------------------------------------------------


def _zip_without_a_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        "姓名,人数\n张三,1\n".encode(),
        b"this is plain text, not a workbook",
        b"PK\x03\x04 not really a zip archive",
        _zip_without_a_workbook(),
        b"",
    ],
    ids=["csv", "text", "broken zip", "zip of other files", "empty"],
)
def test_a_file_that_is_not_xlsx_is_refused(data: bytes) -> None:
    found, problems = read(data)
    assert found is None
    assert where(problems) == [("not_excel", "", None, "")]
    assert ".xlsx" in problems[0].reason


def test_a_file_over_the_size_limit_is_refused_and_read_no_further() -> None:
    data = xlsx({"签到": [HEADERS, ["张三", None, "2024-03-15", None]]})
    upload = io.BytesIO(data)
    problems: list[Problem] = []
    limit = len(data) // 2
    assert read_workbook(upload, (ATTENDANCE,), problems, max_bytes=limit) is None
    assert where(problems) == [("file_too_large", "", None, "")]
    assert upload.tell() == limit + 1  # one byte over the limit, not the whole file
    found, problems = read(data, max_bytes=len(data))
    assert found is not None and problems == []


def test_a_workbook_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = xlsx({"签到": [HEADERS, ["张三", None, "2024-03-15", None]]})
    monkeypatch.setattr(sheets, "MAX_UNCOMPRESSED_BYTES", 1000)
    found, problems = read(data)
    assert found is None
    assert where(problems) == [("inflates_too_much", "", None, "")]


# --- The template ---------------------------------------------------------------------------


def test_the_template_has_instructions_headers_notes_and_checks_and_reads_back_empty() -> None:
    data = template_workbook((ATTENDANCE, OTHER), ["第一段。", "第二段。"], help_sheet="说明")
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["说明", "签到", "备注"]
    instructions = [row[2] for row in workbook["说明"].iter_rows(values_only=True)]
    assert "第一段。" in instructions and "第二段。" in instructions
    ws = workbook["签到"]
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.comment is not None and c.comment.text for c in ws[1])
    assert [c.value for c in ws[2]] == ["（示例）张三", 1, "2024-03-15", "现场"]
    checks = {dv.type: dv for dv in ws.data_validations.dataValidation}
    assert checks["list"].formula1 == '"现场,视频"'
    assert (checks["whole"].formula1, checks["whole"].formula2) == ("0", "50")
    found, problems = read(data, (ATTENDANCE, OTHER))
    assert problems == []
    assert found is not None and [s.rows for s in found.values()] == [[], []]
