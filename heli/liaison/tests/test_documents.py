"""The letter and the contact record as Word documents; the committee's own template."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx.shared import RGBColor

from heli.liaison import documents, letters
from heli.liaison.tests.letter_helpers import send
from heli.lib import officialdoc
from heli.testing import World

pytestmark = pytest.mark.django_db


def _client(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_the_letter_prints_in_the_official_layout(world: World) -> None:
    letter = send(world)
    response = _client(world, "unit0_staff").get(reverse("liaison:letter_docx", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    document = officialdoc.open_docx(response.content)
    texts = [p.text for p in document.paragraphs if p.text]
    date = officialdoc.chinese_date(letter.contact.date)
    assert texts == [
        world.committee.name,
        letter.number,
        letter.title,
        "测试单位0党组、测试单位2党组：",
        "请结合本单位实际提出意见。",
        "请于月底前反馈。",
        world.committee.name,
        date,
    ]
    heading = document.paragraphs[0]
    assert heading.runs[0].font.color.rgb == RGBColor(0xFF, 0, 0)
    assert "PAGE" in document.sections[0].footer.paragraphs[0]._p.xml


def test_the_shipped_template_holds_every_placeholder() -> None:
    assert documents.DEFAULT_LETTER_TEMPLATE.is_file()
    assert documents.missing_placeholders(documents.default_letter_template()) == []


def _template(without: str = "") -> bytes:
    doc = officialdoc.OfficialDocument()
    doc.issuer_heading("自定义版头 {{issuer}}")
    for name in officialdoc.LETTER_PLACEHOLDERS[1:]:
        if name != without:
            doc.body([f"{{{{{name}}}}}"])
    return doc.to_bytes()


def test_a_committee_replaces_the_template(world: World, storage: Any) -> None:
    client = _client(world, "staff")
    url = reverse("liaison:letter_template")
    bad = SimpleUploadedFile("模板.docx", _template(without="number"), officialdoc.__name__)
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "{{number}}" in " ".join(response.context["form"].errors["file"])
    assert "缺少占位符" in response.content.decode()
    not_word = SimpleUploadedFile("模板.docx", b"plain text", "application/octet-stream")
    assert client.post(url, {"file": not_word}).status_code == 400
    good = SimpleUploadedFile("我的模板.docx", _template(), "application/octet-stream")
    assert client.post(url, {"file": good}).status_code == 302
    letter = send(world)
    content = client.get(reverse("liaison:letter_docx", args=[letter.pk])).content
    texts = [p.text for p in officialdoc.open_docx(content).paragraphs if p.text]
    assert texts[0] == f"自定义版头 {world.committee.name}" and texts[1] == letter.number
    current = client.get(url, {"download": "current"}).content
    assert "自定义版头" in officialdoc.open_docx(current).paragraphs[0].text
    assert _client(world, "unit0_staff").get(url).status_code == 404
    assert _client(world, "office").get(url).status_code == 200


def test_the_contact_record_as_word(world: World) -> None:
    letter = send(world)
    url = reverse("liaison:contact_docx", args=[letter.contact_id])
    response = _client(world, "leader").get(url)
    assert response.status_code == 200
    document = officialdoc.open_docx(response.content)
    assert document.paragraphs[0].text == letters.issuer_of(world.committee)
    assert "沟通联系记录" in [p.text for p in document.paragraphs]
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert letter.title in cells and "测试单位0、测试单位2" in cells
    for name in ("unit2_staff", "sysadmin", "outsider"):
        assert _client(world, name).get(url).status_code == 404, name


def test_a_hostile_template_is_refused_by_the_upload_checks_before_it_is_opened(
    world: World, storage: Any
) -> None:
    """A compression bomb named .docx never reaches the Word reader: the upload's own
    checks refuse it first, with their message, and nothing is kept."""
    from heli.files.models import Attachment
    from heli.files.tests import samples

    client = _client(world, "staff")
    url = reverse("liaison:letter_template")
    bomb = SimpleUploadedFile("模板.docx", samples.zeros_docx(200), "application/octet-stream")
    response = client.post(url, {"file": bomb})
    assert response.status_code == 400
    assert "解压后的数据量" in " ".join(response.context["form"].errors["file"])
    assert not Attachment.objects.filter(record_type="liaison.liaisonsettings").exists()
