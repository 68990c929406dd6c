"""Excel import of units, groups, accounts and role grants, and its template.

One page for every importer; what it offers follows the policy (三员分立). Groups, units
and accounts are written as soon as the file is checked. Role grants, the security
administrator's, are shown first as a preview of every grant and every secretary change;
the preview's rows wait in the session and are checked again and written only when the
security administrator confirms exactly what was shown.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from heli.accounts.models import User
from heli.accounts.policy import Action
from heli.audit.actions import deny
from heli.lib.dates import current_year
from heli.org.import_forms import ConfirmForm, ImportForm
from heli.org.importer import (
    MAX_ROWS,
    ImportApplyError,
    ImportPlan,
    ImportSummary,
    Rights,
    RoleRow,
    Source,
    apply_import,
    apply_role_import,
    build_template,
    check_again,
    parse_workbook,
    record_refused_import,
    rights_of,
)
from heli.org.models import Committee, Unit

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMPLATE_NAME = "合力-单位分组人员导入模板.xlsx"
ROLES_TEMPLATE_NAME = "合力-角色授权导入模板.xlsx"
# A file wrong on every row would list tens of thousands of problems; the first
# thousand are enough to see what to fix, and the page says how many there are.
MAX_SHOWN = 1000
# The role grants waiting for the security administrator's confirmation.
PENDING = "heli.org.import.pending_roles"


def _importer(request: HttpRequest) -> tuple[User, Committee, Rights]:
    """The signed-in user, their committee and what they may import; a 404 if nothing."""
    rights = rights_of(request.user)
    if not rights.any:
        deny(Action.IMPORT, request=request, model=Unit)
    user = cast(User, request.user)
    if user.committee is None:  # the policy already refuses users without a committee
        raise Http404
    return user, user.committee, rights


@require_http_methods(["GET", "POST"])
def import_registry(request: HttpRequest) -> HttpResponse:
    user, _committee, rights = _importer(request)
    context: dict[str, Any] = {
        "year": current_year(),
        "max_size": filesizeformat(settings.IMPORT_MAX_BYTES),
        "max_rows": MAX_ROWS,
        "rights": rights,
        "may_import_people": rights.people,
        "roles_only": rights.roles and not (rights.registry or rights.people),
        "problems": [],
        "problem_count": 0,
        "preview": None,  # a role import waiting for confirmation
        "summary": None,
        "failed": False,  # applying failed: nothing was written
        "failed_reason": "",
        "expired": False,  # a confirmation without its preview
        "preview_changed": False,  # the registry moved since the preview
    }
    form = ImportForm()
    if request.method == "POST" and "token" in request.POST:
        _confirm(request, user, context)
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            plan = parse_workbook(upload, user, file_name=upload.name or "", rights=rights)
            for problem in plan.file_problems:
                form.add_error("file", problem.reason)
            if not plan.ok:
                _show_problems(plan, context)
                record_refused_import(plan)
            elif plan.grants_roles:
                _hold(request, plan, context)
            else:
                _apply(plan, apply_import, context)
    context["form"] = form
    return render(request, "org/import.html", context)


def _show_problems(plan: ImportPlan, context: dict[str, Any]) -> None:
    problems = plan.sheet_problems
    context["problems"] = problems[:MAX_SHOWN]
    context["problem_count"] = len(problems)


def _apply(
    plan: ImportPlan, apply: Callable[[ImportPlan], ImportSummary], context: dict[str, Any]
) -> None:
    try:
        context["summary"] = apply(plan)
    except ImportApplyError as error:
        context.update(failed=True, failed_reason=str(error))
        record_refused_import(plan, reason=str(error))
    except DatabaseError:
        logger.exception("Registry import failed in the database")
        context["failed"] = True
        try:
            record_refused_import(plan, reason="database_error")
        except DatabaseError:
            logger.exception("The failed import could not be audited")


def _hold(request: HttpRequest, plan: ImportPlan, context: dict[str, Any]) -> None:
    """Keep a checked role plan for the confirmation and show its preview."""
    token = secrets.token_urlsafe(16)
    request.session[PENDING] = {
        "token": token,
        "user": plan.by.pk,
        "source": dataclasses.asdict(plan.source),
        "rows": [dataclasses.asdict(row) for row in plan.roles],
        "preview": plan.preview_key,
    }
    context["preview"] = plan
    context["confirm_form"] = ConfirmForm(initial={"token": token})


def _confirm(request: HttpRequest, user: User, context: dict[str, Any]) -> None:
    """Apply the role plan of the preview, if it still does exactly what was shown."""
    form = ConfirmForm(request.POST)
    pending = request.session.get(PENDING)
    if (
        not form.is_valid()
        or not isinstance(pending, dict)
        or pending.get("user") != user.pk
        or not secrets.compare_digest(str(pending.get("token", "")), form.cleaned_data["token"])
    ):
        context["expired"] = True
        return
    del request.session[PENDING]
    if user.committee is None:  # checked by _importer
        raise Http404
    held = ImportPlan(
        committee=user.committee,
        by=user,
        rights=rights_of(user),
        source=Source(**pending["source"]),
        roles=[RoleRow(**row) for row in pending["rows"]],
    )
    plan = check_again(held)
    if not plan.ok:
        _show_problems(plan, context)
        record_refused_import(plan)
    elif plan.preview_key != pending["preview"]:
        context["preview_changed"] = True
        _hold(request, plan, context)
    else:
        _apply(plan, apply_role_import, context)


@require_http_methods(["GET"])
def import_template(request: HttpRequest) -> HttpResponse:
    _user, _committee, rights = _importer(request)
    roles_only = rights.roles and not (rights.registry or rights.people)
    return HttpResponse(
        build_template(rights),
        content_type=XLSX,
        headers={
            "Content-Disposition": content_disposition_header(
                as_attachment=True, filename=ROLES_TEMPLATE_NAME if roles_only else TEMPLATE_NAME
            )
            or "attachment"
        },
    )
