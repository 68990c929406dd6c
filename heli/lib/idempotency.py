"""Submitting the same form twice creates one record.

Each form that creates something carries a random submission token. The first POST
with a token claims it (an atomic ``cache.add``); a repeated POST with the same token —
a double click, a resent request — finds it claimed and is sent to what the first one
made instead of making it again. A submission that fails validation releases its token
so the corrected form can be sent.

The browser's back button brings the form back without its first token when the page is
loaded again (signed-in pages are never cached), with what was typed still in it: a
form may therefore also say which record the same content already made
(``create_once``'s ``same_as``), so that it is not made twice.
Production shares the claims through Redis
(``REDIS_URL``); a single process keeps them in memory.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core.cache import cache
from django.http import HttpRequest

PENDING = "pending"
TTL_SECONDS = 6 * 3600


def new_token() -> str:
    return secrets.token_urlsafe(16)


def _key(request: HttpRequest, token: str) -> str:
    digest = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
    return f"heli:submission:{getattr(request.user, 'pk', '')}:{digest}"


class Submission:
    """The claim on one submission token."""

    def __init__(self, request: HttpRequest, token: str | None) -> None:
        self.key = _key(request, token) if token else None
        self.first = True
        self.result_url: str | None = None
        if self.key is not None and not cache.add(self.key, PENDING, TTL_SECONDS):
            self.first = False
            value = cache.get(self.key)
            self.result_url = value if value and value != PENDING else None

    def done(self, url: str) -> None:
        if self.key is not None:
            cache.set(self.key, url, TTL_SECONDS)

    def release(self) -> None:
        if self.key is not None:
            cache.delete(self.key)
