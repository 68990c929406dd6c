"""Backup and restore: the demonstration data and its files, out and back in.

The end-to-end test restores into a second installation made for it (a fresh SQLite
file, or a fresh PostgreSQL database when the suite runs on PostgreSQL) by running
``manage.py migrate`` and ``manage.py restore`` in a subprocess, as an operator would.
The other tests restore into the test database itself, which each test starts empty.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from heli.audit import events
from heli.audit.chain import verify
from heli.audit.models import AuditEvent
from heli.backup.archive import (
    BackupError,
    _manifest_mac,
    create_backup,
    dumped_models,
    restore_backup,
)
from heli.backup.tests.conftest import DemoBackup, files_under
from heli.files.actions import store_upload
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.org.models import Committee, Unit
from heli.testing import make_user

ROOT = Path(settings.BASE_DIR)


# --- Helpers -------------------------------------------------------------------------


def rewrite(
    archive: Path, out: Path, change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]
) -> Path:
    """A copy of ``archive`` with its members changed by ``change`` (in place, in a list)."""
    members: list[tuple[tarfile.TarInfo, bytes]] = []
    with tarfile.open(archive, "r:gz") as tar:
        for info in tar.getmembers():
            f = tar.extractfile(info)
            members.append((info, f.read() if f else b""))
    change(members)
    with tarfile.open(out, "w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def member(members: list[tuple[tarfile.TarInfo, bytes]], prefix: str) -> int:
    return next(i for i, (info, _d) in enumerate(members) if info.name.startswith(prefix))


def resign(manifest: dict[str, Any]) -> bytes:
    manifest["mac"] = _manifest_mac(manifest)
    return json.dumps(manifest).encode()


def nothing_restored(storage: Path) -> None:
    for model in dumped_models():
        assert not model._base_manager.exists(), model
    assert files_under(storage) == {}
    leftovers = [p for p in storage.parent.iterdir() if "restore" in p.name]
    assert leftovers == []  # the staging folder is gone too


@contextmanager
def second_installation(
    tmp_path: Path,
) -> Iterator[tuple[dict[str, str], Callable[[str], list[Any]]]]:
    """An empty, migrated installation beside the test's: its environment and a query function."""
    env = {**os.environ, "FILE_STORAGE_ROOT": str(tmp_path / "second-files")}
    if connection.vendor == "postgresql":
        import psycopg

        params = connection.settings_dict
        name = f"heli_restore_{uuid.uuid4().hex[:12]}"
        conninfo: dict[str, Any] = {
            "host": params["HOST"] or "127.0.0.1",
            "port": params["PORT"] or 5432,
            "user": params["USER"] or "postgres",
            "password": params["PASSWORD"] or None,
        }
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = (
            f"postgres://{conninfo['user']}@{conninfo['host']}:{conninfo['port']}/{name}"
        )

        def query(sql: str) -> list[Any]:
            with psycopg.connect(dbname=name, **conninfo) as db:
                return list(db.execute(sql).fetchall())

        try:
            run(["migrate", "-v", "0"], env)
            yield env, query
        finally:
            with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        database = tmp_path / "second.sqlite3"
        env.update(DATABASE_URL="", SQLITE_PATH=str(database))

        def query(sql: str) -> list[Any]:
            with sqlite3.connect(database) as db:
                return list(db.execute(sql).fetchall())

        run(["migrate", "-v", "0"], env)
        yield env, query


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


# --- End to end ----------------------------------------------------------------------


@pytest.mark.django_db
def test_demo_data_restores_into_a_second_installation(
    demo_backup: DemoBackup, tmp_path: Path
) -> None:
    manifest = demo_backup.result.manifest
    assert {m["label"]: m["rows"] for m in manifest["models"]} == demo_backup.counts
    assert manifest["source_vendor"] == connection.vendor
    assert demo_backup.counts["org.unit"] > 100  # the demonstration committee, not a toy
    with second_installation(tmp_path) as (env, query):
        done = run(["restore", str(demo_backup.archive)], env)
        assert "恢复完成" in done.stdout
        # Every model's rows, counted in the second database.
        restored = {
            m._meta.label_lower: query(f'SELECT count(*) FROM "{m._meta.db_table}"')[0][0]  # noqa: S608
            for m in dumped_models()
        }
        expected = dict(demo_backup.counts)
        expected["audit.auditevent"] += 1  # the restore's own event, after the chain
        assert restored == expected
        # The audit chain came back row for row and goes on after the restore.
        macs = [r[0] for r in query('SELECT mac FROM "audit_auditevent" ORDER BY id')]
        assert macs[:-1] == demo_backup.audit_macs
        last = query('SELECT event, prev_mac FROM "audit_auditevent" ORDER BY id DESC LIMIT 1')
        assert last[0] == (events.RESTORE, demo_backup.audit_macs[-1])
        run(["audit_verify"], env)
        # Every file, byte for byte, where the rows say it is.
        assert files_under(Path(env["FILE_STORAGE_ROOT"])) == demo_backup.files
        stored = {r[0]: r[1] for r in query('SELECT stored_name, sha256 FROM "files_attachment"')}
        assert stored == demo_backup.files
        # Encrypted fields were sealed again for the new installation and still read back.
        check = run(
            [
                "shell",
                "-c",
                "from heli.accounts.models import User; "
                "import json; print(json.dumps({u.username: u.phone for u in User.objects.all() "
                "if u.phone}))",
            ],
            env,
        )
        assert json.loads(check.stdout.strip().splitlines()[-1]) == demo_backup.phones


