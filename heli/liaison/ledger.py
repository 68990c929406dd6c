"""The year's contact ledger (沟通联系台账) as an Excel workbook laid out to be filed.

One contact a row, oldest first: exactly the contacts the contact list shows for the same
filters (year, form or channel, subject, unit, group, title search). A row gives the
units reached, the form and the channel, the subjects in words, who was present on each side, the summary, the matters
raised with their state, the letter's document number and how many units signed for it.
It is built like the battle map's exports (:class:`heli.lib.xlsx.FiledBook`): a title,
the "made on" line with the filters in words, a bordered table under a frozen header,
and landscape A4 print settings repeating the header row and the first column. Only
the contacts the person may see are listed, and of a letter only the receipts they may
see are counted (a unit counts its own). The export is audited.

The rows are read in a fixed number of queries, however many contacts there are.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from heli.accounts.policy import visible
from heli.liaison.models import (
    CHANNEL_OF,
    Channel,
    Contact,
    ContactPerson,
    ContactUnit,
    LetterReceipt,
    Subject,
)
from heli.lib import xlsx
from heli.lib.http import AuthedRequest

# A ledger this long is no longer one anyone reads in Excel; narrow the filters first.
MAX_ROWS = 20_000
# How much of a summary a row holds: a ledger records the gist, the contact page the rest.
SUMMARY_CHARS = 400


@dataclass
class LedgerRow:
    """What one row of the ledger says about one contact."""

    contact: Contact
    units: list[str] = field(default_factory=list)
    committee_people: list[str] = field(default_factory=list)
    unit_people: list[str] = field(default_factory=list)
    matters: list[tuple[str, str]] = field(default_factory=list)  # (title, status in words)
    signed: int = 0
    addressed: int = 0


def _person(person: ContactPerson, multi_unit: bool) -> str:
    text = str(person)
    if multi_unit and person.unit is not None:
        return f"{person.unit.short_name or person.unit.name}：{text}"
    return text


def ledger_rows(user: Any, contacts: QuerySet[Contact]) -> list[LedgerRow]:
    """The ledger's rows for ``contacts``, in date order, read in four queries."""
    from heli.tracking.lists import visible_tasks

    listed = list(
        contacts.select_related("letter")
        .prefetch_related(
            Prefetch(
                "unit_links",
                queryset=ContactUnit.objects.select_related("unit").order_by(
                    "unit__sort_order", "unit_id"
                ),
            ),
            Prefetch(
                "people",
                queryset=ContactPerson.objects.select_related("unit").order_by(
                    "side", "sort_order", "id"
                ),
            ),
        )
        .order_by("date", "id")[:MAX_ROWS]
    )
    ids = [c.pk for c in listed]
    rows = {c.pk: LedgerRow(c) for c in listed}
    for row in rows.values():
        links = list(row.contact.unit_links.all())
        row.units = [link.unit.name for link in links]
        multi = len(links) > 1
        for person in row.contact.people.all():
            if person.side == ContactPerson.Side.COMMITTEE:
                row.committee_people.append(_person(person, False))
            else:
                row.unit_people.append(_person(person, multi))
    if not ids:
        return []
    matters = (
        visible_tasks(user)
        .filter(source_type=Contact._meta.label_lower, source_id__in=ids)
        .order_by("source_id", "assigned_at", "id")
        .only("id", "title", "status", "source_id")
    )
    for task in matters:
        if task.source_id in rows:
            rows[task.source_id].matters.append((task.title, task.get_status_display()))
    letters = [c.letter.pk for c in listed if _letter_of(c) is not None]
    if letters:
        counts = (
            visible(user, LetterReceipt)
            .filter(letter_id__in=letters)
            .values("letter__contact_id")
            .annotate(n=Count("id"), signed=Count("id", filter=Q(signed_at__isnull=False)))
            .order_by()
        )
        for entry in counts:
            row = rows[entry["letter__contact_id"]]
            row.addressed, row.signed = entry["n"], entry["signed"]
    return list(rows.values())


def _letter_of(contact: Contact) -> Any:
    return getattr(contact, "letter", None)  # a reverse one-to-one: None when there is none


