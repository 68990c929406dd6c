"""The official-document builder (GB/T 9704-2012), read back with python-docx."""

from __future__ import annotations

import datetime

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from heli.lib import officialdoc


def _letter() -> bytes:
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading("中共北京市委市直机关工委")
    doc.number_line("京直工函〔2026〕12号")
    doc.title("关于征求意见的函")
    doc.addressees("市财政局党组：")
    doc.body(["第一段。", "第二段。"])
    doc.signature("中共北京市委市直机关工委", datetime.date(2026, 12, 2))
    return doc.to_bytes()


def _east_asia(run: object) -> str:
    return str(run._r.rPr.rFonts.get(qn("w:eastAsia")))  # type: ignore[attr-defined]


def test_page_and_margins_follow_the_standard() -> None:
    section = officialdoc.open_docx(_letter()).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)
    assert abs(section.page_height - Mm(297)) < Mm(0.1)
    assert abs(section.top_margin - Mm(37)) < Mm(0.1)
    assert abs(section.bottom_margin - Mm(35)) < Mm(0.1)
    assert abs(section.left_margin - Mm(28)) < Mm(0.1)
    assert abs(section.right_margin - Mm(26)) < Mm(0.1)


def test_parts_in_order_with_their_fonts() -> None:
    paragraphs = [p for p in officialdoc.open_docx(_letter()).paragraphs if p.text]
    texts = [p.text for p in paragraphs]
    assert texts == [
        "中共北京市委市直机关工委",
        "京直工函〔2026〕12号",
        "关于征求意见的函",
        "市财政局党组：",
        "第一段。",
        "第二段。",
        "中共北京市委市直机关工委",
        "2026年12月2日",
    ]
    heading, number, title, to, body = paragraphs[:5]
    assert heading.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert heading.runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    assert _east_asia(heading.runs[0]) == officialdoc.XIAOBIAOSONG
    assert heading.runs[0].font.size >= Pt(26)
    assert number.alignment == WD_ALIGN_PARAGRAPH.CENTER
    border = number._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert border.get(qn("w:color")) == "FF0000"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER and title.runs[0].font.size == Pt(22)
    assert _east_asia(title.runs[0]) == officialdoc.XIAOBIAOSONG
    assert _east_asia(to.runs[0]) == officialdoc.FANGSONG and to.runs[0].font.size == Pt(16)
    assert body.paragraph_format.line_spacing == Pt(28)
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body._p.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    signer, date = paragraphs[6:]
    assert signer.alignment == date.alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_the_footer_numbers_pages_between_dashes() -> None:
    footer = officialdoc.open_docx(_letter()).sections[0].footer.paragraphs[0]
    xml = footer._p.xml
    assert "PAGE" in xml and 'w:fldCharType="begin"' in xml and 'w:fldCharType="end"' in xml
    assert footer.text.startswith("— ") and footer.text.endswith(" —")
    assert footer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert all(r.font.size == Pt(14) for r in footer.runs)
    assert _east_asia(footer.runs[0]) == officialdoc.SONGTI


def test_a_template_is_filled_and_the_body_becomes_paragraphs() -> None:
    template = officialdoc.letter_template()
    assert officialdoc.placeholders_in(template) == set(officialdoc.LETTER_PLACEHOLDERS)
    filled = officialdoc.fill_template(
        template,
        {
            "issuer": "工委",
            "number": "1号",
            "title": "题",
            "addressees": "甲",
            "signer": "工委",
            "date": "2026年1月2日",
        },
        {"body": ["一", "二", "三"]},
    )
    document = officialdoc.open_docx(filled)
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == ["工委", "1号", "题", "甲：", "一", "二", "三", "工委", "2026年1月2日"]
    body = [p for p in document.paragraphs if p.text in ("一", "二", "三")]
    assert all(p.paragraph_format.first_line_indent == Pt(32) for p in body)
    assert "{{" not in "".join(texts)


def test_a_placeholder_split_over_runs_is_still_found_and_filled() -> None:
    doc = officialdoc.OfficialDocument()
    paragraph = doc.body(["x"])[0]
    paragraph.runs[0].text = "{{ti"
    paragraph.add_run("tle}}")
    data = doc.to_bytes()
    assert officialdoc.placeholders_in(data) == {"title"}
    filled = officialdoc.open_docx(officialdoc.fill_template(data, {"title": "标题"}))
    assert [p.text for p in filled.paragraphs if p.text] == ["标题"]


def test_a_file_that_is_no_word_document_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError):
        officialdoc.placeholders_in(b"PK\x03\x04 not really")
    assert officialdoc.chinese_date(datetime.date(2026, 1, 5)) == "2026年1月5日"
