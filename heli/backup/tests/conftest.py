from __future__ import annotations

import contextlib
import hashlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from heli.accounts.models import User
from heli.audit.models import AuditEvent
from heli.backup.archive import BackupResult, create_backup, dumped_models
from heli.files.actions import store_upload
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.org.demo import load_demo
from heli.org.models import Committee, Unit


@dataclass
class DemoBackup:
    """A backup of the demonstration committee with a few files, made and rolled back."""

    archive: Path
    result: BackupResult
    counts: dict[str, int]  # rows per model at the time of the backup
    files: dict[str, str]  # stored name -> SHA-256
    audit_macs: list[str]  # the audit chain at the time of the backup
    phones: dict[str, str] = field(default_factory=dict)


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def demo_backup(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoBackup]:
    """Built once per module in a transaction that is then rolled back, so each test
    starts from an empty database (the installation a restore expects) and the archive."""
    folder = tmp_path_factory.mktemp("demo-backup")
    source_files = folder / "source-files"
    made: DemoBackup | None = None
    with (
        django_db_blocker.unblock(),
        override_settings(FILE_STORAGE_ROOT=source_files, CLAMAV_SOCKET="", CLAMAV_COMMAND=""),
        contextlib.suppress(_Rollback),
        transaction.atomic(),
    ):
        load_demo()
        committee = Committee.objects.get()
        units = list(Unit.objects.filter(committee=committee)[:2])
        staff = User.objects.filter(committee=committee).order_by("pk")
        by = staff[0]
        phones = {}
        for user in staff[:3]:
            user.phone = f"1380000{user.pk:04d}"
            user.save(update_fields=["phone"])
            phones[user.username] = user.phone
        kept = [
            store_upload(
                upload("第一组联席会议纪要.pdf", samples.PDF),
                committee=committee,
                unit=units[0],
                by=by,
            ),
            store_upload(
                upload("工作要点.docx", samples.docx()), committee=committee, unit=None, by=by
            ),
            store_upload(
                upload("现场照片.png", samples.png(8, 8)), committee=committee, unit=units[1], by=by
            ),
        ]
        counts = {m._meta.label_lower: m._base_manager.count() for m in dumped_models()}
        macs = list(AuditEvent.objects.order_by("pk").values_list("mac", flat=True))
        result = create_backup(folder / "heli.tar.gz")
        files = {a.stored_name: hashlib.sha256(a.path.read_bytes()).hexdigest() for a in kept}
        made = DemoBackup(result.path, result, counts, files, macs, phones)
        raise _Rollback
    shutil.rmtree(source_files)
    assert made is not None
    yield made


@pytest.fixture
def target_storage(settings: Any, tmp_path: Path) -> Path:
    """The empty file storage of the installation being restored into."""
    root = tmp_path / "restored-files"
    settings.FILE_STORAGE_ROOT = root
    settings.CLAMAV_SOCKET = ""
    settings.CLAMAV_COMMAND = ""
    return root


def files_under(root: Path) -> dict[str, str]:
    """Stored name -> SHA-256 of every file under ``root``."""
    if not root.exists():
        return {}
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }
