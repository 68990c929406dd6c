"""Letters and receipts: sending with a number, signing once, answering, reminding, each
audited and told to the other side once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from heli.audit.models import AuditEvent
from heli.liaison import letters
from heli.liaison.models import Contact, Form, Letter, LetterCounter, LetterReceipt
from heli.liaison.tests.letter_helpers import send
from heli.notifications.models import Notification
from heli.testing import World

pytestmark = pytest.mark.django_db


def _told(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_a_letter_is_a_contact_with_a_number_and_a_receipt_per_unit(world: World) -> None:
    letter = send(world)
    year = letter.year
    assert letter.number == f"京直工函〔{year}〕1号"
    assert letter.signer == world.committee.name
    contact = letter.contact
    assert contact.form == Form.LETTER and contact.subjects == ["views"]
    assert set(contact.units.all()) == {world.units[0], world.units[2]}
    assert set(letter.receipts.values_list("unit", flat=True)) == {
        world.units[0].pk,
        world.units[2].pk,
    }
    assert send(world).number == f"京直工函〔{year}〕2号"
    assert LetterCounter.objects.get(committee=world.committee, year=year).last == 2
    assert (
        AuditEvent.objects.filter(event="record.created", object_type="liaison.letter").count() == 2
    )


def test_the_prefix_and_issuer_come_from_the_settings(world: World) -> None:
    liaison = letters.settings_of(world.committee)
    liaison.letter_prefix, liaison.issuer = "测直工函", "中共测试市委市直机关工委"
    liaison.save()
    letter = send(world)
    assert letter.number.startswith("测直工函〔") and letter.signer == "中共测试市委市直机关工委"


def test_a_failed_send_rolls_its_number_back(world: World) -> None:
    with pytest.raises(ValidationError):
        send(world, subjects=[])
    with pytest.raises(ValidationError):
        send(world, units=[world.other_unit])
    assert not Contact.objects.exists() and not Letter.objects.exists()
    assert send(world).serial == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"units": []}, "units"),
        ({"subjects": []}, "subjects"),
        ({"subjects": ["nonsense"]}, "subjects"),
        ({"title": "  "}, "title"),
        ({"body": ""}, "body"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(world: World, fields: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        send(world, **fields)
    assert field in refused.value.error_dict
    assert not Letter.objects.exists()


def test_units_and_readers_cannot_send(world: World) -> None:
    for name in ("unit0_secretary", "unit0_leadership", "sysadmin", "nobody"):
        with pytest.raises(ValidationError):
            send(world, by=name)
    assert not Letter.objects.exists()


def test_a_new_letter_tells_each_unit_once(world: World) -> None:
    send(world)
    assert _told(letters.KIND_SENT) == [
        "unit0_leadership",
        "unit0_secretary",
        "unit0_staff",
        "unit2_secretary",
        "unit2_staff",
    ]
    note = Notification.objects.filter(recipient=world.user("unit2_staff")).get()
    assert "京直工函" in note.body and note.url.startswith("/liaison/letters/")


def test_signing_once_and_telling_the_sender_side(world: World) -> None:
    letter = send(world)
    receipt = letter.receipts.get(unit=world.units[0])
    letters.sign(receipt, world.user("unit0_secretary"))
    receipt.refresh_from_db()
    assert receipt.signed_by == world.user("unit0_secretary") and receipt.signed_at
    with pytest.raises(ValidationError) as again:
        letters.sign(receipt, world.user("unit0_staff"))
    assert "已" in again.value.messages[0] or "already" in again.value.messages[0]
    # The sender, and the staff of the sender's department (宣传部: the sender alone).
    assert _told(letters.KIND_SIGNED) == ["staff"]
    assert AuditEvent.objects.filter(object_type="liaison.letterreceipt").count() == 1


def test_the_sender_side_hears_of_a_signature(world: World) -> None:
    letter = send(world, by="office")
    letters.sign(letter.receipts.get(unit=world.units[2]), world.user("unit2_staff"))
    # office sent it; the staff of his department (组织部) are office himself.
    assert _told(letters.KIND_SIGNED) == ["office"]
    letters.answer(letter.receipts.get(unit=world.units[2]), world.user("unit2_staff"), "已落实。")
    assert _told(letters.KIND_ANSWERED) == ["office"]


def test_answering_before_signing_signs_too(world: World) -> None:
    letter = send(world, by="leader")
    receipt = letter.receipts.get(unit=world.units[2])
    letters.answer(receipt, world.user("unit2_secretary"), "  我单位已按要求研究落实。 ")
    receipt.refresh_from_db()
    assert receipt.signed_by == receipt.answered_by == world.user("unit2_secretary")
    assert receipt.signed_at == receipt.answered_at and receipt.answer == "我单位已按要求研究落实。"
    assert _told(letters.KIND_SIGNED) == ["leader"] and _told(letters.KIND_ANSWERED) == ["leader"]
    with pytest.raises(ValidationError):
        letters.answer(receipt, world.user("unit2_secretary"), "再答一次")
    with pytest.raises(ValidationError) as empty:
        letters.answer(letter.receipts.get(unit=world.units[0]), world.user("unit0_staff"), " ")
    assert "text" in empty.value.error_dict


def test_nobody_signs_for_another_unit(world: World) -> None:
    letter = send(world)
    receipt = letter.receipts.get(unit=world.units[0])
    for name in ("unit2_secretary", "unit0_leadership", "staff", "leader"):
        with pytest.raises(ValidationError):
            letters.sign(receipt, world.user(name))
    receipt.refresh_from_db()
    assert receipt.signed_at is None


def test_reminding_sets_the_time_and_tells_the_unit_every_time(world: World) -> None:
    letter = send(world)
    first = letter.receipts.get(unit=world.units[0])
    letters.sign(first, world.user("unit0_staff"))
    assert letters.remind(letter, world.user("staff")) == 1  # only unit 2 has not signed
    unit2 = letter.receipts.get(unit=world.units[2])
    assert unit2.reminded_at is not None
    assert _told(letters.KIND_REMINDED) == ["unit2_secretary", "unit2_staff"]
    assert letters.remind(unit2, world.user("staff")) == 1
    assert len(_told(letters.KIND_REMINDED)) == 4
    letters.sign(unit2, world.user("unit2_staff"))
    with pytest.raises(ValidationError):
        letters.remind(letter, world.user("staff"))
    with pytest.raises(ValidationError):
        letters.remind(first, world.user("unit0_secretary"))


def test_receipts_are_unique_per_unit(world: World) -> None:
    letter = send(world, units=[world.units[0], world.units[0]])
    assert LetterReceipt.objects.filter(letter=letter).count() == 1
