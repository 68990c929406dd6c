"""Downloading and uploading over HTTP: who gets a file, who gets a 404, and the headers."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.files.actions import store_upload
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.lib.downloads import content_disposition as attachment_disposition
from heli.testing import World

ADMINS = ("sysadmin", "secadmin", "auditor")


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def unit_file(world: World, index: int, name: str = "会议纪要.pdf") -> Attachment:
    return store_upload(
        upload(name, samples.PDF),
        committee=world.committee,
        unit=world.units[index],
        by=world.user("staff"),
    )


def download_url(attachment: Attachment | int) -> str:
    return reverse("files:download", args=[getattr(attachment, "pk", attachment)])


# --- Negative cases ------------------------------------------------------------------


def test_another_units_file_is_404(world: World, storage: Path) -> None:
    own, other = unit_file(world, 0), unit_file(world, 2)
    for name in ("unit0_leadership", "unit0_secretary", "unit0_staff"):
        client = client_for(world, name)
        assert client.get(download_url(other)).status_code == 404, name
        assert client.get(download_url(own)).status_code == 200, name
    # The lead unit's secretary sees unit 1 in the registry, but not its files.
    lead_group_file = unit_file(world, 1)
    assert (
        client_for(world, "unit0_secretary").get(download_url(lead_group_file)).status_code == 404
    )
    # A missing id and another unit's id answer alike.
    assert client_for(world, "unit2_staff").get(download_url(own)).status_code == 404
    assert client_for(world, "unit2_staff").get(download_url(999999)).status_code == 404
    denied = AuditEvent.objects.filter(event=events.DOWNLOAD, result=AuditEvent.Result.DENIED)
    assert denied.filter(object_id=str(other.pk), user=world.user("unit0_staff")).exists()


def test_administrators_cannot_download_business_files(world: World, storage: Path) -> None:
    unit = unit_file(world, 0)
    committee_file = store_upload(
        upload("工作要点.docx", samples.docx()),
        committee=world.committee,
        unit=None,
        by=world.user("office"),
    )
    for admin in ADMINS:
        client = client_for(world, admin)
        for attachment in (unit, committee_file):
            assert client.get(download_url(attachment)).status_code == 404, admin
        response = client.post(
            reverse("files:upload"), {"unit": world.units[0].pk, "file": _file("a.pdf")}
        )
        assert response.status_code == 404, admin
    assert not AuditEvent.objects.filter(event=events.DOWNLOAD, result="success").exists()


def test_other_committee_and_roleless_users_get_404(world: World, storage: Path) -> None:
    attachment = unit_file(world, 0)
    for name in ("outsider", "nobody"):
        assert client_for(world, name).get(download_url(attachment)).status_code == 404, name


def test_committee_files_are_for_committee_roles_only(world: World, storage: Path) -> None:
    committee_file = store_upload(
        upload("工作要点.pdf", samples.PDF),
        committee=world.committee,
        unit=None,
        by=world.user("office"),
    )
    for name in ("leader", "staff", "office"):
        assert client_for(world, name).get(download_url(committee_file)).status_code == 200
    for name in ("unit0_staff", "unit0_secretary", "unit2_staff"):
        assert client_for(world, name).get(download_url(committee_file)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(world: World, storage: Path) -> None:
    attachment = unit_file(world, 0)
    response = Client().get(download_url(attachment))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_upload_to_a_unit_the_user_may_not_add_to(world: World, storage: Path) -> None:
    client = client_for(world, "unit0_staff")
    response = client.post(
        reverse("files:upload"), {"unit": world.units[2].pk, "file": _file("a.pdf")}
    )
    assert response.status_code == 404  # cannot see units[2]
    # The lead secretary sees units[1] but adds files to its own unit only.
    response = client_for(world, "unit0_secretary").post(
        reverse("files:upload"), {"unit": world.units[1].pk, "file": _file("a.pdf")}
    )
    assert response.status_code == 403
    # A unit role cannot add committee files, and the leader reads but does not add.
    for name in ("unit0_staff", "leader"):
        response = client_for(world, name).post(reverse("files:upload"), {"file": _file("a.pdf")})
        assert response.status_code == 403, name
    assert not Attachment.objects.exists()


def test_uploads_are_csrf_protected(world: World, storage: Path) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.user("unit0_staff"))
    response = client.post(
        reverse("files:upload"), {"unit": world.units[0].pk, "file": _file("a.pdf")}
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()


# --- Positive cases ------------------------------------------------------------------


def test_download_headers(world: World, storage: Path) -> None:
    attachment = unit_file(world, 0, "第一组 联席会议纪要（2026）.pdf")
    response = client_for(world, "unit0_staff").get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PDF  # type: ignore[attr-defined]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert 'filename="2026.pdf"' in disposition  # the ASCII fallback
    assert "filename*=UTF-8''" + quote("第一组 联席会议纪要（2026）.pdf", safe="") in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]
    assert int(response["Content-Length"]) == len(samples.PDF)
    row = AuditEvent.objects.filter(event=events.DOWNLOAD).latest("id")
    assert row.result == AuditEvent.Result.SUCCESS
    assert row.object_id == str(attachment.pk)
    assert row.user == world.user("unit0_staff")


def test_content_disposition_fallbacks() -> None:
    assert attachment_disposition("report.pdf") == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    assert attachment_disposition("会议纪要.pdf").startswith('attachment; filename="file.pdf";')
    assert attachment_disposition("Résumé v2.docx").startswith(
        'attachment; filename="Resume_v2.docx";'
    )
    # Quotes and semicolons in a name cannot break out of the header.
    header = attachment_disposition('a";b=c.txt')
    assert header.startswith('attachment; filename="a_b_c.txt"; ')
    assert header.count('"') == 2


def test_committee_staff_read_every_units_files(world: World, storage: Path) -> None:
    files = [unit_file(world, i) for i in range(4)]
    for name in ("leader", "staff", "office"):
        client = client_for(world, name)
        for attachment in files:
            assert client.get(download_url(attachment)).status_code == 200, (name, attachment)


def test_upload_end_to_end(world: World, storage: Path) -> None:
    client = client_for(world, "unit0_staff")
    response = client.post(
        reverse("files:upload"),
        {"unit": world.units[0].pk, "file": _file("../../汇报材料.docx", samples.docx())},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.original_name == "汇报材料.docx"
    assert attachment.unit == world.units[0]
    assert attachment.uploaded_by == world.user("unit0_staff")
    assert body["url"] == download_url(attachment)
    assert client.get(body["url"]).status_code == 200
    upload_row = AuditEvent.objects.filter(event=events.UPLOAD).latest("id")
    assert upload_row.object_id == str(attachment.pk)
    assert upload_row.source_ip == "127.0.0.1"


def test_upload_refusal_over_http(world: World, storage: Path) -> None:
    client = client_for(world, "unit0_staff")
    response = client.post(
        reverse("files:upload"),
        {"unit": world.units[0].pk, "file": _file("通知.pdf", samples.HTML)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "active_content"
    assert "通知.pdf" in response.json()["error"]
    row = AuditEvent.objects.filter(event=events.UPLOAD_REFUSED).latest("id")
    assert row.source_ip == "127.0.0.1"
    assert row.detail["unit"] == world.units[0].pk


def test_an_oversized_upload_is_cut_off_before_it_is_stored(
    world: World, storage: Path, settings: Any
) -> None:
    settings.FILE_MAX_BYTES = 64 * 1024
    client = client_for(world, "unit0_staff")
    response = client.post(
        reverse("files:upload"),
        {"unit": world.units[0].pk, "file": _file("大文件.pdf", samples.PDF + b"0" * 300_000)},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_received"
    row = AuditEvent.objects.filter(event=events.UPLOAD_REFUSED).latest("id")
    assert row.detail["reason"] == "not_received"
    assert row.detail["name"] == "大文件.pdf"
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("name", ["unit0_staff", "unit0_secretary", "unit0_leadership"])
def test_unit_roles_add_files_to_their_unit(world: World, storage: Path, name: str) -> None:
    response = client_for(world, name).post(
        reverse("files:upload"), {"unit": world.units[0].pk, "file": _file("a.png", samples.png())}
    )
    assert response.status_code == 201


def test_committee_staff_add_committee_files(world: World, storage: Path) -> None:
    response = client_for(world, "office").post(
        reverse("files:upload"), {"file": _file("要点.pdf")}
    )
    assert response.status_code == 201
    assert Attachment.objects.get().unit is None


def _file(name: str, data: bytes = samples.PDF) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = SimpleUploadedFile("x", data)
    uploaded._name = name  # type: ignore[attr-defined]
    return uploaded