# --- Restoring into the test database ------------------------------------------------


@pytest.mark.django_db
def test_restore_into_an_empty_installation(demo_backup: DemoBackup, target_storage: Path) -> None:
    nothing_restored(target_storage)
    result = restore_backup(demo_backup.archive)
    assert result.files == 3
    counts = {m._meta.label_lower: m._base_manager.count() for m in dumped_models()}
    expected = dict(demo_backup.counts)
    expected["audit.auditevent"] += 1
    assert counts == expected
    assert files_under(target_storage) == demo_backup.files
    for attachment in Attachment.objects.all():
        assert attachment.path.is_file()
    report = verify()
    assert report.ok, report.problem
    restore_row = AuditEvent.objects.latest("pk")
    assert restore_row.event == events.RESTORE
    assert restore_row.prev_mac == demo_backup.audit_macs[-1]
    assert restore_row.detail["rows"] == result.rows
    # New rows get new ids after the restored ones (PostgreSQL's sequences were reset).
    committee = Committee.objects.get()
    highest = Unit.objects.order_by("-pk").values_list("pk", flat=True)[0]
    unit = Unit.objects.create(committee=committee, name="新设单位")
    assert unit.pk > highest
    user = make_user(committee, "after-restore")
    store_upload(upload("恢复后.pdf", samples.PDF), committee=committee, unit=unit, by=user)
    assert verify().ok


@pytest.mark.django_db
def test_restore_refuses_a_non_empty_installation(
    demo_backup: DemoBackup, target_storage: Path, world: Any
) -> None:
    before = {m._meta.label_lower: m._base_manager.count() for m in dumped_models()}
    with pytest.raises(BackupError) as caught:
        restore_backup(demo_backup.archive)
    assert "只能恢复到一个空的新系统" in str(caught.value)
    assert {m._meta.label_lower: m._base_manager.count() for m in dumped_models()} == before
    assert files_under(target_storage) == {}
    # Through the command too, with the same message.
    with pytest.raises(CommandError, match="只能恢复到一个空的新系统"):
        call_command("restore", str(demo_backup.archive))


@pytest.mark.django_db
def test_restore_refuses_a_file_storage_that_holds_files(
    demo_backup: DemoBackup, target_storage: Path
) -> None:
    target_storage.mkdir(parents=True)
    (target_storage / "left-over.bin").write_bytes(b"x")
    with pytest.raises(BackupError, match="上传文件目录"):
        restore_backup(demo_backup.archive)
    assert not Committee.objects.exists()


TAMPERINGS: dict[str, Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]] = {}


