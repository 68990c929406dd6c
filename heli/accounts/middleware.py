"""Request-level tenant binding."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class CommitteeMiddleware:
    """Sets ``request.committee`` to the signed-in user's committee (the tenant)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        committee = None
        if user is not None and user.is_authenticated:
            committee = user.committee
        request.committee = committee  # type: ignore[attr-defined]
        response = self.get_response(request)
        if user is not None and user.is_authenticated:
            # Signed-in pages hold records that must not linger in shared caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
