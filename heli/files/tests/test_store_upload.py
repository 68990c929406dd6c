"""store_upload: what it keeps, what it refuses, and that every refusal is audited."""

from __future__ import annotations

import secrets
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.files import actions
from heli.files.actions import clean_name, store_upload
from heli.files.models import Attachment, stored_path
from heli.files.refusals import UploadRefused
from heli.files.tests import samples
from heli.files.tests.conftest import stored_files
from heli.files.tests.samples import upload
from heli.testing import World


def keep(
    world: World, name: str, data: bytes, by: str = "unit0_staff", unit: int = 0
) -> Attachment:
    return store_upload(
        upload(name, data),
        committee=world.committee,
        unit=world.units[unit],
        by=world.user(by),
    )


def refused(world: World, name: str, data: bytes, **kwargs: Any) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        keep(world, name, data, **kwargs)
    return caught.value


def refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=events.UPLOAD_REFUSED).order_by("id"))


# --- Negative cases ------------------------------------------------------------------


def test_html_renamed_pdf_is_refused(world: World, storage: Path) -> None:
    error = refused(world, "会议通知.pdf", samples.HTML)
    assert error.reason == "active_content"
    assert "会议通知.pdf" in error.messages[0]
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_markup_is_refused_whatever_the_extension(world: World, storage: Path) -> None:
    for name, data in (
        ("page.txt", b"hello\n<script>alert(1)</script>\n"),
        ("image.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        ("image.jpg", b"  <html><body>hi</body></html>"),
        ("scan.pdf", b'<?xml version="1.0"?>\n<svg onload="x()"></svg>'),
        ("notes.txt", ("正文" * 40000 + "<iframe src=x>").encode()),  # past the first bytes
    ):
        assert refused(world, name, data).reason == "active_content", name
    assert not Attachment.objects.exists()


def test_content_must_match_the_extension(world: World, storage: Path) -> None:
    for name, data in (
        ("report.pdf", samples.png()),
        ("photo.png", samples.JPEG),
        ("photo.jpg", samples.PDF),
        ("minutes.docx", samples.PDF),
        ("minutes.docx", samples.xlsx()),  # a workbook named as a document
        ("table.xlsx", samples.docx()),
        ("minutes.doc", samples.docx()),
        ("notes.txt", b"binary\x00data"),
        ("notes.txt", b"\x01\x02\x03 control bytes"),
        ("notes.txt", b"\xff\xfe\x00\xd8 not text in any encoding \x80\x00"),
        ("paper.ofd", samples.docx()),
    ):
        assert refused(world, name, data).reason == "content_mismatch", name
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_extensions_off_the_allow_list_are_refused(world: World, storage: Path) -> None:
    for name in (
        "setup.exe",
        "page.html",
        "page.htm",
        "image.svg",
        "archive.zip",
        "data.rar",
        "macro.docm",
        "report.pdf.exe",
        "README",
        "run.sh",
        ".bashrc",
    ):
        error = refused(world, name, samples.PDF)
        assert error.reason == "extension", name
        assert ".pdf" in error.messages[0]  # the message lists what is allowed
    assert not Attachment.objects.exists()


def test_dotdot_in_name_is_neutralised(world: World, storage: Path) -> None:
    attachment = keep(world, "../../../etc/cron.d/会议纪要.txt", "第一组联席会议纪要".encode())
    assert attachment.original_name == "会议纪要.txt"
    assert len(attachment.stored_name) == 32
    int(attachment.stored_name, 16)  # hex only: nothing the client sent reaches the path
    path = attachment.path
    assert path.is_file()
    assert storage in path.parents
    assert path.name == attachment.stored_name
    assert stored_files(storage) == [path]
    for raw, clean in (
        ("..\\..\\windows\\system32\\报告.pdf", "报告.pdf"),
        ("/absolute/path/报告.pdf", "报告.pdf"),
        ("..", "file"),
        ("../", "file"),
        ("...pdf", "pdf"),
        (" .hidden.txt ", "hidden.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),  # a right-to-left override disguising the type
        ("tab\tand\nnewline.txt", "tab and newline.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("report. . .", "report"),
        ("长" * 300 + ".docx", "长" * 195 + ".docx"),
        ("x" * 300, "x" * 200),
        (None, "file"),
    ):
        assert clean_name(raw) == clean, raw
        assert len(clean_name(raw)) <= 200


def test_oversized_file_is_refused(world: World, storage: Path, settings: Any) -> None:
    settings.FILE_MAX_BYTES = 1024
    error = refused(world, "big.pdf", samples.PDF + b"0" * 2000)
    assert error.reason == "too_large"
    assert "big.pdf" in error.messages[0]
    # A client that lies about the size is counted as the bytes arrive.
    lying = upload("lying.pdf", samples.PDF + b"0" * 2000)
    lying.size = 10
    with pytest.raises(UploadRefused) as caught:
        store_upload(lying, committee=world.committee, unit=None, by=world.user("staff"))
    assert caught.value.reason == "too_large"
    assert refused(world, "empty.pdf", b"").reason == "empty"
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_committee_quota_is_enforced(world: World, storage: Path, settings: Any) -> None:
    data = samples.PDF + b"%" * 1000
    settings.FILE_COMMITTEE_QUOTA_BYTES = 2 * len(data) + 10
    keep(world, "one.pdf", data)
    keep(world, "two.pdf", data, by="unit2_staff", unit=2)
    error = refused(world, "three.pdf", data)
    assert error.reason == "quota"
    assert Attachment.objects.filter(committee=world.committee).count() == 2
    # The quota is the committee's: the other committee still has all of its own.
    outsider = world.user("outsider")
    store_upload(
        upload("outside.pdf", data), committee=world.other_committee, unit=None, by=outsider
    )
    assert len(stored_files(storage)) == 3


def test_quota_is_checked_again_when_the_file_is_kept(
    world: World, storage: Path, settings: Any
) -> None:
    data = samples.PDF + b"%" * 1000
    settings.FILE_COMMITTEE_QUOTA_BYTES = len(data) + 10
    # Two uploads checked side by side; only the first one to be kept still fits.
    first = actions.check_upload(
        upload("a.pdf", data), committee=world.committee, unit=None, by=world.user("staff")
    )
    second = actions.check_upload(
        upload("b.pdf", data), committee=world.committee, unit=None, by=world.user("staff")
    )
    actions.keep_upload(first)
    with pytest.raises(UploadRefused) as caught:
        actions.keep_upload(second)
    assert caught.value.reason == "quota"
    assert not second.temp_path.exists()
    assert [r.detail["name"] for r in refusals()] == ["b.pdf"]
    assert len(stored_files(storage)) == 1


def test_zip_bomb_is_refused(world: World, storage: Path) -> None:
    # 200 MiB of zeros packs into about 200 KB: more than a document may unpack to.
    bomb = samples.zeros_docx(200)
    assert len(bomb) < 1024 * 1024
    error = refused(world, "年度总结.docx", bomb)
    assert error.reason == "zip_bomb"
    assert "年度总结.docx" in error.messages[0]
    assert refusals()[-1].detail["limit"] == "uncompressed"
    # Half of it would fit the total, but no document part packs a thousand to one.
    assert refused(world, "年度总结.docx", samples.zeros_docx(100)).reason == "zip_bomb"
    assert refusals()[-1].detail["limit"] == "ratio"
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_zip_limits_on_size_entries_nesting_and_paths(
    world: World, storage: Path, settings: Any
) -> None:
    settings.FILE_ZIP_MAX_UNCOMPRESSED_BYTES = 3 * 1024 * 1024
    too_much = samples.docx(
        {f"word/media/image{i}.bin": bytes(range(256)) * 4096 for i in range(4)}
    )
    assert refused(world, "a.docx", too_much).reason == "zip_bomb"
    settings.FILE_ZIP_MAX_ENTRIES = 10
    many = samples.docx({f"word/part{i}.xml": b"<p/>" for i in range(20)})
    assert refused(world, "b.docx", many).reason == "zip_bomb"
    settings.FILE_ZIP_MAX_ENTRIES = 2000
    nested_by_name = samples.docx({"word/media/inner.zip": samples.zip_bytes({"a.txt": b"a"})})
    assert refused(world, "c.docx", nested_by_name).reason == "nested_archive"
    nested_by_magic = samples.docx({"word/media/image1.png": samples.zip_bytes({"a": b"a"})})
    assert refused(world, "d.docx", nested_by_magic).reason == "nested_archive"
    traversal = samples.docx({"../../evil.sh": b"#!/bin/sh\n"})
    assert refused(world, "e.docx", traversal).reason == "archive_path"
    absolute = samples.docx({"/etc/passwd": b"root"})
    assert refused(world, "f.docx", absolute).reason == "archive_path"
    assert refused(world, "g.docx", samples.docx()[:-30]).reason == "corrupt"
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_a_header_that_understates_an_entry_is_caught(world: World, storage: Path) -> None:
    # Declared sizes are the attacker's word; the unpacked bytes are counted (and CRC-checked).
    data = bytearray(samples.docx({"word/media/a.bin": b"A" * 5000}))
    central = data.rfind(b"word/media/a.bin") - 46  # the central directory entry
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")  # claims 100 bytes
    error = refused(world, "h.docx", bytes(data))
    assert error.reason in ("corrupt", "zip_bomb")


def test_macros_and_passwords_are_refused(world: World, storage: Path) -> None:
    with_vba = samples.docx({"word/vbaProject.bin": samples.OLE2})
    assert refused(world, "macro.docx", with_vba).reason == "macro"
    docm = samples.zip_bytes(
        {
            "[Content_Types].xml": samples.CONTENT_TYPES.replace(
                b"document.main+xml", b"document.macroEnabled.main+xml"
            ),
            "word/document.xml": samples.DOCUMENT,
        }
    )
    assert refused(world, "renamed.docx", docm).reason == "macro"
    ole_with_vba = samples.OLE2 + "_VBA_PROJECT".encode("utf-16-le")
    assert refused(world, "old.doc", ole_with_vba).reason == "macro"
    encrypted = samples.OLE2 + "EncryptedPackage".encode("utf-16-le")
    assert refused(world, "secret.docx", encrypted).reason == "encrypted"
    assert not Attachment.objects.exists()


def test_each_refusal_is_audited(world: World, storage: Path, settings: Any) -> None:
    settings.FILE_MAX_BYTES = 300 * 1024
    cases = {
        "extension": ("run.exe", samples.PDF),
        "empty": ("empty.pdf", b""),
        "too_large": ("huge.pdf", samples.PDF + b"0" * 400 * 1024),
        "active_content": ("page.pdf", samples.HTML),
        "content_mismatch": ("fake.png", samples.PDF),
        "zip_bomb": ("bomb.docx", samples.zeros_docx(50)),
        "nested_archive": ("n.docx", samples.docx({"x/inner.7z": b"7z\xbc\xaf\x27\x1c"})),
        "archive_path": ("p.docx", samples.docx({"../x": b"x"})),
        "macro": ("m.docx", samples.docx({"word/vbaProject.bin": b"x"})),
    }
    for reason, (name, data) in cases.items():
        assert refused(world, f"../{name}", data).reason == reason
    rows = refusals()
    assert [r.detail["reason"] for r in rows] == list(cases)
    for row, (name, _data) in zip(rows, cases.values(), strict=True):
        assert row.detail["name"] == name  # the sanitised name
        assert row.object_repr == name
        assert row.user == world.user("unit0_staff")
        assert row.committee_id == world.committee.pk
        assert row.result == AuditEvent.Result.DENIED
        assert row.detail["unit"] == world.units[0].pk
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_the_quota_is_checked_before_any_transaction_of_the_caller(
    world: World, storage: Path, settings: Any
) -> None:
    # Callers check before their transaction and keep inside it, so a refusal's audit row
    # is written outside anything that rolls back.
    settings.FILE_COMMITTEE_QUOTA_BYTES = 10
    with pytest.raises(UploadRefused):
        actions.check_upload(
            upload("x.pdf", samples.PDF),
            committee=world.committee,
            unit=None,
            by=world.user("staff"),
        )
    assert [r.detail["reason"] for r in refusals()] == ["quota"]
    assert stored_files(storage) == []


def test_failed_db_write_leaves_no_file(
    world: World, storage: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = keep(world, "first.txt", b"first")
    # A row that claims a stored name whose file is not there: the next upload is made to
    # draw that same name, so the database refuses the insert (unique committee + name).
    ghost_name = "ab" * 16
    Attachment.objects.create(
        committee=world.committee,
        uploaded_by=world.user("staff"),
        original_name="ghost.txt",
        stored_name=ghost_name,
        size=1,
        sha256="0" * 64,
        kind="txt",
        content_type="text/plain",
    )
    monkeypatch.setattr(secrets, "token_hex", lambda n: ghost_name)
    with pytest.raises(IntegrityError):
        keep(world, "second.txt", b"second")
    assert Attachment.objects.count() == 2
    assert not Attachment.objects.filter(original_name="second.txt").exists()
    assert stored_files(storage) == [first.path]  # no copy, no temporary file left
    assert not stored_path(ghost_name).exists()


def test_files_are_kept_with_the_type_their_bytes_show(world: World, storage: Path) -> None:
    chart = samples.zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}
    )
    for name, data, kind, content_type in (
        ("通知.pdf", samples.PDF, "pdf", "application/pdf"),
        ("照片.JPG", samples.JPEG, "jpeg", "image/jpeg"),
        ("照片.png", samples.png(4, 4), "png", "image/png"),
        (
            "纪要.docx",
            samples.docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "带图表.docx",
            samples.docx({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": chart}),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "表.xlsx",
            samples.xlsx(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("旧.doc", samples.OLE2, "doc", "application/msword"),
        ("旧.wps", samples.OLE2, "wps", "application/octet-stream"),
        (
            "版式.ofd",
            samples.zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<d/>"}),
            "ofd",
            "application/ofd",
        ),
        ("说明.txt", "第一组\r\n联席会议".encode(), "txt", "text/plain; charset=utf-8"),
        ("记事本.txt", "第一组联席会议".encode("gb18030"), "txt", "text/plain; charset=gb18030"),
    ):
        attachment = keep(world, name, data)
        assert (attachment.kind, attachment.content_type) == (kind, content_type), name
        assert attachment.path.read_bytes() == data
        assert attachment.size == len(data)
        assert attachment.original_name == name
    uploads = AuditEvent.objects.filter(event=events.UPLOAD)
    assert uploads.count() == Attachment.objects.count() == 11
    assert uploads.order_by("id")[0].detail["sha256"] == Attachment.objects.order_by("id")[0].sha256


def test_zip_with_lying_sizes_is_read_in_full(tmp_path: Path) -> None:
    # Sanity check of the sample above: zipfile notices the understated size.
    data = bytearray(samples.docx({"word/media/a.bin": b"A" * 5000}))
    central = data.rfind(b"word/media/a.bin") - 46
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    path = tmp_path / "x.zip"
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("word/media/a.bin").file_size == 100


def test_sweep_removes_only_old_files_no_row_points_to(world: World, storage: Path) -> None:
    import datetime
    import io
    import os
    import time

    from django.core.management import call_command

    kept = keep(world, "kept.txt", b"kept")
    orphan = stored_path("cd" * 16)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left behind by a rolled-back transaction")
    young_orphan = stored_path("ef" * 16)
    young_orphan.parent.mkdir(parents=True)
    young_orphan.write_bytes(b"its transaction may still be open")
    stale_temp = storage / actions.TEMP_DIR / "x.part"
    stale_temp.write_bytes(b"half an upload")
    day_ago = time.time() - 2 * 86400
    for path in (kept.path, orphan, stale_temp):
        os.utime(path, (day_ago, day_ago))
    dry = actions.sweep_orphans(grace=datetime.timedelta(hours=24), dry_run=True)
    assert (dry.orphans, dry.stale_temps) == ([orphan], [stale_temp])
    assert orphan.exists()
    out = io.StringIO()
    call_command("files_sweep", stdout=out)
    assert "1 orphaned file(s), 1 temporary file(s)" in out.getvalue()
    assert stored_files(storage) == sorted([kept.path, young_orphan])
