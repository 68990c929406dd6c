"""Files to download: a name every browser saves as written, with the time it was made.

The ``Content-Disposition`` header carries the name twice (RFC 6266): ``filename*`` in
UTF-8 (RFC 5987), which browsers prefer, keeps a Chinese name intact; ``filename``, plain
ASCII, is the fallback of clients that do not read the first.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

# What may stand in the quoted ASCII fallback: no quote, backslash, semicolon, space,
# control character or path separator.
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._-]+")
FALLBACK_STEM = "file"


def stamped_name(name: str, extension: str, at: datetime.datetime | None = None) -> str:
    """``name-YYYYMMDD-HHMMSS.extension``, in local time (now unless ``at`` is given)."""
    moment = timezone.localtime(at) if at is not None else timezone.localtime()
    return f"{name}-{moment:%Y%m%d-%H%M%S}.{extension}"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE_ASCII.sub("_", plain).strip("._-")


def ascii_fallback(filename: str) -> str:
    """The file name in plain ASCII: accents dropped, other characters left out, and
    ``file`` for a name with no letter or digit left."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    stem, extension = _ascii(stem), _ascii(extension)
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = FALLBACK_STEM
    return f"{stem}.{extension}" if extension else stem


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header value that saves the file as ``filename`` in every browser."""
    kind = "inline" if inline else "attachment"
    fallback = ascii_fallback(filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def attachment(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A response that downloads ``content`` as ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    return response


def streaming_attachment(
    chunks: Iterable[str | bytes], filename: str, content_type: str
) -> StreamingHttpResponse:
    """A response that downloads ``chunks`` as ``filename``, sent as they are made."""
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename)
    return response
