"""What an uploaded file really is, from its bytes; never from its name or the client's word.

``inspect(path, name, extension)`` returns the kind and the content type Heli will serve
the file with, or raises ``UploadRefused``: for markup or script content whatever the
name says, for bytes that do not match the extension, for macros and passwords, and for
zip containers that unpack to too much (bombs), hold other archives or unsafe paths.
"""

from __future__ import annotations

import codecs
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings

from heli.files.models import Attachment
from heli.files.refusals import UploadRefused

Kind = Attachment.Kind


@dataclass(frozen=True)
class KindSpec:
    kind: str
    family: str  # pdf | ofd | ooxml | ole2 | jpeg | png | text
    content_type: str
    ooxml_folder: str = ""  # the folder of an OOXML package's main part


_OOXML = "application/vnd.openxmlformats-officedocument"
SPECS = {
    Kind.PDF: KindSpec(Kind.PDF, "pdf", "application/pdf"),
    Kind.OFD: KindSpec(Kind.OFD, "ofd", "application/ofd"),
    Kind.DOCX: KindSpec(Kind.DOCX, "ooxml", f"{_OOXML}.wordprocessingml.document", "word/"),
    Kind.XLSX: KindSpec(Kind.XLSX, "ooxml", f"{_OOXML}.spreadsheetml.sheet", "xl/"),
    Kind.PPTX: KindSpec(Kind.PPTX, "ooxml", f"{_OOXML}.presentationml.presentation", "ppt/"),
    Kind.DOC: KindSpec(Kind.DOC, "ole2", "application/msword"),
    Kind.XLS: KindSpec(Kind.XLS, "ole2", "application/vnd.ms-excel"),
    Kind.PPT: KindSpec(Kind.PPT, "ole2", "application/vnd.ms-powerpoint"),
    # Kingsoft's own format has no registered type; the browser only saves it.
    Kind.WPS: KindSpec(Kind.WPS, "ole2", "application/octet-stream"),
    Kind.JPEG: KindSpec(Kind.JPEG, "jpeg", "image/jpeg"),
    Kind.PNG: KindSpec(Kind.PNG, "png", "image/png"),
    Kind.TEXT: KindSpec(Kind.TEXT, "text", "text/plain; charset=utf-8"),
}
# The allow-list: what government offices exchange. No archives (.zip, .rar), no web
# pages, no macro-enabled Office files, no executables.
EXTENSIONS: dict[str, str] = {
    "pdf": Kind.PDF,
    "ofd": Kind.OFD,
    "docx": Kind.DOCX,
    "xlsx": Kind.XLSX,
    "pptx": Kind.PPTX,
    "doc": Kind.DOC,
    "xls": Kind.XLS,
    "ppt": Kind.PPT,
    "wps": Kind.WPS,
    "jpg": Kind.JPEG,
    "jpeg": Kind.JPEG,
    "png": Kind.PNG,
    "txt": Kind.TEXT,
}

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Magic numbers of archives that must not hide inside a document.
ARCHIVE_MAGICS = (
    ZIP_MAGIC,
    b"PK\x05\x06",
    b"Rar!\x1a\x07",
    b"7z\xbc\xaf\x27\x1c",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MSCF",  # cab
)
ARCHIVE_SUFFIXES = (
    ".zip",
    ".rar",
    ".7z",
    ".gz",
    ".tgz",
    ".bz2",
    ".xz",
    ".tar",
    ".cab",
    ".jar",
    ".arj",
    ".lzh",
    ".iso",
)
# Office charts keep their data as a workbook inside the document; those are allowed,
# one level deep, and inspected with the same limits.
EMBEDDED_PACKAGE = re.compile(r"^[a-z]+/embeddings/[^/]+\.(docx|xlsx|pptx)$", re.IGNORECASE)
# Where a browser would take the bytes for a web page (the WHATWG MIME sniffing tags),
# and tags that make any text active wherever they appear.
HTML_START = re.compile(
    rb"^\s*<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p"
    rb"|svg|object|embed|\?xml[^>]*>\s*<svg|!--)[\s>/]",
    re.IGNORECASE,
)
ACTIVE_TAG = re.compile(
    rb"<\s*(script|html|iframe|svg|object|embed|body|!doctype\s+html)[\s>/]", re.IGNORECASE
)
VBA_MARK = "_VBA_PROJECT".encode("utf-16-le")
ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")
HEAD_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# Below this an entry's compression ratio says nothing: small XML parts pack very well.
RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Detected:
    kind: str
    content_type: str


