"""Keeping uploaded files: check, scan, store; and the sweep of files no row points to.

``store_upload`` is the one way a file enters Heli. It refuses with ``UploadRefused``
(a ``ValidationError`` with a Chinese message saying what is wrong and how to fix it),
and every refusal leaves an audit row. Callers check the policy first (may this user
attach files to that owner); ``store_upload`` checks the file.

Inside a caller's transaction, call ``check_upload`` before opening it and
``keep_upload`` inside it: a refusal's audit row is then written outside the
transaction, and survives when the caller rolls its work back.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import secrets
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, Sum
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat

from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.files import detect
from heli.files.models import Attachment, stored_path
from heli.files.refusals import UploadRefused
from heli.files.scan import ScanResult, scan_or_refuse
from heli.org.models import Committee, Unit

NAME_MAX = 200
TEMP_DIR = ".tmp"
# Characters Windows refuses in file names; replaced so a download saves everywhere.
_RESERVED = re.compile(r'[<>:"|?*]')
# Control and invisible formatting characters (bidi overrides can disguise "exe.pdf").
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def clean_name(raw: str | None) -> str:
    """The name a person sees: the last path part, without controls, at most NAME_MAX long."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"\s", " ", name)  # tabs and line breaks become spaces, not nothing
    name = "".join(c for c in name if unicodedata.category(c) not in _STRIPPED_CATEGORIES)
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name)
    # No leading dots (hidden files, "..") and no trailing dots or spaces (Windows drops them).
    name = name.strip(" .")
    if not name:
        return "file"
    if len(name) > NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = f"{stem[: NAME_MAX - len(ext) - 1].rstrip(' .')}.{ext}"
        else:
            name = name[:NAME_MAX]
    return name


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def committee_usage(committee: Committee | int) -> int:
    """Bytes kept for the committee, as the database counts them."""
    total = Attachment.objects.filter(committee=committee).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


@dataclass
class CheckedUpload:
    """A file that passed every check, waiting in the temporary folder to be kept."""

    committee: Committee
    unit: Unit | None
    by: Any
    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    temp_path: Path
    scan: ScanResult | None = None
    kept: bool = field(default=False)
    # The record the file belongs to (a task…): those who may see it may see the file.
    belongs_to: Model | None = None

    def discard(self) -> None:
        self.temp_path.unlink(missing_ok=True)


def store_upload(
    uploaded_file: UploadedFile,
    *,
    committee: Committee,
    unit: Unit | None,
    by: Any,
    request: HttpRequest | None = None,
    belongs_to: Model | None = None,
) -> Attachment:
    """Check, scan and keep one uploaded file of the record ``belongs_to`` (a task…), kept for ``unit``
    (or the committee if None). A file with a record is seen by whoever sees the record."""
    checked = check_upload(
        uploaded_file, committee=committee, unit=unit, by=by, request=request, belongs_to=belongs_to
    )
    return keep_upload(checked, request=request)


def check_upload(
    uploaded_file: UploadedFile,
    *,
    committee: Committee,
    unit: Unit | None,
    by: Any,
    request: HttpRequest | None = None,
    belongs_to: Model | None = None,
) -> CheckedUpload:
    """Every check that needs no write to the database; refusals are audited here."""
    if unit is not None and unit.committee_id != committee.pk:
        raise ValueError("the unit belongs to another committee")
    if belongs_to is not None and (
        belongs_to.pk is None or getattr(belongs_to, "committee_id", None) != committee.pk
    ):
        raise ValueError("the record is not saved or belongs to another committee")
    name = clean_name(uploaded_file.name)
    temp_path: Path | None = None
    try:
        extension = extension_of(name)
        if detect.kind_for_extension(extension) is None:
            raise UploadRefused(
                "extension",
                ext=f".{extension}" if extension else name,
                allowed=detect.allowed_extensions(),
            )
        limit = settings.FILE_MAX_BYTES
        if uploaded_file.size is not None and uploaded_file.size > limit:
            raise _too_large(name, uploaded_file.size)
        temp_path, size, sha256 = _write_temp(uploaded_file, name, limit)
        if size == 0:
            raise UploadRefused("empty", name=name)
        found = detect.inspect(temp_path, name, extension)
        used = committee_usage(committee)
        if used + size > settings.FILE_COMMITTEE_QUOTA_BYTES:
            raise _over_quota(used, size)
        scan = scan_or_refuse(temp_path, name)
    except UploadRefused as refusal:
        if temp_path is not None:
            temp_path.unlink(missing_ok=True)
        _audit_refusal(refusal, name, uploaded_file.size, committee, unit, by, request)
        raise
    except BaseException:
        if temp_path is not None:
            temp_path.unlink(missing_ok=True)
        raise
    return CheckedUpload(
        committee=committee,
        unit=unit,
        by=by,
        name=name,
        kind=found.kind,
        content_type=found.content_type,
        size=size,
        sha256=sha256,
        temp_path=temp_path,
        scan=scan,
        belongs_to=belongs_to,
    )


