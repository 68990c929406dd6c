"""Backing up the database and the uploaded files into one archive, and restoring it.

The archive is a ``.tar.gz`` of:

* ``manifest.json`` first: format, Heli and Django versions, the source database
  vendor, the applied migrations per app, row counts and the SHA-256 of every member,
  and an HMAC-SM3 over all of that keyed from ``AUDIT_HMAC_KEY``;
* ``db/<app>.<model>.jsonl``: every row of every model (Django's ``python``
  serialisation, one JSON object a line), parents before children. Database
  independent: a SQLite backup restores into PostgreSQL and back. Content types and
  permissions are not dumped (``migrate`` makes them); references to them are written
  by natural key. Sessions and django-axes' attempt logs are left out;
* ``files/<xx>/<yy>/<stored name>``: the uploaded files that the dumped attachment
  rows point to.

Audit rows are written and read back field for field (microseconds and all) and
inserted, never updated, so the restored HMAC chain verifies; a restore then appends
its own ``restore`` event after the restored chain.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
import tomllib
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.files.models import Attachment, stored_path
from heli.lib.sm import hmac_sm3

FORMAT = "heli-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
BATCH = 500
# Made by ``migrate`` in every installation; rows elsewhere point at them by natural key.
BY_NATURAL_KEY: tuple[type[models.Model], ...] = (ContentType, Permission)
# Not worth keeping: sign-in sessions and the lockout module's attempt logs.
EXCLUDED_APPS = frozenset({"contenttypes", "sessions", "axes"})
EXCLUDED_MODELS = frozenset({"auth.permission"})
_DB_MEMBER = re.compile(r"db/[a-z0-9_]+\.[a-z0-9_]+\.jsonl")
_FILE_MEMBER = re.compile(r"files/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}")


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return sum(m["rows"] for m in self.manifest["models"])


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    rows: int = 0
    files: int = 0
    notes: list[str] = field(default_factory=list)


# --- What is dumped, in what order -----------------------------------------------------


def dumped_models() -> list[type[models.Model]]:
    """Every concrete model Heli keeps, parents before the rows that point at them."""
    chosen = [
        m
        for m in apps.get_models()
        if m._meta.managed
        and not m._meta.proxy
        and m._meta.app_label not in EXCLUDED_APPS
        and m._meta.label_lower not in EXCLUDED_MODELS
    ]
    chosen.sort(key=lambda m: m._meta.label_lower)
    ordered: list[type[models.Model]] = []
    placed: set[type[models.Model]] = set()
    visiting: set[type[models.Model]] = set()

    def place(model: type[models.Model]) -> None:
        if model in placed or model in visiting:
            return  # a cycle: constraints are deferred to the commit, so any order loads
        visiting.add(model)
        for f in model._meta.concrete_fields:
            target = f.related_model if f.is_relation else None
            if isinstance(target, type) and target in chosen and target is not model:
                place(target)
        visiting.discard(model)
        placed.add(model)
        ordered.append(model)

    for model in chosen:
        place(model)
    return ordered


def _m2m_fields(model: type[models.Model]) -> list[models.ManyToManyField[Any, Any]]:
    return [
        f
        for f in model._meta.local_many_to_many
        if f.remote_field.through._meta.auto_created  # type: ignore[union-attr]
    ]


class _Serializer(PythonSerializer):
    """Django's python serialiser, using natural keys only towards content types and
    permissions (which each installation makes for itself); plain ids everywhere else,
    so rows whose referent is gone (audit rows of a removed user) still dump."""

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model in BY_NATURAL_KEY
        super().handle_fk_field(obj, field)

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        self.use_natural_foreign_keys = field.remote_field.model in BY_NATURAL_KEY
        super().handle_m2m_field(obj, field)


def _json_default(value: Any) -> Any:
    # Full precision: DjangoJSONEncoder cuts microseconds, which the audit MACs cover.
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} to a backup")


def _dump_model(model: type[models.Model], out: IO[bytes]) -> tuple[int, dict[str, int], str]:
    """Write the model's rows as JSON lines; return the count, the m2m counts, the hash."""
    digest = hashlib.sha256()
    queryset = model._base_manager.order_by("pk")
    m2m = _m2m_fields(model)
    if m2m:
        queryset = queryset.prefetch_related(*(f.name for f in m2m))
    rows = 0
    links: dict[str, int] = {f.name: 0 for f in m2m}
    iterator = queryset.iterator(chunk_size=2000)
    while chunk := list(islice(iterator, 2000)):
        for item in _Serializer().serialize(chunk):
            line = json.dumps(item, ensure_ascii=False, default=_json_default).encode() + b"\n"
            digest.update(line)
            out.write(line)
            rows += 1
            for f in m2m:
                links[f.name] += len(item["fields"].get(f.name, []))
    return rows, links, digest.hexdigest()


