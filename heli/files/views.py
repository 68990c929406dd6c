"""Downloading a file (only through here: the storage folder is never served) and uploading one."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from heli.accounts.policy import Action, can, visible
from heli.audit import events
from heli.audit.actions import record
from heli.audit.models import AuditEvent
from heli.files.access import get_attachment_for_user
from heli.files.actions import refuse_unreceived, store_upload
from heli.files.models import Attachment
from heli.files.refusals import UploadRefused
from heli.lib.downloads import content_disposition
from heli.lib.http import AuthedRequest
from heli.org.models import Unit

logger = logging.getLogger(__name__)


@require_GET
def download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    try:
        attachment = get_attachment_for_user(request.user, pk)
    except Http404:
        record(
            events.DOWNLOAD,
            request=request,
            object_type=Attachment._meta.label_lower,
            object_id=str(pk),
            result=AuditEvent.Result.DENIED,
        )
        raise
    try:
        stream = attachment.path.open("rb")
    except FileNotFoundError:
        logger.error("Attachment %s has no file at %s", attachment.pk, attachment.path)
        record(
            events.DOWNLOAD,
            request=request,
            obj=attachment,
            result=AuditEvent.Result.FAILURE,
            detail={"error": "file missing"},
        )
        raise Http404 from None
    record(
        events.DOWNLOAD,
        request=request,
        obj=attachment,
        detail={"name": attachment.original_name, "size": attachment.size},
    )
    response = FileResponse(stream, content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition(attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Even if a browser ignored the attachment disposition, the bytes could run nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


class _SizeLimitHandler(FileUploadHandler):
    """Stops reading an upload once it passes FILE_MAX_BYTES: it never reaches the disk."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.cut_name = ""

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.FILE_MAX_BYTES:
            self.cut_name = self.file_name or ""
            # Read and drop the rest, so the browser gets our answer, not a reset.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


@csrf_exempt
@require_POST
def upload(request: AuthedRequest) -> HttpResponse:
    """POST ``file`` (and ``unit``, or none for a committee file); answers in JSON."""
    # The limit must be in place before anything reads the body, the CSRF check included.
    limiter = _SizeLimitHandler(request)
    request.upload_handlers = [limiter, *request.upload_handlers]
    return _upload(request, limiter)


@csrf_protect
def _upload(request: AuthedRequest, limiter: _SizeLimitHandler) -> HttpResponse:
    user = request.user
    committee = user.committee
    if committee is None or not can(user, Action.CHANGE, Attachment):
        raise Http404
    unit = None
    unit_id = request.POST.get("unit", "")
    if unit_id:
        if not unit_id.isdigit():
            raise Http404
        unit = visible(user, Unit).filter(pk=int(unit_id)).first()
        if unit is None:
            raise Http404
    if not can(user, Action.CHANGE, Attachment(committee=committee, unit=unit)):
        raise PermissionDenied
    uploaded = request.FILES.get("file")
    try:
        if uploaded is None:
            raise refuse_unreceived(
                committee=committee, unit=unit, by=user, request=request, name=limiter.cut_name
            )
        attachment = store_upload(
            uploaded, committee=committee, unit=unit, by=user, request=request
        )
    except UploadRefused as refusal:
        return JsonResponse({"error": refusal.messages[0], "code": refusal.reason}, status=400)
    return JsonResponse(
        {
            "id": attachment.pk,
            "name": attachment.original_name,
            "size": attachment.size,
            "kind": attachment.kind,
            "url": reverse("files:download", args=[attachment.pk]),
        },
        status=201,
    )
