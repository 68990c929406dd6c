"""Word documents in the layout of official documents (GB/T 9704-2012, 党政机关公文格式).

:class:`OfficialDocument` lays out the parts of an official document one after another —
the issuing body's red heading (发文机关标志), the document number (发文字号), the red
separator line, the title, the addressees (主送机关), the body, the signature (发文机关署名)
and the date (成文日期) — on an A4 page with the standard's margins and a page number
"— 1 —" at the foot of every page. Letters, meeting notices and minutes use it.

Documents a committee may replace come from a template: a .docx holding placeholders
such as ``{{title}}`` (:func:`fill_template`). A placeholder that stands alone in its
paragraph and is given a list of texts (the body) becomes one paragraph per text, each
formatted like the placeholder's paragraph. :func:`letter_template` builds the default
template of a letter with this module's own layout.
"""

from __future__ import annotations

import copy
import datetime
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph

# The standard's fonts (小标宋 for the heading and title, 仿宋 for the text, 黑体 for
# first-level headings, 宋体 for page numbers). The heading and title name the Founder
# font that offices install; a machine without it falls back to SimSun (declared in the
# document's font table, so Word and LibreOffice both know the substitute).
XIAOBIAOSONG = "FZXiaoBiaoSong-B05S"
FANGSONG = "FangSong"
HEITI = "SimHei"
SONGTI = "SimSun"
LATIN = "Times New Roman"
FALLBACKS = {XIAOBIAOSONG: SONGTI, FANGSONG: "仿宋", HEITI: "黑体", SONGTI: "宋体"}
# Chinese type sizes in points: 初号 42, 小初 36, 一号 26, 二号 22, 三号 16, 四号 14.
SIZE_HEADING = Pt(36)
SIZE_TITLE = Pt(22)
SIZE_TEXT = Pt(16)
SIZE_PAGE_NUMBER = Pt(14)
# The standard's line: 22 lines a page of 28 points each.
LINE = Pt(28)
RED = RGBColor(0xFF, 0x00, 0x00)
# Page and margins (版心 156 mm × 225 mm).
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


def chinese_date(value: datetime.date) -> str:
    """A date as the standard writes 成文日期 (Arabic numerals, no leading zeros): 2026年12月2日."""
    return f"{value.year}年{value.month}月{value.day}日"


def _set_fonts(run_or_style: Any, east_asia: str, size: Pt | None = None) -> None:
    font = run_or_style.font
    font.name = LATIN
    if size is not None:
        font.size = size
    element = run_or_style.element
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:ascii"), LATIN)
    fonts.set(qn("w:hAnsi"), LATIN)


def _declare_fallbacks(document: Any) -> None:
    """Name each font's substitute in the font table (``w:altName``)."""
    part = document.part
    table = None
    for rel in part.rels.values():
        if rel.reltype.endswith("/fontTable"):
            table = rel.target_part
    if table is None:
        return
    from docx.oxml import parse_xml

    root = parse_xml(table.blob)
    for name, alternative in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), alternative)
        font.append(alt)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")
        font.append(charset)
        root.append(font)
    from lxml import etree

    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _exact_lines(paragraph: Paragraph, line: Pt = LINE) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _bottom_border(paragraph: Paragraph, color: str = "FF0000", size_eighths: int = 12) -> None:
    properties = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(size_eighths))
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    properties.append(borders)


def _first_line_chars(paragraph: Paragraph, chars: int = 2, size: Pt = SIZE_TEXT) -> None:
    """An indent of ``chars`` characters, in characters (Word) and in points (others)."""
    paragraph.paragraph_format.first_line_indent = Pt(size.pt * chars)
    indent = paragraph._p.get_or_add_pPr().find(qn("w:ind"))
    if indent is not None:
        indent.set(qn("w:firstLineChars"), str(chars * 100))


