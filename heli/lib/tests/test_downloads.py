"""Downloads: the name a browser saves (UTF-8 with an ASCII fallback) and the time in it."""

from __future__ import annotations

import datetime
import re
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from heli.lib import downloads

FALLBACK_RE = re.compile(r'filename="([A-Za-z0-9._-]+)"')


def _names(header: str) -> tuple[str, str | None]:
    fallback = FALLBACK_RE.search(header)
    assert fallback is not None, header
    utf8 = re.search(r"filename\*=UTF-8''([^;\s]+)", header)
    return fallback.group(1), unquote(utf8.group(1)) if utf8 else None


def test_a_chinese_name_is_kept_in_utf8_with_an_ascii_fallback() -> None:
    header = downloads.content_disposition("督办事项-20260302-093000.xlsx")
    assert header.startswith("attachment; ")
    assert _names(header) == ("20260302-093000.xlsx", "督办事项-20260302-093000.xlsx")
    assert header.isascii()


def test_an_ascii_name_reads_the_same_both_ways() -> None:
    header = downloads.content_disposition("tasks-20260302-093000.xlsx")
    assert _names(header) == ("tasks-20260302-093000.xlsx", "tasks-20260302-093000.xlsx")
    assert downloads.content_disposition("a.pdf", inline=True).startswith("inline; ")


def test_a_name_of_no_ascii_letters_falls_back_to_file() -> None:
    assert downloads.ascii_fallback("审计日志.csv") == "file.csv"
    assert downloads.ascii_fallback("审计日志") == "file"
    assert downloads.ascii_fallback("Résumé v2.docx") == "Resume_v2.docx"
    assert downloads.ascii_fallback("第一组 联席会议纪要（2026）.pdf") == "2026.pdf"


@given(st.text(max_size=60))
def test_no_name_can_break_the_header(name: str) -> None:
    header = downloads.content_disposition(name or "x")
    assert header.isascii()
    assert "\n" not in header and "\r" not in header
    fallback, utf8 = _names(header)
    assert '"' not in fallback and "\\" not in fallback
    assert utf8 == (name or "x")


def test_the_stamp_is_local_time() -> None:
    at = datetime.datetime(2026, 3, 2, 1, 30, 5, tzinfo=datetime.UTC)
    assert downloads.stamped_name("审计日志", "csv", at) == "审计日志-20260302-093005.csv"


def test_an_attachment_carries_its_type_and_name() -> None:
    response = downloads.attachment(b"data", "督办事项.xlsx", "application/x-test")
    assert response["Content-Type"] == "application/x-test"
    assert _names(response["Content-Disposition"])[1] == "督办事项.xlsx"
    assert response.content == b"data"
    streamed = downloads.streaming_attachment(iter(["a", "b"]), "a.csv", "text/csv")
    assert b"".join(streamed.streaming_content) == b"ab"  # type: ignore[arg-type]
    assert _names(streamed["Content-Disposition"]) == ("a.csv", "a.csv")