def tampering(function: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> Any:
    TAMPERINGS[function.__name__] = function
    return function


@tampering
def a_row_changed(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    i = member(members, "db/org.unit")
    info, data = members[i]
    changed = data.replace(b'"name": "', b'"name": "X', 1)
    assert changed != data
    members[i] = (info, changed)


@tampering
def an_audit_row_dropped(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    i = member(members, "db/audit.auditevent")
    info, data = members[i]
    members[i] = (info, b"".join(data.splitlines(keepends=True)[1:]))


@tampering
def a_file_changed(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    i = member(members, "files/")
    info, data = members[i]
    members[i] = (info, data + b"<script>")


@tampering
def a_file_removed(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    del members[member(members, "files/")]


@tampering
def a_member_added(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members.append((tarfile.TarInfo("../../etc/cron.d/evil"), b"* * * * * root sh\n"))


@tampering
def the_row_counts_edited(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    info, data = members[0]
    manifest = json.loads(data)
    manifest["models"][0]["rows"] += 1
    members[0] = (info, json.dumps(manifest).encode())


@tampering
def hashes_recomputed_without_the_key(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    import hashlib

    i = member(members, "db/org.unit")
    info, data = members[i]
    data = data.replace(b'"name": "', b'"name": "X', 1)
    members[i] = (info, data)
    manifest = json.loads(members[0][1])
    for entry in manifest["models"]:
        if entry["file"] == info.name:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
    members[0] = (members[0][0], json.dumps(manifest).encode())


@tampering
def the_manifest_moved_to_the_end(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members.append(members.pop(0))


@pytest.mark.django_db
@pytest.mark.parametrize("how", list(TAMPERINGS))
def test_restore_refuses_a_tampered_archive_and_writes_nothing(
    demo_backup: DemoBackup, target_storage: Path, tmp_path: Path, how: str
) -> None:
    tampered = rewrite(demo_backup.archive, tmp_path / "tampered.tar.gz", TAMPERINGS[how])
    with pytest.raises(BackupError) as caught:
        restore_backup(tampered)
    message = str(caught.value)
    assert "没有恢复任何数据" in message
    nothing_restored(target_storage)


@pytest.mark.django_db
def test_restore_refuses_a_truncated_archive(
    demo_backup: DemoBackup, target_storage: Path, tmp_path: Path
) -> None:
    data = demo_backup.archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(BackupError, match="没有恢复任何数据"):
        restore_backup(cut)
    not_gzip = tmp_path / "plain.tar.gz"
    not_gzip.write_bytes(gzip.decompress(data)[:1000])
    with pytest.raises(BackupError, match="没有恢复任何数据"):
        restore_backup(not_gzip)
    nothing_restored(target_storage)


@pytest.mark.django_db
def test_restore_refuses_an_archive_signed_with_another_key(
    demo_backup: DemoBackup, target_storage: Path, settings: Any
) -> None:
    settings.AUDIT_HMAC_KEY = "another-installation-key"
    with pytest.raises(BackupError, match="AUDIT_HMAC_KEY"):
        restore_backup(demo_backup.archive)
    nothing_restored(target_storage)


@pytest.mark.django_db
def test_restore_refuses_a_backup_of_another_schema(
    demo_backup: DemoBackup, target_storage: Path, tmp_path: Path
) -> None:
    def newer(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        manifest = json.loads(members[0][1])
        manifest["migrations"]["org"].append("9999_from_the_future")
        members[0] = (members[0][0], resign(manifest))

    with pytest.raises(BackupError, match="迁移不一致"):
        restore_backup(rewrite(demo_backup.archive, tmp_path / "newer.tar.gz", newer))
    nothing_restored(target_storage)


# --- Backing up ----------------------------------------------------------------------


def test_the_archive_holds_a_manifest_the_dump_and_the_files(demo_backup: DemoBackup) -> None:
    with tarfile.open(demo_backup.archive, "r:gz") as tar:
        names = tar.getnames()
        modes = {info.mode for info in tar.getmembers()}
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "manifest.json"
    assert modes == {0o600}
    assert {f"files/{n[:2]}/{n[2:4]}/{n}" for n in demo_backup.files} <= set(names)
    labels = {m["label"] for m in manifest["models"]}
    assert {"org.unit", "accounts.user", "audit.auditevent", "files.attachment"} <= labels
    assert not labels & {"contenttypes.contenttype", "auth.permission", "sessions.session"}
    assert not any(label.startswith("axes.") for label in labels)
    for key in ("heli_version", "created_at", "source_vendor", "migrations", "database_sha256"):
        assert manifest[key], key
    assert manifest["audit_chain"]["ok"] is True
    assert oct(demo_backup.archive.stat().st_mode & 0o777) == "0o600"


@pytest.mark.django_db
def test_backup_is_audited(world: Any, storage: Path, tmp_path: Path) -> None:
    call_command("backup", output=str(tmp_path) + os.sep, stdout=io.StringIO())
    row = AuditEvent.objects.latest("pk")
    assert row.event == events.BACKUP
    assert row.result == AuditEvent.Result.SUCCESS
    assert row.detail["archive"].startswith("heli-backup-")
    assert (tmp_path / row.detail["archive"]).is_file()


@pytest.mark.django_db
def test_backup_stops_when_a_stored_file_is_missing_or_damaged(
    world: Any, storage: Path, tmp_path: Path
) -> None:
    attachment = store_upload(
        upload("a.pdf", samples.PDF), committee=world.committee, unit=None, by=world.user("staff")
    )
    attachment.path.write_bytes(samples.PDF + b"changed")
    with pytest.raises(BackupError, match="SHA-256"):
        create_backup(tmp_path / "a.tar.gz")
    attachment.path.unlink()
    with pytest.raises(BackupError, match="找不到"):
        create_backup(tmp_path / "b.tar.gz")
    assert not list(tmp_path.glob("*.tar.gz"))
    failures = AuditEvent.objects.filter(event=events.BACKUP, result=AuditEvent.Result.FAILURE)
    assert failures.count() == 2
