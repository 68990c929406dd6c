"""What every page with a form does the same way.

* :func:`bootstrap` gives widgets Bootstrap's classes and marks the fields in error;
* :func:`apply_errors` puts an action's refusal (a ``ValidationError``) next to the field
  it concerns, or above the form, so the page shows it with what the user typed;
* :func:`create_once` is the flow of a form that creates a record: sent twice (a double
  click, a resent request), it creates one (:mod:`heli.lib.idempotency`);
* :class:`DateField` is every form's date: typed or picked, checked on the server against
  a range (the work years, 2000 to 2100, unless a form narrows it), refused with a message
  next to the field, so no date a person types ever reaches the database unchecked.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.lib.dates import format_date
from heli.lib.idempotency import Submission, new_token

F = TypeVar("F", bound=forms.BaseForm)


def _repeated(request: HttpRequest, url: str) -> HttpResponse:
    messages.info(request, _("This form was already sent; nothing was saved twice."))
    return redirect(url)


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


# How long the same content sent again by the same person counts as the same submission.
SAME_CONTENT_MINUTES = 15


def create_once(
    request: HttpRequest,
    form: F,
    create: Callable[[dict[str, Any]], Created],
    *,
    render_form: Callable[[F, str], HttpResponse],
    fallback_url: str,
    same_as: Callable[[dict[str, Any]], str | None] | None = None,
) -> HttpResponse:
    """Handle the POST of a form that creates something, once per submission token.

    ``create`` gets the cleaned data and makes the record (raising ``ValidationError``
    to refuse it); ``render_form(form, token)`` shows the form again with its errors;
    a repeated submission whose first one has not finished goes to ``fallback_url``.
    The form's template sends the token as ``submission``.

    ``same_as`` (cleaned data → an address, or None) finds the record that the same
    person made of the same content in the last :data:`SAME_CONTENT_MINUTES` minutes:
    that is a repeat too, even under a new token — what the back button and a second
    "send" produce, since signed-in pages are loaded again, with a new token, and the
    browser puts back what was typed.
    """
    token = request.POST.get("submission")
    submission = Submission(request, token)
    if not submission.first:
        return _repeated(request, submission.result_url or fallback_url)
    if form.is_valid():
        repeated = same_as(form.cleaned_data) if same_as is not None else None
        if repeated:
            submission.done(repeated)
            return _repeated(request, repeated)
        try:
            created = create(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            submission.done(created.url)
            return created.response or redirect(created.url)
    submission.release()
    return render_form(form, token or new_token())


# The dates Heli keeps: the work years 2000 to 2100 (the tables' own year range).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class DateInput(forms.DateInput):
    """The browser's date picker, sending and showing the date as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateField(forms.DateField):
    """A date from ``earliest`` to ``latest`` (the work years by default).

    A value that is no date, or one outside the range, is refused with a message that
    says what to type — never passed on to be refused by the database.
    """

    widget = DateInput
    default_error_messages = {
        "invalid": gettext_lazy("Enter the date as YYYY-MM-DD, for example 2026-11-26."),
        "required": gettext_lazy("Enter a date, for example 2026-11-26."),
    }

    def __init__(
        self,
        *,
        earliest: datetime.date = EARLIEST_DATE,
        latest: datetime.date = LATEST_DATE,
        **kwargs: Any,
    ) -> None:
        # Before the field's own set-up, which asks widget_attrs for the picker's range.
        self.earliest, self.latest = earliest, latest
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime.date | None:
        try:
            return super().to_python(value)
        except (OverflowError, ValueError) as error:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from error

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not self.earliest <= value <= self.latest:
            raise ValidationError(
                _("Enter a date from %(earliest)s to %(latest)s.")
                % {"earliest": format_date(self.earliest), "latest": format_date(self.latest)},
                code="out_of_range",
            )

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.DateInput):
            attrs.setdefault("min", self.earliest.isoformat())
            attrs.setdefault("max", self.latest.isoformat())
        return attrs