def keep_upload(checked: CheckedUpload, *, request: HttpRequest | None = None) -> Attachment:
    """Write the row and move the file into place, in one transaction; nothing half-kept."""
    if checked.kept:
        raise ValueError("this upload was kept already")
    final: Path | None = None
    try:
        with transaction.atomic():
            # One upload at a time per committee, so two cannot both fit the last space.
            Committee.objects.select_for_update().filter(pk=checked.committee.pk).exists()
            used = committee_usage(checked.committee)
            if used + checked.size > settings.FILE_COMMITTEE_QUOTA_BYTES:
                raise _over_quota(used, checked.size)
            stored_name = _new_stored_name()
            attachment = Attachment.objects.create(
                committee=checked.committee,
                unit=checked.unit,
                uploaded_by=checked.by,
                original_name=checked.name,
                stored_name=stored_name,
                size=checked.size,
                sha256=checked.sha256,
                kind=checked.kind,
                content_type=checked.content_type,
                record_type=checked.belongs_to._meta.label_lower if checked.belongs_to else "",
                record_id=checked.belongs_to.pk if checked.belongs_to else None,
            )
            final = stored_path(stored_name)
            final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(checked.temp_path, final)
            record(
                events.UPLOAD,
                request=request,
                user=checked.by,
                obj=attachment,
                detail={
                    "name": checked.name,
                    "size": checked.size,
                    "sha256": checked.sha256,
                    "kind": checked.kind,
                    "unit": checked.unit.pk if checked.unit else None,
                    "record": (
                        [checked.belongs_to._meta.label_lower, checked.belongs_to.pk]
                        if checked.belongs_to
                        else None
                    ),
                    "scanned": checked.scan.scanner if checked.scan else "",
                },
            )
    except UploadRefused as refusal:
        checked.discard()
        _audit_refusal(
            refusal,
            checked.name,
            checked.size,
            checked.committee,
            checked.unit,
            checked.by,
            request,
        )
        raise
    except BaseException:
        # The row was rolled back (or never written): the file must not stay either.
        if final is not None:
            final.unlink(missing_ok=True)
        checked.discard()
        raise
    checked.kept = True
    return attachment


def _new_stored_name() -> str:
    while True:
        name = secrets.token_hex(16)
        if not stored_path(name).exists():
            return name


def _write_temp(uploaded_file: UploadedFile, name: str, limit: int) -> tuple[Path, int, str]:
    """Copy the upload into the storage's temporary folder, counting and hashing it."""
    temp_dir = Path(settings.FILE_STORAGE_ROOT) / TEMP_DIR
    temp_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=temp_dir, suffix=".part")
    path = Path(temp)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            uploaded_file.seek(0)
            for chunk in uploaded_file.chunks():
                size += len(chunk)
                if size > limit:
                    raise _too_large(name, size)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, size, digest.hexdigest()


def _too_large(name: str, size: int) -> UploadRefused:
    limit = settings.FILE_MAX_BYTES
    return UploadRefused(
        "too_large",
        name=name,
        size=filesizeformat(size),
        limit=filesizeformat(limit),
        detail={"limit": limit},
    )


def _over_quota(used: int, size: int) -> UploadRefused:
    quota = settings.FILE_COMMITTEE_QUOTA_BYTES
    return UploadRefused(
        "quota",
        used=filesizeformat(used),
        quota=filesizeformat(quota),
        size=filesizeformat(size),
        detail={"used": used, "quota": quota},
    )


def _audit_refusal(
    refusal: UploadRefused,
    name: str,
    size: int | None,
    committee: Committee,
    unit: Unit | None,
    by: Any,
    request: HttpRequest | None,
) -> None:
    result = (
        AuditEvent.Result.FAILURE
        if refusal.reason == "scanner_unavailable"
        else AuditEvent.Result.DENIED
    )
    record(
        events.UPLOAD_REFUSED,
        request=request,
        user=by,
        committee=committee,
        object_type=Attachment._meta.label_lower,
        object_repr=name,
        result=result,
        detail={
            "reason": refusal.reason,
            "name": name,
            "size": size,
            "unit": unit.pk if unit else None,
            **refusal.detail,
        },
    )


def refuse_unreceived(
    *, committee: Committee, unit: Unit | None, by: Any, request: HttpRequest | None, name: str = ""
) -> UploadRefused:
    """The refusal (audited) for a request whose file never arrived, e.g. cut off as too large."""
    refusal = UploadRefused("not_received", limit=filesizeformat(settings.FILE_MAX_BYTES))
    _audit_refusal(refusal, clean_name(name) if name else "", None, committee, unit, by, request)
    return refusal


# --- Housekeeping ----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    orphans: list[Path]
    stale_temps: list[Path]


def sweep_orphans(*, grace: datetime.timedelta, dry_run: bool = False) -> SweepResult:
    """Remove stored files no row points to, and stale temporary files, older than ``grace``.

    They come from a caller's transaction that rolled back after ``keep_upload`` moved the
    file into place, or from a process that died mid-upload. Younger files are left alone:
    their transaction may still be open.
    """
    root = Path(settings.FILE_STORAGE_ROOT)
    cutoff = time.time() - grace.total_seconds()
    orphans: list[Path] = []
    stale: list[Path] = []
    if not root.is_dir():
        return SweepResult(orphans, stale)
    for path in root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            if not Attachment.objects.filter(stored_name=path.name).exists():
                orphans.append(path)
    temp_dir = root / TEMP_DIR
    if temp_dir.is_dir():
        stale = [p for p in temp_dir.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    if not dry_run:
        for path in orphans + stale:
            path.unlink(missing_ok=True)
    return SweepResult(orphans, stale)
