"""Why an upload was refused: a code for the audit log, a message for the person."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Codes are stored in audit rows: never rename one.
MESSAGES = {
    "empty": _("The file “%(name)s” is empty. Choose the file again and upload it."),
    "too_large": _(
        "The file “%(name)s” is %(size)s; a file may be at most %(limit)s. "
        "Compress its pictures or split it into parts, then upload it again."
    ),
    "extension": _(
        "Files of the type “%(ext)s” cannot be uploaded. Allowed types: %(allowed)s. "
        "Save the file in one of these formats and upload it again."
    ),
    "active_content": _(
        "The file “%(name)s” contains web page or script content, which cannot be uploaded. "
        "Save it as a PDF or Word document and upload that instead."
    ),
    "content_mismatch": _(
        "The content of “%(name)s” is not %(kind)s, although its name ends in “.%(ext)s”. "
        "Open it in the program that made it, save it in the right format and upload it again."
    ),
    "encrypted": _(
        "The file “%(name)s” is protected by a password, so it cannot be checked. "
        "Remove the password and upload it again."
    ),
    "macro": _(
        "The file “%(name)s” contains macros, which cannot be uploaded. "
        "Save it without macros (as .docx, .xlsx or .pptx) and upload it again."
    ),
    "zip_bomb": _(
        "The file “%(name)s” unpacks to far more data or parts than a document does. "
        "If it is a real document, open it, save it again and upload the new copy."
    ),
    "nested_archive": _(
        "The file “%(name)s” contains a compressed archive, which cannot be uploaded. "
        "Take the files out of the archive and upload them one by one."
    ),
    "archive_path": _(
        "The file “%(name)s” contains parts with unsafe paths and cannot be uploaded. "
        "Open it, save it again in its program and upload the new copy."
    ),
    "corrupt": _(
        "The file “%(name)s” is damaged and cannot be read. "
        "Open it, save it again in its program and upload the new copy."
    ),
    "infected": _(
        "The virus scanner found “%(signature)s” in the file “%(name)s”, so it was not kept. "
        "Have the computer it came from checked with antivirus software."
    ),
    "scanner_unavailable": _(
        "The virus scanner is not working, so files cannot be uploaded now. "
        "Try again later, or tell the system administrator if it keeps happening."
    ),
    "quota": _(
        "The committee's file storage is full (%(used)s of %(quota)s used; this file needs "
        "%(size)s more). Ask the system administrator to free space or raise the limit."
    ),
    "not_received": _(
        "No file was received. Choose a file of at most %(limit)s and upload it again."
    ),
}


class UploadRefused(ValidationError):
    """An upload that will not be kept; ``code`` names the reason in the audit log."""

    def __init__(self, code: str, *, detail: dict[str, Any] | None = None, **params: Any) -> None:
        super().__init__(MESSAGES[code], code=code, params=params)
        self.reason = code
        # What the audit row records besides the reason and the name (measured values).
        self.detail = detail or {}
