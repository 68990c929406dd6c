"""Uploaded files: one row per kept file; the bytes live under FILE_STORAGE_ROOT."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

STORED_NAME_LENGTH = 32  # secrets.token_hex(16)
STORED_NAME_RE = re.compile(r"[0-9a-f]{32}")


class FileKind(models.TextChoices):
    """What a file is, as its bytes show; decides the content type it is served with."""

    PDF = "pdf", "PDF"
    OFD = "ofd", "OFD"
    DOCX = "docx", "Word (.docx)"
    XLSX = "xlsx", "Excel (.xlsx)"
    PPTX = "pptx", "PowerPoint (.pptx)"
    DOC = "doc", "Word 97-2003 (.doc)"
    XLS = "xls", "Excel 97-2003 (.xls)"
    PPT = "ppt", "PowerPoint 97-2003 (.ppt)"
    WPS = "wps", "WPS (.wps)"
    JPEG = "jpeg", "JPEG"
    PNG = "png", "PNG"
    TEXT = "txt", _("plain text")


class Attachment(models.Model):
    """A file uploaded to Heli: of a record (a task…), kept for a unit or the committee."""

    Kind = FileKind

    committee = models.ForeignKey(
        "org.Committee", on_delete=models.PROTECT, related_name="+", verbose_name=_("committee")
    )
    # Empty for files of the committee itself.
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("unit"),
    )
    # The record the file belongs to, by model label and id ("tracking.task", 12): whoever
    # may see that record may see the file. Empty for files of a unit or the committee.
    record_type = models.CharField(_("record type"), max_length=100, blank=True, default="")
    record_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    original_name = models.CharField(_("file name"), max_length=200)
    # Random hex; the path on disk is derived from it and nothing the client sent.
    stored_name = models.CharField(_("stored name"), max_length=STORED_NAME_LENGTH, editable=False)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    content_type = models.CharField(_("content type"), max_length=120)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "stored_name"], name="files_attachment_unique_stored_name"
            ),
            models.CheckConstraint(
                condition=Exact(Length("stored_name"), STORED_NAME_LENGTH),
                name="files_attachment_stored_name_length",
            ),
            models.CheckConstraint(
                condition=Exact(Length("sha256"), 64), name="files_attachment_sha256_length"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="files_attachment_not_empty"),
            models.CheckConstraint(
                condition=~Q(original_name=""), name="files_attachment_name_required"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=FileKind.values), name="files_attachment_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(record_type="", record_id__isnull=True)
                | (~Q(record_type="") & Q(record_id__isnull=False)),
                name="files_attachment_record_link",
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "unit"], name="files_attachment_owner_idx"),
            models.Index(fields=["record_type", "record_id"], name="files_attachment_record_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def path(self) -> Path:
        return stored_path(self.stored_name)


def stored_path(stored_name: str) -> Path:
    """Where a stored name lives: two levels of shards so no folder grows too large."""
    if not STORED_NAME_RE.fullmatch(stored_name):
        raise ValueError(f"not a stored name: {stored_name!r}")
    return Path(settings.FILE_STORAGE_ROOT) / stored_name[:2] / stored_name[2:4] / stored_name
