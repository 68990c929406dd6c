"""Excel import of units, groups and people, and its template."""

from __future__ import annotations

import logging
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from heli.accounts.models import User
from heli.accounts.policy import Action, can
from heli.audit.actions import deny
from heli.lib.dates import current_year
from heli.org.import_forms import ImportForm
from heli.org.importer import (
    MAX_ROWS,
    ImportApplyError,
    apply_import,
    build_template,
    parse_workbook,
)
from heli.org.models import Committee, Unit

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "合力-单位分组人员导入模板.xlsx"
# A file wrong on every row would list tens of thousands of problems; the first
# thousand are enough to see what to fix, and the page says how many there are.
MAX_SHOWN = 1000


def _importer(request: HttpRequest) -> tuple[User, Committee]:
    """The signed-in user and their committee, if they may import; a 404 otherwise."""
    if not can(request.user, Action.IMPORT, Unit):
        deny(Action.IMPORT, request=request, model=Unit)
    user = cast(User, request.user)
    if user.committee is None:  # can() already refuses users without a committee
        raise Http404
    return user, user.committee


@require_http_methods(["GET", "POST"])
def import_registry(request: HttpRequest) -> HttpResponse:
    user, committee = _importer(request)
    context: dict[str, Any] = {
        "year": current_year(),
        "max_size": filesizeformat(settings.IMPORT_MAX_BYTES),
        "max_rows": MAX_ROWS,
        "may_import_people": can(user, Action.IMPORT, User),
        "problems": [],
        "problem_count": 0,
        "summary": None,
        "failed": False,  # applying failed: nothing was written
        "failed_reason": "",
    }
    form = ImportForm()
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            plan = parse_workbook(
                form.cleaned_data["file"], committee, may_import_people=context["may_import_people"]
            )
            for problem in plan.file_problems:
                form.add_error("file", problem.reason)
            problems = plan.sheet_problems
            context["problems"] = problems[:MAX_SHOWN]
            context["problem_count"] = len(problems)
            if plan.ok:
                try:
                    context["summary"] = apply_import(plan, by=user)
                except ImportApplyError as error:
                    context.update(failed=True, failed_reason=str(error))
                except DatabaseError:
                    logger.exception("Registry import failed in the database")
                    context["failed"] = True
    context["form"] = form
    return render(request, "org/import.html", context)


@require_http_methods(["GET"])
def import_template(request: HttpRequest) -> HttpResponse:
    _importer(request)
    return HttpResponse(
        build_template(),
        content_type=XLSX,
        headers={
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=TEMPLATE_NAME
            )
            or "attachment"
        },
    )