def _page_number_field(paragraph: Paragraph) -> None:
    """ "— N —": the page number as a PAGE field between em dashes."""

    def run(text: str = "") -> Any:
        made = paragraph.add_run(text)
        _set_fonts(made, SONGTI, SIZE_PAGE_NUMBER)
        return made

    run("— ")
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        piece = run()
        if kind is not None:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            piece._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            piece._r.append(instr)
        else:
            piece.text = text
    end = run()
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), "end")
    end._r.append(char)
    run(" —")


class OfficialDocument:
    """A Word document laid out part by part as GB/T 9704-2012 asks."""

    def __init__(self) -> None:
        self.document = Document()
        self._first = True
        section = self.document.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
        section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
        section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
        section.footer_distance = Mm(28)
        section.header_distance = Mm(15)
        normal = self.document.styles["Normal"]
        _set_fonts(normal, FANGSONG, SIZE_TEXT)
        normal.paragraph_format.space_after = Pt(0)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number_field(footer)
        _declare_fallbacks(self.document)

    def _paragraph(
        self,
        text: str,
        *,
        font: str = FANGSONG,
        size: Pt = SIZE_TEXT,
        align: Any = WD_ALIGN_PARAGRAPH.LEFT,
        color: RGBColor | None = None,
        bold: bool = False,
        line: Pt = LINE,
    ) -> Paragraph:
        if self._first:
            paragraph = self.document.paragraphs[0] if self.document.paragraphs else None
            self._first = False
            if paragraph is None:
                paragraph = self.document.add_paragraph()
        else:
            paragraph = self.document.add_paragraph()
        paragraph.alignment = align
        _exact_lines(paragraph, line)
        if text:
            run = paragraph.add_run(text)
            _set_fonts(run, font, size)
            run.font.bold = bold
            if color is not None:
                run.font.color.rgb = color
        return paragraph

    def blank(self) -> Paragraph:
        return self._paragraph("")

    def issuer_heading(self, issuer: str) -> Paragraph:
        """The issuing body's mark (发文机关标志): red 小标宋, centred, large."""
        paragraph = self._paragraph(
            issuer,
            font=XIAOBIAOSONG,
            size=SIZE_HEADING,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            color=RED,
            line=Pt(SIZE_HEADING.pt * 1.4),
        )
        paragraph.paragraph_format.space_after = Pt(SIZE_TEXT.pt)
        return paragraph

    def number_line(self, number: str) -> Paragraph:
        """The document number (发文字号), centred under the heading, with the red line
        (版头中的分隔线) under it."""
        paragraph = self._paragraph(number, align=WD_ALIGN_PARAGRAPH.CENTER)
        paragraph.paragraph_format.space_after = Pt(SIZE_TEXT.pt)
        _bottom_border(paragraph)
        return paragraph

    def title(self, text: str) -> Paragraph:
        """The title: 2号小标宋, centred, a blank line above it."""
        self.blank()
        paragraph = self._paragraph(
            text,
            font=XIAOBIAOSONG,
            size=SIZE_TITLE,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            line=Pt(36),
        )
        paragraph.paragraph_format.space_after = Pt(SIZE_TEXT.pt)
        return paragraph

    def addressees(self, text: str) -> Paragraph:
        """主送机关: at the left margin, ending in a full-width colon."""
        text = text.rstrip("：:")
        return self._paragraph(f"{text}：" if text else "")

    def body(self, paragraphs: Iterable[str]) -> list[Paragraph]:
        """The text: 3号仿宋, 28-point lines, each paragraph indented by two characters."""
        made = []
        for text in paragraphs:
            paragraph = self._paragraph(text)
            _first_line_chars(paragraph)
            made.append(paragraph)
        return made

    def heading(self, text: str) -> Paragraph:
        """A first-level heading inside the text (一、…): 3号黑体, indented two characters."""
        paragraph = self._paragraph(text, font=HEITI)
        _first_line_chars(paragraph)
        return paragraph

    def signature(self, signer: str, date: datetime.date | str) -> list[Paragraph]:
        """发文机关署名 and 成文日期, right-aligned, the date under the name, after two
        blank lines; the date keeps four characters from the right margin."""
        self.blank()
        self.blank()
        name = self._paragraph(signer, align=WD_ALIGN_PARAGRAPH.RIGHT)
        name.paragraph_format.right_indent = Pt(SIZE_TEXT.pt * 2)
        written = date if isinstance(date, str) else chinese_date(date)
        when = self._paragraph(written, align=WD_ALIGN_PARAGRAPH.RIGHT)
        when.paragraph_format.right_indent = Pt(SIZE_TEXT.pt * 4)
        return [name, when]

    def fields(self, rows: Sequence[tuple[str, str]]) -> Any:
        """A table of labels and values (a record's facts), in 4号仿宋 with borders."""
        self._first = False
        table = self.document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].width, cells[1].width = Mm(36), Mm(120)
            for cell, text, font in ((cells[0], label, HEITI), (cells[1], value, FANGSONG)):
                lines = (text or "").split("\n")
                paragraph = cell.paragraphs[0]
                for i, line in enumerate(lines):
                    if i:
                        paragraph = cell.add_paragraph()
                    _exact_lines(paragraph, Pt(22))
                    run = paragraph.add_run(line)
                    _set_fonts(run, font, SIZE_PAGE_NUMBER)
        return table

    def to_bytes(self) -> bytes:
        return to_bytes(self.document)


