"""The auditor's screen: search the audit log, open one event, export what was found.

Only the audit administrator sees any of it (三员分立): everyone else gets a 404, and
the attempt is itself audited.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from heli.accounts.policy import Action, can, visible
from heli.audit import events, export, names
from heli.audit.actions import record, record_denial
from heli.audit.forms import AuditFilterForm
from heli.audit.models import AuditEvent
from heli.lib.http import AuthedRequest

EVENTS_PER_PAGE = 50
# Beyond this an export would be too big to open in Excel comfortably; narrow the search.
EXPORT_MAX_ROWS = getattr(settings, "AUDIT_EXPORT_MAX_ROWS", 100_000)


def _require_auditor(request: AuthedRequest) -> None:
    if not can(request.user, Action.VIEW, AuditEvent):
        record_denial(Action.VIEW, request=request, model=AuditEvent)
        raise Http404


def _events(request: AuthedRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    return form.filter(visible(request.user, AuditEvent)).order_by("-pk")


@require_GET
def event_list(request: AuthedRequest) -> HttpResponse:
    _require_auditor(request)
    form = AuditFilterForm(request.GET or None)
    rows = _events(request, form).only(
        "pk",
        "created_at",
        "username",
        "source_ip",
        "event",
        "object_type",
        "object_id",
        "object_repr",
        "result",
        "detail",  # names the step a row took
    )
    page = Paginator(rows, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    kinds = names.kind_names()
    for event in page.object_list:
        event.label = names.event_label(  # type: ignore[attr-defined]
            event.event, event.object_type, event.detail
        )
        event.kind = kinds.get(event.object_type, event.object_type)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": form,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query": query.urlencode(),
        "export_max": EXPORT_MAX_ROWS,
    }
    template = "audit/event_rows.html" if request.htmx else "audit/event_list.html"
    return render(request, template, context)


@require_GET
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_auditor(request)
    event = visible(request.user, AuditEvent).filter(pk=pk).first()
    if event is None:
        raise Http404
    context = {
        "event": event,
        "label": names.event_label(event.event, event.object_type, event.detail),
        "kind": names.kind_names().get(event.object_type, event.object_type),
        "detail_items": names.detail_items(event.object_type, event.detail),
    }
    return render(request, "audit/event_detail.html", context)


@require_POST
def event_export(request: AuthedRequest, fmt: str) -> HttpResponseBase:
    """The rows the search found, as .xlsx or .csv; the export is itself an audit event."""
    _require_auditor(request)
    if fmt not in export.FORMATS:
        raise Http404
    query = QueryDict(request.POST.get("query", ""))
    back = f"{reverse('audit:event_list')}?{query.urlencode()}"
    form = AuditFilterForm(query or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the search first; nothing was exported."))
        return redirect(back)
    found = _events(request, form)
    with transaction.atomic():
        # Fix what "the rows found" means before recording it: every match up to the
        # newest row now, so the file and its audit row describe the same set.
        upto = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        found = found.filter(pk__lte=upto)
        total = found.count()
        if total > EXPORT_MAX_ROWS:
            messages.error(
                request,
                _(
                    "The search found %(total)s records; an export holds at most %(max)s. "
                    "Narrow the time range or add a filter, then export again."
                )
                % {"total": total, "max": EXPORT_MAX_ROWS},
            )
            return redirect(back)
        record(
            events.EXPORT,
            request=request,
            object_type=AuditEvent._meta.label_lower,
            object_repr=_("Audit log"),
            detail={"format": fmt, "rows": total, "upto_id": upto, "filters": form.as_detail()},
        )
    # The file's name, before the time it was made.
    return export.response(
        fmt, found.order_by("-pk"), _("audit-log"), form=form, made_by=request.user
    )
