"""The request type of signed-in views, for the type checker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from heli.accounts.models import User
    from heli.org.models import Committee


class AuthedRequest(HttpRequest):
    """A request that passed the login requirement: ``user`` is a real account."""

    user: User
    committee: Committee
    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the proxy's word for it when the proxy is ours.

    ``X-Forwarded-For`` is read only when the direct peer is listed in
    ``TRUSTED_PROXIES``, and then from the right, skipping our own proxies: a client
    cannot choose its address by sending the header itself.
    """
    from django.conf import settings

    remote: str | None = request.META.get("REMOTE_ADDR") or None
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if remote is None or remote not in trusted:
        return remote
    header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [a.strip() for a in header.split(",")]
    for address in reversed([a for a in forwarded if a]):
        if address not in trusted:
            return address
    return remote
