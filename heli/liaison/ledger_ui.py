"""What the contact ledger adds to the shared registries: the ledger as an export, and
the contacts as search documents (title; the summary, the units and a letter's number and
body to be found by)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.liaison.models import Contact, ContactUnit
from heli.lib.exports import EXPORTS, ExportKind
from heli.lib.search import SEARCH_SOURCES, SearchDocument, SearchSource


def sees_contacts(user: Any) -> bool:
    return can(user, Action.VIEW, Contact)


def contact_document(contact: Contact) -> SearchDocument:
    """What search keeps of a contact: its title, and in its body the units reached, the
    summary, and a letter's number and body."""
    units = "、".join(link.unit.name for link in contact.unit_links.all())
    letter = getattr(contact, "letter", None)  # a reverse one-to-one: None when absent
    parts = [units, contact.summary]
    if letter is not None:
        parts += [letter.number, letter.body]
    return SearchDocument(
        model=Contact._meta.label_lower,
        pk=contact.pk,
        committee_id=contact.committee_id,
        title=contact.title,
        body="\n".join(p for p in parts if p),
        url=reverse("liaison:contact_detail", args=[contact.pk]),
        date=contact.date,
    )


def _with_parts(contacts: Any) -> Any:
    return contacts.select_related("letter").prefetch_related(
        Prefetch(
            "unit_links",
            queryset=ContactUnit.objects.select_related("unit").order_by(
                "unit__sort_order", "unit_id"
            ),
        )
    )


def contact_documents(committee_id: int) -> Iterator[SearchDocument]:
    contacts = _with_parts(Contact.objects.filter(committee_id=committee_id).order_by("id"))
    for contact in contacts.iterator(chunk_size=500):
        yield contact_document(contact)


def register() -> None:
    EXPORTS.register(
        ExportKind(
            "liaison.ledger",
            _("Contact ledger"),
            "liaison:ledger_xlsx",
            order=20,
            shown_to=sees_contacts,
        )
    )
    SEARCH_SOURCES.register(
        SearchSource(
            "liaison.contact",
            _("Liaison contacts"),
            Contact._meta.label_lower,
            documents=contact_documents,
            document=contact_document,
            order=20,
        )
    )