# --- Backup --------------------------------------------------------------------------


def heli_version() -> str:
    try:
        with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as f:
            return str(tomllib.load(f)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = defaultdict(list)
    for app_label, name in MigrationRecorder(connection).applied_migrations():
        applied[app_label].append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _manifest_key() -> bytes:
    return hmac_sm3(settings.AUDIT_HMAC_KEY.encode(), b"heli-backup-manifest")


def _manifest_mac(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "mac"}
    canonical = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    return hmac_sm3(_manifest_key(), canonical).hex()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def archive_path_for(output: Path) -> Path:
    """``output`` itself, or a dated name inside it when it is a folder."""
    if output.is_dir() or str(output).endswith(os.sep):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return output / f"heli-backup-{stamp}.tar.gz"
    return output


def create_backup(output: Path) -> BackupResult:
    """Write one archive of the database and the uploaded files; audited."""
    target = archive_path_for(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = _create_backup(target)
    except Exception as e:
        record(
            events.BACKUP,
            result=AuditEvent.Result.FAILURE,
            detail={"archive": target.name, "error": str(e)[:300]},
        )
        raise
    record(
        events.BACKUP,
        detail={
            "archive": target.name,
            "rows": result.rows,
            "files": len(result.manifest["files"]),
            "manifest_mac": result.manifest["mac"],
        },
    )
    return result


def _create_backup(target: Path) -> BackupResult:
    with tempfile.TemporaryDirectory(prefix=".heli-backup-", dir=target.parent) as work:
        work_dir = Path(work)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "heli_version": heli_version(),
            "django_version": django.get_version(),
            "source_vendor": connection.vendor,
            "migrations": {},
            "models": [],
            "files": [],
        }
        stored: list[tuple[str, int, str]] = []
        database_digest = hashlib.sha256()
        # One snapshot for every table: rows that point at each other stay consistent.
        fresh = not connection.in_atomic_block
        with transaction.atomic():
            if fresh and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            manifest["migrations"] = applied_migrations()
            for model in dumped_models():
                label = model._meta.label_lower
                member = f"db/{label}.jsonl"
                with (work_dir / f"{label}.jsonl").open("wb") as out:
                    rows, links, sha256 = _dump_model(model, out)
                database_digest.update(f"{label} {sha256}\n".encode())
                manifest["models"].append(
                    {
                        "label": label,
                        "file": member,
                        "rows": rows,
                        "m2m": links,
                        "size": (work_dir / f"{label}.jsonl").stat().st_size,
                        "sha256": sha256,
                    }
                )
            stored = list(
                Attachment.objects.order_by("pk").values_list("stored_name", "size", "sha256")
            )
            manifest["audit_chain"] = _audit_chain_state()
        manifest["database_sha256"] = database_digest.hexdigest()
        missing = []
        for stored_name, size, recorded in stored:
            path = stored_path(stored_name)
            if not path.is_file():
                missing.append(stored_name)
                continue
            sha256 = _sha256_file(path)
            if sha256 != recorded or path.stat().st_size != size:
                raise BackupError(
                    f"上传文件 {stored_name} 的内容与数据库里记录的 SHA-256 不符，文件可能已损坏。"
                    "备份已停止，请先查明原因。"
                    f" / The stored file {stored_name} does not match its recorded SHA-256."
                )
            manifest["files"].append(
                {"path": _file_member(stored_name), "size": size, "sha256": sha256}
            )
        if missing:
            raise BackupError(
                f"有 {len(missing)} 个上传文件在存储目录 {settings.FILE_STORAGE_ROOT} 里找不到"
                f"（例如 {missing[0]}），备份已停止。请检查 FILE_STORAGE_ROOT 设置是否正确。"
                f" / {len(missing)} uploaded file(s) are missing from FILE_STORAGE_ROOT."
            )
        manifest["mac"] = _manifest_mac(manifest)
        partial = work_dir / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            for entry in manifest["models"]:
                tar.add(work_dir / f"{entry['label']}.jsonl", entry["file"], filter=_plain)
            for stored_name, _size, _sha256 in stored:
                tar.add(stored_path(stored_name), _file_member(stored_name), filter=_plain)
        # Personal data and password hashes: readable by the owner only.
        partial.chmod(0o600)
        os.replace(partial, target)
    return BackupResult(target, manifest)


def _file_member(stored_name: str) -> str:
    return f"files/{stored_name[:2]}/{stored_name[2:4]}/{stored_name}"


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner names or modes from this machine in the archive."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


# --- Restore -------------------------------------------------------------------------


def restore_backup(archive: Path) -> RestoreResult:
    """Restore ``archive`` into this installation, which must be migrated and empty.

    Nothing is written until the whole archive has been read and every hash checked;
    the rows load in one transaction, and the files move into place inside it.
    """
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}。 / No such file: {archive}")
    try:
        tar = tarfile.open(archive, "r|gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BackupError(_damaged(archive, str(e)[:200])) from e
    with tar:
        try:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isreg():
                raise BackupError(_damaged(archive, "manifest.json 不是第一个成员"))
            manifest = _read_manifest(tar, first, archive)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
            raise BackupError(_damaged(archive, str(e)[:200])) from e
        _check_target_is_empty()
        _check_migrations(manifest)
        root = Path(settings.FILE_STORAGE_ROOT)
        root.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{root.name}-restore-", dir=root.parent))
        try:
            _extract_verified(tar, manifest, staging, archive)
            result = _load(manifest, staging, archive)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return result


def _damaged(archive: Path, why: str) -> str:
    return (
        f"备份文件 {archive.name} 已损坏或被改动过（{why}），没有恢复任何数据。"
        "请换用另一份备份。"
        f" / The backup {archive.name} is damaged or was altered ({why}); nothing was restored."
    )


def _read_manifest(tar: tarfile.TarFile, member: tarfile.TarInfo, archive: Path) -> dict[str, Any]:
    if member.size > MANIFEST_MAX_BYTES:
        raise BackupError(_damaged(archive, "manifest.json 过大"))
    f = tar.extractfile(member)
    if f is None:
        raise BackupError(_damaged(archive, "manifest.json 无法读取"))
    try:
        manifest = json.loads(f.read())
    except ValueError as e:
        raise BackupError(_damaged(archive, "manifest.json 不是 JSON")) from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_damaged(archive, "不是合力的备份文件"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"这份备份的格式版本是 {manifest.get('format_version')}，本系统只能恢复第 "
            f"{FORMAT_VERSION} 版。请用制作备份的合力版本恢复。"
            " / This backup's format version is not supported."
        )
    if not _same(str(manifest.get("mac", "")), _manifest_mac(manifest)):
        raise BackupError(
            f"备份文件 {archive.name} 的清单校验码（HMAC-SM3）不符：备份被改动过，"
            "或者本系统的审计密钥 AUDIT_HMAC_KEY 与制作备份的系统不同。没有恢复任何数据。"
            "请配置原系统的 AUDIT_HMAC_KEY 后重试（审计日志的校验也需要它）。"
            " / The manifest's HMAC does not match: altered, or AUDIT_HMAC_KEY differs."
        )
    return manifest


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _check_target_is_empty() -> None:
    filled = [m._meta.label_lower for m in dumped_models() if m._base_manager.exists()]
    if filled:
        raise BackupError(
            "只能恢复到一个空的新系统：数据库里已经有数据（"
            + "、".join(filled[:5])
            + ("等" if len(filled) > 5 else "")
            + "），恢复已拒绝，什么也没有改动。请新建一个数据库，运行 manage.py migrate 后再恢复。"
            " / Restore needs an empty installation; this database holds rows."
        )
    root = Path(settings.FILE_STORAGE_ROOT)
    if root.exists() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(
            f"只能恢复到一个空的新系统：上传文件目录 {root} 里已经有文件，恢复已拒绝，"
            "什么也没有改动。请换一个空目录（FILE_STORAGE_ROOT）后再恢复。"
            " / Restore needs an empty FILE_STORAGE_ROOT."
        )


def _check_migrations(manifest: dict[str, Any]) -> None:
    here = applied_migrations()
    there = manifest.get("migrations", {})
    differing = sorted(
        app for app in set(here) | set(there) if sorted(here.get(app, [])) != there.get(app, [])
    )
    if differing:
        raise BackupError(
            f"这份备份来自合力 {manifest.get('heli_version')}，它的数据库结构与本系统不同"
            f"（{'、'.join(differing)} 的迁移不一致），恢复已拒绝，什么也没有改动。"
            "请先安装与备份相同的合力版本、运行 manage.py migrate，恢复后再升级。"
            " / The database migrations differ from the backup's."
        )


def _extract_verified(
    tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path, archive: Path
) -> None:
    """Copy every member into ``staging``, refusing anything the manifest does not vouch for."""
    expected: dict[str, tuple[str, int]] = {}
    for entry in manifest["models"]:
        if not _DB_MEMBER.fullmatch(str(entry["file"])):
            raise BackupError(_damaged(archive, f"清单里有不合规的成员名 {entry['file']!r}"))
        expected[entry["file"]] = (entry["sha256"], int(entry["size"]))
    for entry in manifest["files"]:
        if not _FILE_MEMBER.fullmatch(str(entry["path"])):
            raise BackupError(_damaged(archive, f"清单里有不合规的成员名 {entry['path']!r}"))
        expected[entry["path"]] = (entry["sha256"], int(entry["size"]))
    seen: set[str] = set()
    database_digest = hashlib.sha256()
    hashes: dict[str, str] = {}
    try:
        while (member := tar.next()) is not None:
            name = member.name
            if name not in expected or name in seen or not member.isreg():
                raise BackupError(_damaged(archive, f"多出或重复的成员 {name!r}"))
            sha256, size = expected[name]
            if member.size != size:
                raise BackupError(_damaged(archive, f"{name} 的大小不符"))
            source = tar.extractfile(member)
            if source is None:
                raise BackupError(_damaged(archive, f"{name} 无法读取"))
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            digest = hashlib.sha256()
            with path.open("wb") as out:
                path.chmod(0o600)
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if not _same(digest.hexdigest(), sha256):
                raise BackupError(_damaged(archive, f"{name} 的 SHA-256 不符"))
            hashes[name] = digest.hexdigest()
            seen.add(name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as e:
        raise BackupError(_damaged(archive, str(e)[:200])) from e
    missing = set(expected) - seen
    if missing:
        raise BackupError(_damaged(archive, f"缺少 {len(missing)} 个成员，例如 {min(missing)}"))
    for entry in manifest["models"]:
        database_digest.update(f"{entry['label']} {hashes[entry['file']]}\n".encode())
    if not _same(database_digest.hexdigest(), str(manifest.get("database_sha256", ""))):
        raise BackupError(_damaged(archive, "数据库导出的总校验值不符"))


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as f:
        for line in f:
            yield json.loads(line)


def _load(manifest: dict[str, Any], staging: Path, archive: Path) -> RestoreResult:
    result = RestoreResult(manifest)
    known = {m._meta.label_lower: m for m in dumped_models()}
    labels = [entry["label"] for entry in manifest["models"]]
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise BackupError(
            f"备份里有本系统没有的数据表（{'、'.join(unknown)}），恢复已拒绝。"
            " / The backup holds models this installation does not have."
        )
    moved: list[Path] = []
    try:
        with transaction.atomic():
            for entry in manifest["models"]:
                model = known[entry["label"]]
                _load_model(model, staging / entry["file"])
            tables = [known[label]._meta.db_table for label in labels]
            connection.check_constraints(table_names=tables)
            _reset_sequences([known[label] for label in labels])
            for entry in manifest["models"]:
                model = known[entry["label"]]
                count = model._base_manager.count()
                if count != entry["rows"]:
                    raise BackupError(
                        f"恢复后 {entry['label']} 有 {count} 行，备份里是 {entry['rows']} 行，"
                        "恢复已撤销。 / Row counts differ after loading."
                    )
                for name, links in entry.get("m2m", {}).items():
                    through = model._meta.get_field(name).remote_field.through  # type: ignore[union-attr]
                    if through._base_manager.count() != links:
                        raise BackupError(
                            f"恢复后 {entry['label']}.{name} 的关联数与备份不符，恢复已撤销。"
                            " / Link counts differ after loading."
                        )
                result.rows += count
            for entry in manifest["files"]:
                stored_name = entry["path"].rsplit("/", 1)[-1]
                final = stored_path(stored_name)
                final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.replace(staging / entry["path"], final)
                moved.append(final)
                if not _same(_sha256_file(final), entry["sha256"]):
                    raise BackupError(
                        f"文件 {stored_name} 放入存储目录后校验不符，恢复已撤销。"
                        " / A file changed while it was moved into place."
                    )
                result.files += 1
            referenced = Attachment.objects.count()
            if referenced != result.files:
                raise BackupError(
                    "恢复后的附件记录数与文件数不一致，恢复已撤销。"
                    " / Attachments and files differ in number."
                )
            result.notes += _check_audit_chain(manifest)
            # The last step of the transaction, after the restored chain it continues.
            record(
                events.RESTORE,
                detail={
                    "archive": archive.name,
                    "backup_created_at": manifest["created_at"],
                    "source_vendor": manifest["source_vendor"],
                    "rows": result.rows,
                    "files": result.files,
                    "manifest_mac": manifest["mac"],
                    "notes": result.notes,
                },
            )
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    return result


def _load_model(model: type[models.Model], path: Path) -> None:
    """Insert the rows as they were (ids, timestamps, in batches): no save(), no signals."""
    fields = list(model._meta.local_concrete_fields)
    m2m = {f.name: f for f in _m2m_fields(model)}
    links: dict[str, list[models.Model]] = defaultdict(list)
    objects = serializers.deserialize("python", _read_rows(path), handle_forward_references=False)
    for batch in _batched(objects, BATCH):
        with _timestamps_as_dumped(model):
            model._base_manager._insert(  # type: ignore[attr-defined]
                [d.object for d in batch], fields=fields
            )
        for d in batch:
            for name, targets in (d.m2m_data or {}).items():
                f = m2m[name]
                through: Any = f.remote_field.through
                source, target = f.m2m_field_name(), f.m2m_reverse_field_name()
                for target_pk in targets:
                    links[name].append(
                        through(**{f"{source}_id": d.object.pk, f"{target}_id": target_pk})
                    )
    for name, rows in links.items():
        link_model: Any = m2m[name].remote_field.through
        link_model._base_manager.bulk_create(rows, batch_size=BATCH)


@contextlib.contextmanager
def _timestamps_as_dumped(model: type[models.Model]) -> Iterator[None]:
    """Keep ``auto_now``/``auto_now_add`` values as dumped while the rows are inserted.

    The insert runs every field's ``pre_save`` (an encrypted field seals the value for
    its row there, with this installation's key); only these two would change a value.
    Restore runs alone in its own process, so switching them off for a moment is safe.
    """
    switched = [
        (f, f.auto_now, f.auto_now_add)
        for f in model._meta.local_concrete_fields
        if isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add)
    ]
    for f, _now, _add in switched:
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, now, add in switched:
            f.auto_now, f.auto_now_add = now, add  # type: ignore[attr-defined]


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _reset_sequences(restored: list[type[models.Model]]) -> None:
    """After explicit ids, PostgreSQL's sequences must move past them (SQLite needs nothing)."""
    with_links = list(restored)
    for model in restored:
        with_links += [f.remote_field.through for f in _m2m_fields(model)]  # type: ignore[misc]
    statements = connection.ops.sequence_reset_sql(no_style(), with_links)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _audit_chain_state() -> dict[str, Any]:
    from heli.audit import chain

    report = chain.verify()
    return {
        "ok": report.ok,
        "rows": report.rows,
        "last_id": report.last_id,
        "problem": report.problem,
    }


def _check_audit_chain(manifest: dict[str, Any]) -> list[str]:
    """The restored chain must verify with this installation's key, as it did at the source."""
    from heli.audit import chain

    report = chain.verify()
    if report.ok:
        return []
    source = manifest.get("audit_chain", {})
    if not source.get("ok", True):
        # Broken before the backup was made: restore it as it is, and say so.
        return [f"审计日志在备份时已校验不通过：{source.get('problem', '')}"]
    raise BackupError(
        f"恢复后的审计日志校验失败（{report.problem}），恢复已撤销。"
        "请确认本系统的 AUDIT_HMAC_KEY 与原系统相同。"
        " / The restored audit chain does not verify; nothing was restored."
    )
