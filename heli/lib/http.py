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

    user: User  # type: ignore[assignment]
    committee: Committee
    htmx: HtmxDetails
