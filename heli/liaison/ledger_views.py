"""The contact ledger's download (``liaison:ledger_xlsx``), with the contact list's filters."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heli.accounts.policy import Action, can
from heli.audit.actions import record_denial
from heli.audit.export import audited_download
from heli.liaison.ledger import build_ledger
from heli.liaison.models import Contact
from heli.lib import xlsx
from heli.lib.http import AuthedRequest


@require_GET
def ledger_xlsx(request: AuthedRequest) -> HttpResponse:
    """The year's contact ledger (沟通联系台账) as a workbook to print and file; audited."""
    if not can(request.user, Action.VIEW, Contact):
        record_denial(Action.VIEW, request=request, model=Contact)
        raise Http404
    book, rows, year = build_ledger(request)
    filters = {k: v for k, v in request.GET.lists() if k not in ("page", "format")}
    detail = {"format": "xlsx", "rows": rows, "year": year, "filters": filters}
    return audited_download(
        request,
        book.bytes(),
        name=_("contact-ledger"),
        extension=xlsx.EXTENSION,
        content_type=xlsx.CONTENT_TYPE,
        object_type=Contact._meta.label_lower,
        object_repr=_("Contact ledger"),
        detail=detail,
    )


urlpatterns: list[URLPattern] = [
    path("ledger/export/", ledger_xlsx, name="ledger_xlsx"),
]