def kind_for_extension(extension: str) -> str | None:
    return EXTENSIONS.get(extension.lower())


def allowed_extensions() -> str:
    return ", ".join(f".{e}" for e in EXTENSIONS)


def inspect(path: Path, name: str, extension: str) -> Detected:
    """Check the file at ``path`` against what its ``extension`` promises."""
    kind = EXTENSIONS[extension]
    spec = SPECS[Kind(kind)]
    with path.open("rb") as f:
        head = f.read(HEAD_BYTES)
    mismatch = UploadRefused("content_mismatch", name=name, kind=Kind(kind).label, ext=extension)
    # Where browsers look for a page: the start of any file, and the first bytes of the
    # kinds without a container structure (a zip's parts are checked as a zip).
    if HTML_START.match(head) or (
        spec.family not in ("ooxml", "ofd") and ACTIVE_TAG.search(head[:1024])
    ):
        raise UploadRefused("active_content", name=name)
    content_type = spec.content_type
    if spec.family == "pdf":
        if not head.startswith(PDF_MAGIC):
            raise mismatch
    elif spec.family == "png":
        if not head.startswith(PNG_MAGIC):
            raise mismatch
    elif spec.family == "jpeg":
        if not head.startswith(JPEG_MAGIC):
            raise mismatch
    elif spec.family == "ole2":
        if not head.startswith(OLE2_MAGIC):
            raise mismatch
        if _contains(path, VBA_MARK):
            raise UploadRefused("macro", name=name)
    elif spec.family in ("ooxml", "ofd"):
        if head.startswith(OLE2_MAGIC) and _contains(path, ENCRYPTED_MARK):
            # Office saves a password-protected .docx as an encrypted OLE2 container.
            raise UploadRefused("encrypted", name=name)
        if not head.startswith(ZIP_MAGIC):
            raise mismatch
        names = inspect_zip(path, name)
        if spec.family == "ofd":
            if "OFD.xml" not in names:
                raise mismatch
        else:
            if "[Content_Types].xml" not in names or not any(
                n.startswith(spec.ooxml_folder) for n in names
            ):
                raise mismatch
            if any(n.lower().endswith("vbaproject.bin") for n in names) or _macro_content_types(
                path
            ):
                raise UploadRefused("macro", name=name)
    elif spec.family == "text":
        content_type = _check_text(path, name, mismatch)
    return Detected(kind, content_type)


