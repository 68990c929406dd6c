"""The letter pages: who sees what (another unit's receipt is a 404), sending from the
form, signing and answering with files, the receipts page and its counts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from heli.files.models import Attachment
from heli.liaison.models import Letter, LetterReceipt
from heli.liaison.tests.letter_helpers import send
from heli.testing import World

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def _form(world: World, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "submission": uuid.uuid4().hex,
        "title": "关于开展调研的函",
        "body": "请配合。",
        "subjects": ["duties", "problems"],
        "date": "2026-06-15",
        "answer_by": "2026-06-30",
        "units": [str(world.units[0].pk)],
    }
    data.update(overrides)
    return data


@pytest.mark.frozen_clock
def test_staff_send_a_letter_to_a_group_and_units(world: World, storage: Any) -> None:
    client = _client(world, "staff")
    assert client.get(reverse("liaison:letter_create")).status_code == 200
    data = _form(world, groups=[str(world.group_years[1].pk)])
    data["attachments"] = SimpleUploadedFile("方案.pdf", PDF, "application/pdf")
    response = client.post(reverse("liaison:letter_create"), data)
    letter = Letter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("liaison:letter_receipts", args=[letter.pk])
    units = set(letter.receipts.values_list("unit_id", flat=True))
    assert units == {world.units[0].pk, world.units[2].pk, world.units[3].pk}
    assert (
        Attachment.objects.filter(
            record_type="liaison.contact", record_id=letter.contact_id
        ).count()
        == 1
    )


@pytest.mark.frozen_clock
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"units": []}, "units", "至少"),
        ({"units": ["999999"]}, "units", "999999"),
        ({"subjects": []}, "subjects", "五"),
        ({"date": "2025-12-31"}, "date", "2026"),
        ({"date": "2026-02-30"}, "date", "2026-11-26"),
        ({"answer_by": "2026-06-01"}, "answer_by", "答复"),
    ],
)
def test_bad_input_comes_back_with_a_chinese_message_and_what_was_typed(
    world: World, overrides: Any, field: str, message: str
) -> None:
    client = _client(world, "staff")
    response = client.post(reverse("liaison:letter_create"), _form(world, **overrides))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    assert "关于开展调研的函" in response.content.decode()
    assert not Letter.objects.exists()


def test_a_unit_sees_its_own_receipt_only_and_cannot_sign_for_another(world: World) -> None:
    letter = send(world)
    mine = letter.receipts.get(unit=world.units[2])
    other = letter.receipts.get(unit=world.units[0])
    client = _client(world, "unit2_staff")
    page = client.get(reverse("liaison:letter_detail", args=[letter.pk]))
    assert page.status_code == 200
    assert [item["receipt"].pk for item in page.context["own"]] == [mine.pk]
    assert world.units[0].name not in page.content.decode()
    assert client.get(reverse("liaison:letter_receipts", args=[letter.pk])).status_code == 404
    assert client.post(reverse("liaison:letter_sign", args=[other.pk])).status_code == 404
    assert (
        client.post(reverse("liaison:letter_answer", args=[other.pk]), {"text": "x"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.signed_at is None and other.answered_at is None


def test_people_outside_see_nothing(world: World) -> None:
    letter = send(world, units=[world.units[0]])
    receipt = letter.receipts.get()
    for name in ("unit2_secretary", "sysadmin", "auditor", "outsider", "nobody"):
        client = _client(world, name)
        assert client.get(reverse("liaison:letter_detail", args=[letter.pk])).status_code == 404, (
            name
        )
        assert client.get(reverse("liaison:letter_docx", args=[letter.pk])).status_code == 404, name
        assert client.post(reverse("liaison:letter_sign", args=[receipt.pk])).status_code == 404, (
            name
        )
    assert (
        _client(world, "unit0_leadership")
        .post(reverse("liaison:letter_sign", args=[receipt.pk]))
        .status_code
        == 302
    )
    receipt.refresh_from_db()
    assert receipt.signed_at is None  # the party group reads; its secretary and staff sign


def test_sign_then_sign_again_says_so(world: World) -> None:
    letter = send(world)
    receipt = letter.receipts.get(unit=world.units[0])
    client = _client(world, "unit0_secretary")
    client.post(reverse("liaison:letter_sign", args=[receipt.pk]))
    response = client.post(reverse("liaison:letter_sign", args=[receipt.pk]), follow=True)
    text = response.content.decode()
    assert "已于" in text and "签收" in text


def test_an_answer_with_a_file_and_a_refused_file_keeps_the_text(
    world: World, storage: Any
) -> None:
    letter = send(world)
    receipt = letter.receipts.get(unit=world.units[0])
    client = _client(world, "unit0_staff")
    bad = SimpleUploadedFile("报告.pdf", b"this is no pdf at all", "application/pdf")
    response = client.post(
        reverse("liaison:letter_answer", args=[receipt.pk]),
        {"submission": uuid.uuid4().hex, "text": "我单位已落实。", "attachments": bad},
    )
    assert response.status_code == 400
    assert "我单位已落实。" in response.content.decode()
    receipt.refresh_from_db()
    assert receipt.answered_at is None and receipt.signed_at is None
    good = SimpleUploadedFile("报告.pdf", PDF, "application/pdf")
    response = client.post(
        reverse("liaison:letter_answer", args=[receipt.pk]),
        {"submission": uuid.uuid4().hex, "text": "我单位已落实。", "attachments": good},
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.answer == "我单位已落实。" and receipt.signed_at is not None
    files = Attachment.objects.filter(record_type="liaison.letterreceipt", record_id=receipt.pk)
    assert [f.original_name for f in files] == ["报告.pdf"]
    # The committee sees the answer's file; another unit does not.
    page = _client(world, "staff").get(reverse("liaison:letter_receipts", args=[letter.pk]))
    assert "报告.pdf" in page.content.decode()


def test_each_count_opens_exactly_its_receipts(world: World) -> None:
    letter = send(world, units=world.units)
    receipts = {r.unit_id: r for r in letter.receipts.all()}
    from heli.liaison import letters

    letters.sign(receipts[world.units[0].pk], world.user("unit0_staff"))
    letters.answer(receipts[world.units[2].pk], world.user("unit2_staff"), "好")
    client = _client(world, "staff")
    listing = client.get(reverse("liaison:letter_list"))
    row = listing.context["page"][0]
    assert (row.total, row.signed, row.answered) == (4, 2, 1)
    expected = {"": 4, "signed": 2, "unsigned": 2, "answered": 1, "unanswered": 3}
    for state, n in expected.items():
        page = client.get(reverse("liaison:letter_receipts", args=[letter.pk]), {"state": state})
        assert len(page.context["rows"]) == n, state
        shown = {r["receipt"].unit_id for r in page.context["rows"]}
        if state == "signed":
            assert shown == {world.units[0].pk, world.units[2].pk}


def test_remind_one_and_all_unsigned(world: World) -> None:
    letter = send(world)
    client = _client(world, "staff")
    receipt = letter.receipts.get(unit=world.units[0])
    response = client.post(
        reverse("liaison:letter_remind", args=[letter.pk]), {"receipt": receipt.pk}
    )
    assert response.status_code == 302
    receipt.refresh_from_db()
    assert receipt.reminded_at is not None
    client.post(reverse("liaison:letter_remind", args=[letter.pk]))
    assert LetterReceipt.objects.filter(letter=letter, reminded_at__isnull=False).count() == 2
    assert (
        _client(world, "office")
        .post(reverse("liaison:letter_remind", args=[letter.pk]), {"receipt": "999999"})
        .status_code
        == 404
    )
    assert (
        _client(world, "unit0_staff")
        .post(reverse("liaison:letter_remind", args=[letter.pk]))
        .status_code
        == 404
    )


def test_the_home_card_counts_open_exactly_the_letters(world: World) -> None:
    from heli.liaison import letters

    first = send(world, units=[world.units[2]])
    second = send(world, units=[world.units[2]], answer_by=None)
    letters.sign(second.receipts.get(), world.user("unit2_staff"))
    client = _client(world, "unit2_secretary")
    home = client.get(reverse("home"))
    text = home.content.decode()
    assert 'id="home-letters"' in text
    for key, expected in (("sign", [first.pk]), ("answer", [first.pk])):
        page = client.get(reverse("liaison:letter_list"), {"waiting": key})
        assert [letter.pk for letter in page.context["page"]] == expected, key
    assert 'id="home-letters"' not in _client(world, "staff").get(reverse("home")).content.decode()