def to_bytes(document: Any) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Templates ---------------------------------------------------------------------------


LETTER_PLACEHOLDERS = ("issuer", "number", "title", "addressees", "body", "signer", "date")


def letter_template() -> bytes:
    """The default template of a letter: every part in its place, as placeholders."""
    doc = OfficialDocument()
    doc.issuer_heading("{{issuer}}")
    doc.number_line("{{number}}")
    doc.title("{{title}}")
    doc.addressees("{{addressees}}")
    doc.body(["{{body}}"])
    doc.signature("{{signer}}", "{{date}}")
    return doc.to_bytes()


def _all_paragraphs(document: Any) -> list[Paragraph]:
    found: list[Paragraph] = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                found.extend(cell.paragraphs)
    for section in document.sections:
        for part in (section.header, section.footer):
            found.extend(part.paragraphs)
    return found


def placeholders_in(data: bytes) -> set[str]:
    """The placeholders a template holds (``{{title}}`` → ``title``), even where Word has
    split one across several runs. Raises ``ValueError`` for a file that is no .docx."""
    document = open_docx(data)
    names: set[str] = set()
    for paragraph in _all_paragraphs(document):
        names.update(PLACEHOLDER.findall(paragraph.text))
    return names


def open_docx(data: bytes) -> Any:
    try:
        return Document(io.BytesIO(data))
    except Exception as error:  # a zip that is no Word document, or no zip at all
        raise ValueError("not a Word document") from error


def _replace_in(paragraph: Paragraph, values: Mapping[str, str]) -> None:
    text = paragraph.text
    if "{{" not in text:
        return
    new = PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    if new == text:
        return
    runs = paragraph.runs
    if not runs:
        return
    # The first run keeps its formatting and takes the whole text; Word splits a
    # placeholder over runs when it is typed or corrected.
    runs[0].text = new
    for run in runs[1:]:
        run._r.getparent().remove(run._r)


def fill_template(
    data: bytes, values: Mapping[str, str], lists: Mapping[str, Sequence[str]] | None = None
) -> bytes:
    """The template with each ``{{name}}`` replaced by ``values[name]``; a paragraph that
    holds only ``{{name}}`` of ``lists`` becomes one paragraph per text."""
    document = open_docx(data)
    lists = lists or {}
    for paragraph in list(document.paragraphs):
        match = PLACEHOLDER.fullmatch(paragraph.text.strip())
        if match and match.group(1) in lists:
            texts = list(lists[match.group(1)]) or [""]
            anchor = paragraph._p
            for text in texts[1:][::-1]:
                clone = copy.deepcopy(anchor)
                anchor.addnext(clone)
                _replace_in(Paragraph(clone, paragraph._parent), {match.group(1): text})
            _replace_in(paragraph, {match.group(1): texts[0]})
    for paragraph in _all_paragraphs(document):
        _replace_in(paragraph, values)
    return to_bytes(document)
