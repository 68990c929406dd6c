"""What Heli says when something goes wrong.

* The error pages: 400, 403, 404, 500 and the refused form (CSRF), in the house layout,
  each with a way back. 400 and 500 are rendered without the request's context
  processors: they must answer when the database is down (the menu and the bell query
  it) and must not fail again on what made the request fail.
* :data:`DJANGO_FORM_MESSAGES`: Django's own form and validation messages that Heli's
  pages can show. Heli's catalogue gives them plain Chinese ("不能超过200个字…", not
  "确保该变量包含不超过 200 字符"); listing them here keeps them in the catalogue when
  ``make messages`` drops the entries the code no longer names.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext_lazy

HEADINGS: dict[int, Promise] = {
    400: _("The request could not be read"),
    403: _("You may not open this page"),
    404: _("This page was not found"),
    500: _("Something went wrong on the server"),
}
EXPLANATIONS: dict[int, Promise] = {
    400: _(
        "The address or the form that was sent is not one Heli can read. "
        "Go back and try again from a page of Heli."
    ),
    403: _(
        "Your roles do not include this. If your work needs it, "
        "ask the security administrator to grant the role."
    ),
    404: _(
        "The page does not exist, was removed, or is not open to your account. "
        "Check the address, or go back and choose again."
    ),
    500: _(
        "The server could not finish this request; the error has been logged. "
        "Try again in a few minutes. If it happens again, tell the system "
        "administrator when it happened."
    ),
}
CSRF_HEADING = _("The form could not be accepted")
CSRF_EXPLANATION = _(
    "The form was sent without a valid security token: the page may have been open "
    "too long, you may have signed out or in again in another window, or the browser "
    "blocks cookies. Copy what you typed if you need it, go back, reload the page and "
    "send the form again."
)


def _back_url(request: HttpRequest) -> str:
    """The page the person came from, when it is one of Heli's own and not this one."""
    referer = str(request.META.get("HTTP_REFERER", ""))
    if not referer:
        return ""
    try:
        host = request.get_host()
    except DisallowedHost:  # a refused Host header is what a 400 may be about
        return ""
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    if request.method in ("GET", "HEAD") and referer.endswith(request.get_full_path()):
        return ""  # the failing page itself; a refused form's own page is the way back
    return referer


def _context(request: HttpRequest, status: int) -> dict[str, Any]:
    return {
        "status": status,
        "heading": HEADINGS[status],
        "explanation": EXPLANATIONS[status],
        "back_url": _back_url(request),
    }


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _plain(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "403.html", _context(request, 403), status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", _context(request, 404), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _plain(request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The page of a form refused by the CSRF check (``CSRF_FAILURE_VIEW``)."""
    context = {
        "status": 403,
        "heading": CSRF_HEADING,
        "explanation": CSRF_EXPLANATION,
        "back_url": _back_url(request),
        "back_first": True,
        # Why, for the developer; people read the explanation.
        "reason": reason if settings.DEBUG else "",
    }
    return render(request, "csrf_failure.html", context, status=403)


def _plain(request: HttpRequest, status: int) -> HttpResponse:
    """The page rendered from its own context alone: no user, no menu, no query."""
    body = loader.get_template(f"{status}.html").render(_context(request, status))
    return HttpResponse(body, status=status)


# Django's messages that Heli's forms show (fields, validators, model checks, passwords).
# gettext_noop: only listed here, translated where Django raises them.
DJANGO_FORM_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("This field cannot be null."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid time."),
    gettext_noop("Enter a valid date/time."),
    gettext_noop("Enter a valid value."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("Enter a list of values."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("Value %(value)r is not a valid choice."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("No file was submitted. Check the encoding type on the form."),
    gettext_noop("No file was submitted."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop(
        "Please enter a correct %(username)s and password. Note that both fields may be "
        "case-sensitive."
    ),
    gettext_noop("This account is inactive."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this filename has at most %(max)d character (it has %(length)d).",
        "Ensure this filename has at most %(max)d characters (it has %(length)d).",
        "max",
    ),
)