def _contains(path: Path, needle: bytes) -> bool:
    """Whether ``needle`` occurs in the file, read in chunks that overlap by its length."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def _macro_content_types(path: Path) -> bool:
    """A .docm renamed .docx still declares itself macro-enabled in [Content_Types].xml."""
    with zipfile.ZipFile(path) as zf, zf.open("[Content_Types].xml") as f:
        return b"macroenabled" in f.read(CHUNK).lower()


def _check_text(path: Path, name: str, mismatch: UploadRefused) -> str:
    """Plain text: UTF-8 (or GB18030, as Windows Notepad saves Chinese), no control bytes."""
    for encoding, content_type in (
        ("utf-8-sig", "text/plain; charset=utf-8"),
        ("gb18030", "text/plain; charset=gb18030"),
    ):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                tail = b""
                while chunk := f.read(CHUNK):
                    text = decoder.decode(chunk)
                    if _CONTROL.search(text):
                        raise mismatch
                    if ACTIVE_TAG.search(tail + chunk):
                        raise UploadRefused("active_content", name=name)
                    tail = chunk[-64:]
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return content_type
    raise mismatch


# C0 controls but tab, line feed, form feed and carriage return; and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


# --- Zip containers --------------------------------------------------------------------


@dataclass
class _Budget:
    """What the whole container may still unpack to, shared with its embedded packages."""

    remaining: int
    entries: int


def inspect_zip(path: Path, name: str) -> set[str]:
    """Refuse bombs, nested archives, unsafe paths and damage; return the entry names."""
    budget = _Budget(
        remaining=settings.FILE_ZIP_MAX_UNCOMPRESSED_BYTES, entries=settings.FILE_ZIP_MAX_ENTRIES
    )
    try:
        with zipfile.ZipFile(path) as zf:
            return _inspect_zip_file(zf, name, budget, depth=0)
    except UploadRefused:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as e:
        raise UploadRefused("corrupt", name=name, detail={"error": str(e)[:200]}) from e
    except (ValueError, NotImplementedError) as e:  # unknown compression, bad headers
        raise UploadRefused("corrupt", name=name, detail={"error": str(e)[:200]}) from e


def _inspect_zip_file(zf: zipfile.ZipFile, name: str, budget: _Budget, depth: int) -> set[str]:
    infos = zf.infolist()
    budget.entries -= len(infos)
    if budget.entries < 0:
        raise UploadRefused(
            "zip_bomb", name=name, detail={"limit": "entries", "entries": len(infos)}
        )
    declared = sum(i.file_size for i in infos)
    if declared > budget.remaining:
        raise UploadRefused(
            "zip_bomb", name=name, detail={"limit": "uncompressed", "declared": declared}
        )
    names = set()
    for info in infos:
        entry = info.filename
        if _unsafe_entry(entry):
            raise UploadRefused("archive_path", name=name, detail={"entry": entry[:200]})
        if info.flag_bits & 0x1:
            raise UploadRefused("encrypted", name=name, detail={"entry": entry[:200]})
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > settings.FILE_ZIP_MAX_RATIO:
            raise UploadRefused(
                "zip_bomb",
                name=name,
                detail={"limit": "ratio", "entry": entry[:200], "ratio": round(ratio)},
            )
        embedded = depth == 0 and bool(EMBEDDED_PACKAGE.match(entry))
        if entry.lower().endswith(ARCHIVE_SUFFIXES) and not embedded:
            raise UploadRefused("nested_archive", name=name, detail={"entry": entry[:200]})
        names.add(entry)
    for info in infos:
        if info.is_dir():
            continue
        _read_entry(zf, info, name, budget, embedded=depth == 0)
    return names


def _unsafe_entry(entry: str) -> bool:
    if not entry or "\x00" in entry or "\\" in entry or entry.startswith("/"):
        return True
    if re.match(r"^[A-Za-z]:", entry):
        return True
    return any(part in ("..", ".") for part in entry.split("/"))


def _read_entry(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: _Budget, embedded: bool
) -> None:
    """Unpack one entry, counting what it really yields (headers can lie) and its CRC."""
    entry = info.filename
    with zf.open(info) as f:
        first = f.read(8)
        if first.startswith(ARCHIVE_MAGICS):
            if embedded and EMBEDDED_PACKAGE.match(entry) and first.startswith(ZIP_MAGIC):
                f.seek(0)
                with zipfile.ZipFile(f) as inner:
                    _inspect_zip_file(inner, name, budget, depth=1)
                return
            raise UploadRefused("nested_archive", name=name, detail={"entry": entry[:200]})
        budget.remaining -= len(first)
        for chunk in _chunks(f):
            budget.remaining -= len(chunk)
            if budget.remaining < 0:
                raise UploadRefused(
                    "zip_bomb", name=name, detail={"limit": "uncompressed", "entry": entry[:200]}
                )


def _chunks(f: IO[bytes]) -> Iterator[bytes]:
    while chunk := f.read(CHUNK):
        yield chunk
