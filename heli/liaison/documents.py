"""The liaison area's Word documents: a letter as an official document (GB/T 9704-2012),
from the committee's template or the default one, and the record of a contact (沟通联系记录).

A committee may replace the letter's template with its own .docx (kept through the
upload mechanism as a file of its :class:`LiaisonSettings`); the newest one is used. A
template must hold every placeholder of :data:`heli.lib.officialdoc.LETTER_PLACEHOLDERS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from heli.files.models import Attachment, FileKind
from heli.liaison.models import Channel, Contact, ContactPerson, Letter, LiaisonSettings, Subject
from heli.lib import officialdoc
from heli.lib.dates import format_date
from heli.org.models import Unit

DEFAULT_LETTER_TEMPLATE = Path(__file__).resolve().parent / "doc_templates" / "letter.docx"
TEMPLATE_RECORD = LiaisonSettings._meta.label_lower
# Beyond this many units a letter is addressed to them together, not one by one.
NAMED_ADDRESSEES = 10


def default_letter_template() -> bytes:
    """The shipped template, or one built now when the file is missing."""
    if DEFAULT_LETTER_TEMPLATE.is_file():
        return DEFAULT_LETTER_TEMPLATE.read_bytes()
    return officialdoc.letter_template()


def committee_template(liaison: LiaisonSettings) -> Attachment | None:
    """The template the committee uploaded last, if any."""
    return (
        Attachment.objects.filter(
            committee_id=liaison.committee_id,
            record_type=TEMPLATE_RECORD,
            record_id=liaison.pk,
            kind=FileKind.DOCX,
        )
        .order_by("-created_at", "-id")
        .first()
    )


def letter_template_bytes(liaison: LiaisonSettings) -> bytes:
    uploaded = committee_template(liaison)
    if uploaded is not None and uploaded.path.is_file():
        return uploaded.path.read_bytes()
    return default_letter_template()


def missing_placeholders(data: bytes) -> list[str]:
    """The letter placeholders a template lacks, in the order of the parts; raises
    ``ValueError`` for a file that is no Word document."""
    found = officialdoc.placeholders_in(data)
    return [name for name in officialdoc.LETTER_PLACEHOLDERS if name not in found]


def leading_body_name(unit: Unit) -> str:
    """How a letter addresses a unit's party group: 市财政局党组."""
    suffix = "党委" if unit.leading_body == Unit.LeadingBody.PARTY_COMMITTEE else "党组"
    return f"{unit.name}{suffix}"


def addressees(units: list[Unit]) -> str:
    if len(units) > NAMED_ADDRESSEES:
        return "各有关单位党组（党委）"
    return "、".join(leading_body_name(u) for u in units)


def body_paragraphs(text: str) -> list[str]:
    """The body's paragraphs, as typed: one per line that holds text."""
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def letter_docx(letter: Letter, liaison: LiaisonSettings) -> bytes:
    """The letter as a Word document, from the committee's template."""
    units = [r.unit for r in letter.receipts.select_related("unit").order_by("unit__sort_order")]
    values = {
        "issuer": liaison.issuer or letter.signer,
        "number": letter.number,
        "title": letter.title,
        "addressees": addressees(units),
        "signer": letter.signer,
        "date": officialdoc.chinese_date(letter.contact.date),
    }
    return officialdoc.fill_template(
        letter_template_bytes(liaison), values, {"body": body_paragraphs(letter.body)}
    )


def _people(people: list[ContactPerson]) -> str:
    return "、".join(str(p) for p in people) or "—"


def contact_docx(contact: Contact, issuer: str, matters: list[Any], files: list[str]) -> bytes:
    """The record of a contact (沟通联系记录) as a Word document in the official layout."""
    people = list(contact.people.select_related("unit").all())
    units = list(contact.units.order_by("sort_order", "id"))
    subject_labels = dict(Subject.choices)
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading(issuer)
    letter = Letter.objects.filter(contact=contact).first()
    doc.number_line(letter.number if letter is not None else "")
    doc.title(_("Record of a liaison contact"))
    rows = [
        (_("Title"), contact.title),
        (_("Work year"), str(contact.year)),
        (_("Date"), format_date(contact.date)),
        (_("Form"), f"{contact.get_form_display()}（{_channel(contact)}）"),
        (_("Units"), "、".join(u.name for u in units) or "—"),
        (_("Subjects"), "\n".join(str(subject_labels.get(c, c)) for c in contact.subjects)),
        (
            _("Present for the committee"),
            _people([p for p in people if p.side == ContactPerson.Side.COMMITTEE]),
        ),
        (
            _("Present for the units"),
            _people([p for p in people if p.side == ContactPerson.Side.UNIT]),
        ),
        (_("Summary"), contact.summary or "—"),
        (
            _("Matters raised"),
            "\n".join(f"{m.title}（{m.lead_unit.name}，{m.get_status_display()}）" for m in matters)
            or "—",
        ),
        (_("Files"), "\n".join(files) or "—"),
    ]
    doc.fields(rows)
    doc.signature(issuer, timezone.localdate())
    return doc.to_bytes()


def _channel(contact: Contact) -> str:
    return str(dict(Channel.choices)[contact.channel])