def subjects_in_words(codes: Iterable[str]) -> str:
    labels = dict(Subject.choices)
    return "；".join(str(labels[c]) for c in SUBJECT_ORDER if c in set(codes))


SUBJECT_ORDER: tuple[str, ...] = tuple(Subject.values)


def matters_in_words(row: LedgerRow) -> str:
    """ "2 项：1. 标题（办理中）…", and that they are all handled when they are."""
    if not row.matters:
        return _("No matters")
    lines = [
        _("%(count)s matters:") % {"count": len(row.matters)},
        *(f"{n}. {title}（{status}）" for n, (title, status) in enumerate(row.matters, start=1)),
    ]
    handled = row.contact.matters_handled_at
    if handled is not None:
        lines.append(_("All handled"))
    return "\n".join(lines)


def summary_text(text: str, length: int = SUMMARY_CHARS) -> str:
    flat = re.sub(r"[ \t]+", " ", text or "").strip()
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def columns() -> list[xlsx.Column]:
    """The ledger's columns: widths for landscape A4 (fitted to its width), texts wrapped."""
    return [
        xlsx.Column(_("Item no."), 5),
        xlsx.Column(_("Date"), 11),
        xlsx.Column(_("Units"), 22, wrap=True),
        xlsx.Column(_("Form"), 7, wrap=True),
        xlsx.Column(_("Way of keeping in touch"), 9, wrap=True),
        xlsx.Column(_("Subjects it covers"), 16, wrap=True),
        xlsx.Column(_("Title of the contact"), 18, wrap=True),
        xlsx.Column(_("Committee people present"), 14, wrap=True),
        xlsx.Column(_("Unit people present"), 16, wrap=True),
        xlsx.Column(_("Main content"), 32, wrap=True),
        xlsx.Column(_("Matters raised in it"), 22, wrap=True),
        xlsx.Column(_("Letter number"), 12, wrap=True),
        xlsx.Column(_("Receipts signed"), 8, wrap=True),
    ]


def row_values(number: int, row: LedgerRow) -> Sequence[Any]:
    contact = row.contact
    letter = _letter_of(contact)
    signed = (
        _("%(signed)s/%(total)s") % {"signed": row.signed, "total": row.addressed}
        if letter is not None and row.addressed
        else ""
    )
    return [
        number,
        contact.date,
        "、".join(row.units),
        contact.get_form_display(),
        Channel(CHANNEL_OF[contact.form]).label,
        subjects_in_words(contact.subjects),
        contact.title,
        "、".join(row.committee_people),
        "；".join(row.unit_people),
        summary_text(contact.summary),
        matters_in_words(row),
        letter.number if letter is not None else "",
        signed,
    ]


def ledger_title(committee_name: str, year: int | None) -> str:
    if year is None:  # the list was asked for every year
        return _("Contact ledger of %(committee)s, all years") % {"committee": committee_name}
    return _("Contact ledger of %(committee)s, %(year)s") % {
        "committee": committee_name,
        "year": year,
    }


def build_ledger(
    request: AuthedRequest, *, made_at: datetime.datetime | None = None
) -> tuple[xlsx.FiledBook, int, int | None]:
    """The ledger of the contacts the contact list shows for this request's filters
    (:func:`heli.liaison.contact_views.filtered_contacts`: the same rows, oldest first),
    how many rows it holds, and its year (None for every year)."""
    from heli.liaison.contact_views import filtered_contacts

    form, contacts = filtered_contacts(request)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    rows = ledger_rows(request.user, contacts)
    committee = getattr(request, "committee", None)
    book = xlsx.FiledBook()
    sheet = book.sheet(
        _("Contact ledger"),
        title=ledger_title(committee.name if committee is not None else "", year),
        columns=columns(),
        filters=xlsx.form_filters(form),
        made_by=str(request.user),
        made_at=made_at,
    )
    for number, row in enumerate(rows, start=1):
        sheet.append(row_values(number, row))
    return book, sheet.rows, year


__all__ = ["LedgerRow", "build_ledger", "columns", "ledger_rows", "ledger_title"]
