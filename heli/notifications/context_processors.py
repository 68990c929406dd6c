"""The bell's unread count on every page: one query, run only when a page renders it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from heli.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: _unread_count(user))}


def _unread_count(user: Any) -> int:
    count: int = Notification.objects.filter(
        recipient_id=user.pk, committee_id=user.committee_id, read_at__isnull=True
    ).count()
    return count
