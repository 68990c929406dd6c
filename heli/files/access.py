"""Fetching a file for a user: the attachment, or 404 if the user may not see it."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from heli.accounts.policy import visible
from heli.files.models import Attachment


def get_attachment_for_user(user: Any, pk: int) -> Attachment:
    attachment = visible(user, Attachment).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment
