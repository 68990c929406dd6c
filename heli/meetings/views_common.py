"""What the meeting area's pages share: finding a record the person sees (a recorded 404
otherwise), refusing a step the person may not take (a recorded 403), and running a step
whose refusal comes back next to the form's fields or as a message on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect

from heli.accounts.policy import Action, visible
from heli.audit.actions import deny, record_denial, record_hidden_lookup
from heli.files.actions import CheckedUpload, check_upload
from heli.lib.forms import apply_errors
from heli.lib.http import AuthedRequest
from heli.meetings import access
from heli.meetings.models import JointMeeting

M = TypeVar("M", bound=Model)


# --- Finding records ------------------------------------------------------------------------


def _lookup(user: Any, model: type[M], pk: int, related: tuple[str, ...]) -> M | None:
    qs = visible(user, model)
    if related:
        qs = qs.select_related(*related)
    found: M | None = qs.filter(pk=pk).first()
    return found


def visible_or_404(user: Any, model: type[M], pk: int, *related: str) -> M:
    """The record if this person sees it; otherwise a 404, recorded when the record is
    in the person's own committee (the policy hid it)."""
    found = _lookup(user, model, pk, related)
    if found is None:
        record_hidden_lookup(user, model, pk)
        raise Http404
    return found


def visible_or_deny(request: AuthedRequest, model: type[M], pk: int, *related: str) -> M:
    """The record if this person sees it; otherwise a 404, every miss recorded."""
    found = _lookup(request.user, model, pk, related)
    if found is None:
        deny(Action.VIEW, request=request, model=model)
    return found


# --- Refusing -------------------------------------------------------------------------------


def forbid(request: AuthedRequest, obj: Any = None, model: Any = None) -> NoReturn:
    """The person sees the record but may not do this: recorded, then 403."""
    record_denial(Action.CHANGE, request=request, obj=obj, model=model)
    raise PermissionDenied


def require_manager(request: AuthedRequest, meeting: JointMeeting) -> None:
    """Only the meeting's managers (the office, a lead unit's secretary) go on."""
    if not access.manages(request.user, meeting):
        forbid(request, meeting)


def refusal_text(check: Callable[[], object]) -> str:
    """What ``check`` refuses, as one line ("" when it passes)."""
    try:
        check()
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def checked_upload(
    request: AuthedRequest, uploaded: UploadedFile, belongs_to: Model | None = None
) -> CheckedUpload:
    """The upload mechanism's checks of a file the person sends for the committee (no unit
    of its own); ``UploadRefused`` when it fails them."""
    return check_upload(
        uploaded,
        committee=request.committee,
        unit=None,
        by=request.user,
        request=request,
        belongs_to=belongs_to,
    )


# --- Running a step -------------------------------------------------------------------------


def show_refusal(request: AuthedRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


def run_step(
    request: AuthedRequest, step: Callable[[], object], done: str, back: str
) -> HttpResponse:
    """A step without a form: done, or refused with a message; either way back to ``back``."""
    try:
        step()
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, done)
    return redirect(back)


def form_step(
    request: AuthedRequest, form: BaseForm, step: Callable[[], object], done: str, back: str
) -> HttpResponse | None:
    """A step of a valid form: done, then to ``back``; refused, its reasons go next to the
    form's fields and the caller shows the form again (``None``)."""
    try:
        step()
    except ValidationError as error:
        apply_errors(form, error)
        return None
    messages.success(request, done)
    return redirect(back)
