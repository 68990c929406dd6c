"""What every page with a form does the same way.

* :func:`bootstrap` gives widgets Bootstrap's classes and marks the fields in error;
* :func:`apply_errors` puts an action's refusal (a ``ValidationError``) next to the field
  it concerns, or above the form, so the page shows it with what the user typed;
* :func:`create_once` is the flow of a form that creates a record: sent twice (a double
  click, a resent request), it creates one (:mod:`heli.lib.idempotency`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from heli.lib.idempotency import Submission, new_token

F = TypeVar("F", bound=forms.BaseForm)


def bootstrap(form: F) -> F:
    """Give every widget Bootstrap's classes, marking fields with errors."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput | forms.RadioSelect):
            continue
        css = (
            "form-check-input"
            if isinstance(widget, forms.CheckboxInput)
            else ("form-select" if isinstance(widget, forms.Select) else "form-control")
        )
        if form.is_bound and name in form.errors:
            css += " is-invalid"
        widget.attrs["class"] = css
    return form


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Put an action's refusal next to the field it concerns, or above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@dataclass(frozen=True)
class Created:
    """What a create flow made: the record's address, and the page to answer with.

    A repeated submission is sent to ``url``; the first one gets ``response``, or a
    redirect to ``url`` when there is none.
    """

    url: str
    response: HttpResponse | None = None


def create_once(
    request: HttpRequest,
    form: F,
    create: Callable[[dict[str, Any]], Created],
    *,
    render_form: Callable[[F, str], HttpResponse],
    fallback_url: str,
) -> HttpResponse:
    """Handle the POST of a form that creates something, once per submission token.

    ``create`` gets the cleaned data and makes the record (raising ``ValidationError``
    to refuse it); ``render_form(form, token)`` shows the form again with its errors;
    a repeated submission whose first one has not finished goes to ``fallback_url``.
    The form's template sends the token as ``submission``.
    """
    token = request.POST.get("submission")
    submission = Submission(request, token)
    if not submission.first:
        messages.info(request, _("This form was already sent; nothing was saved twice."))
        return redirect(submission.result_url or fallback_url)
    if form.is_valid():
        try:
            created = create(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            submission.done(created.url)
            return created.response or redirect(created.url)
    submission.release()
    return render_form(form, token or new_token())
