"""The liaison pages in the accessibility walk (heli/lib/tests/test_accessibility.py)."""

from __future__ import annotations

from heli.liaison.models import Contact, Letter
from heli.testing import AuditedPage, demo_pick


def a_contact(**lookups: object) -> list[int]:
    contacts = Contact.objects.filter(**lookups)
    return [demo_pick(contacts, "units__short_name", f"contact {lookups}").pk]


def a_letter() -> list[int]:
    return [demo_pick(Letter.objects.all(), "receipts__unit__short_name", "letter").pk]


PAGES = [
    AuditedPage("liaison:contact_list"),
    AuditedPage("liaison:contact_list", query="q=%E8%B0%83%E7%A0%94", note="searched"),
    AuditedPage("liaison:contact_create"),
    AuditedPage("liaison:contact_detail", a_contact),
    AuditedPage("liaison:contact_detail", lambda: a_contact(letter__isnull=False), note="letter"),
    AuditedPage("liaison:contact_edit", a_contact),
    AuditedPage("liaison:letter_list"),
    AuditedPage("liaison:letter_create"),
    AuditedPage("liaison:letter_template"),
    AuditedPage("liaison:letter_detail", a_letter),
    AuditedPage("liaison:letter_receipts", a_letter),
    AuditedPage("liaison:letter_receipts", a_letter, query="state=unsigned", note="filtered"),
    AuditedPage("liaison:board"),
    AuditedPage("liaison:board_matrix"),
    AuditedPage("liaison:settings"),
]

NOT_PAGES = {
    "liaison:contact_matter": "a POST: a matter raised at a contact, answered on its page",
    "liaison:letter_remind": "a POST: reminds the units, answered on the letter's page",
    "liaison:letter_sign": "a POST: a unit signs for a letter, answered on its page",
    "liaison:letter_answer": "a POST: a unit's answer to a letter, answered on its page",
    "liaison:letter_docx": "a Word download: the letter",
    "liaison:contact_docx": "a Word download: the contact's record",
    "liaison:ledger_xlsx": "an Excel download: the liaison ledger",
}
