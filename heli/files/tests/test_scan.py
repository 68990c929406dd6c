"""The virus-scan hook, with a real ClamAV: clamscan on stdin, and clamd over its socket.

No signature download is possible offline, so each test gives ClamAV a database of one
signature of its own: the EICAR test string.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.files.actions import store_upload
from heli.files.models import Attachment
from heli.files.refusals import UploadRefused
from heli.files.tests import samples
from heli.files.tests.conftest import stored_files
from heli.files.tests.samples import EICAR, EICAR_SIGNATURE, upload
from heli.testing import World


def keep(world: World, name: str, data: bytes) -> Attachment:
    return store_upload(
        upload(name, data),
        committee=world.committee,
        unit=world.units[0],
        by=world.user("unit0_staff"),
    )


def refusal(world: World, name: str, data: bytes) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        keep(world, name, data)
    return caught.value


def last_refusal() -> AuditEvent:
    return AuditEvent.objects.filter(event=events.UPLOAD_REFUSED).latest("id")


def test_eicar_is_refused_with_the_hook_on(
    world: World, storage: Path, settings: Any, clamav_db: Path
) -> None:
    settings.CLAMAV_COMMAND = f"clamscan --no-summary --database={clamav_db} -"
    error = refusal(world, "eicar.txt", EICAR)
    assert error.reason == "infected"
    assert EICAR_SIGNATURE in error.messages[0]
    row = last_refusal()
    assert row.detail["reason"] == "infected"
    assert row.detail["signature"].startswith(EICAR_SIGNATURE)
    assert row.detail["name"] == "eicar.txt"
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []
    # The same scanner lets a clean file through, and the upload row says it was scanned.
    attachment = keep(world, "通知.pdf", samples.PDF)
    upload_row = AuditEvent.objects.filter(event=events.UPLOAD).latest("id")
    assert upload_row.detail["scanned"] == "command"
    assert attachment.path.is_file()


def test_eicar_is_refused_by_clamd_over_its_socket(
    world: World, storage: Path, settings: Any, clamd: Path
) -> None:
    settings.CLAMAV_SOCKET = str(clamd)
    assert refusal(world, "eicar.txt", EICAR).reason == "infected"
    assert last_refusal().detail["scanner"] == "clamd"
    # Hidden inside a document part, where a body signature still finds it.
    assert refusal(world, "通知.docx", samples.docx({"word/eicar.xml": EICAR})).reason == "infected"
    keep(world, "说明.txt", "干净的文本".encode())
    assert Attachment.objects.count() == 1


def test_eicar_passes_when_the_hook_is_off_but_is_still_a_txt(world: World, storage: Path) -> None:
    # No scanner configured: the content checks alone judge it, and it is plain ASCII text.
    attachment = keep(world, "eicar.txt", EICAR)
    assert attachment.kind == "txt"
    assert attachment.content_type == "text/plain; charset=utf-8"
    # It still cannot pose as anything else.
    assert refusal(world, "eicar.pdf", EICAR).reason == "content_mismatch"
    assert refusal(world, "eicar.com", EICAR).reason == "extension"


def test_a_scanner_that_cannot_answer_refuses_the_upload(
    world: World, storage: Path, settings: Any, tmp_path: Path
) -> None:
    settings.CLAMAV_COMMAND = str(tmp_path / "no-such-scanner") + " -"
    error = refusal(world, "a.txt", b"hello")
    assert error.reason == "scanner_unavailable"
    assert last_refusal().result == AuditEvent.Result.FAILURE
    # A scanner that runs but fails (clamscan exits 2 on a database it cannot read).
    settings.CLAMAV_COMMAND = f"clamscan --no-summary --database={tmp_path / 'missing'} -"
    assert refusal(world, "b.txt", b"hello").reason == "scanner_unavailable"
    settings.CLAMAV_COMMAND = ""
    settings.CLAMAV_SOCKET = str(tmp_path / "no-clamd.sock")
    assert refusal(world, "c.txt", b"hello").reason == "scanner_unavailable"
    assert not Attachment.objects.exists()
    assert stored_files(storage) == []


def test_a_scanner_that_hangs_is_given_up_on(
    world: World, storage: Path, settings: Any, tmp_path: Path
) -> None:
    script = tmp_path / "slow-scanner"
    script.write_text("#!/bin/sh\nexec sleep 30\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    settings.CLAMAV_COMMAND = str(script)
    settings.CLAMAV_TIMEOUT = 1
    assert refusal(world, "a.txt", b"hello").reason == "scanner_unavailable"
