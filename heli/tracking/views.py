"""Task pages: the list, a task with its history, assigning, and what waits for me."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, scope_of
from heli.audit.actions import deny
from heli.files.actions import store_upload
from heli.lib.forms import Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.org.models import Department
from heli.tracking import access, actions
from heli.tracking.forms import ExtensionForm, ReasonForm, ReportForm, TaskForm
from heli.tracking.lists import (
    WAITING_LABELS,
    chart_filters,
    filtered_tasks,
    require_view,
    visible_tasks,
    waiting_tasks,
    with_units,
)
from heli.tracking.models import ExtensionRequest, Task
from heli.tracking.workflow import Step

TASKS_PER_PAGE = 30


@require_GET
def task_list(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    form, tasks = filtered_tasks(request)
    tasks = with_units(tasks.order_by("deadline", "id"))
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_add": can(request.user, Action.CHANGE, Task),
        "today": timezone.localdate(),
        "chart_filters": chart_filters(request.GET),
    }
    template = "tracking/task_rows.html" if request.htmx else "tracking/task_list.html"
    return render(request, template, context)


@require_GET
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task_access = access.get_task_for_user(request.user, pk)
    task = task_access.obj
    context = {
        "task": task,
        "access": task_access,
        "steps": task_access.steps,
        "cooperating": [c.unit for c in task.cooperations.select_related("unit")],
        "transitions": task.transitions.select_related("by"),
        "reports": task.reports.select_related("by").prefetch_related("attachments"),
        "extensions": task.extensions.select_related("requested_by", "decided_by"),
        "children": with_units(visible_tasks(request.user).filter(parent=task)),
        "report_form": bootstrap(ReportForm()),
        "reason_form": bootstrap(ReasonForm()),
        "extension_form": bootstrap(ExtensionForm()),
        "today": timezone.localdate(),
        "Step": {s.name: s.value for s in Step},
    }
    return render(request, "tracking/task_detail.html", context)


def _departments_for(request: AuthedRequest) -> QuerySet[Department]:
    s = scope_of(request.user)
    departments = Department.objects.filter(committee=request.committee)
    if s.has(Role.COMMITTEE_LEADER):
        return departments
    return departments.filter(pk__in=s.department_ids)


def _render_form(request: AuthedRequest, form: Form, context: dict[str, Any]) -> HttpResponse:
    return render(request, "tracking/task_form.html", {"form": bootstrap(form), **context})


@require_http_methods(["GET", "POST"])
def task_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.CHANGE, Task):
        deny(Action.CHANGE, request=request, model=Task)
    departments = _departments_for(request)
    context = {"title": _("Assign a task"), "cancel_url": reverse("tracking:task_list")}
    kwargs: dict[str, Any] = {"committee": request.committee, "departments": departments}
    if request.method != "POST":
        today = timezone.localdate()
        initial: dict[str, Any] = {
            "assigned_at": today,
            "priority": Task.Priority.NORMAL,
            "department": departments.first(),
        }
        parent_id = request.GET.get("parent")
        if parent_id and parent_id.isdigit():
            initial["parent"] = int(parent_id)
        # "Assign a task to this unit" on a unit's page; the form's choices still decide.
        lead_unit_id = request.GET.get("lead_unit")
        if lead_unit_id and lead_unit_id.isdigit():
            initial["lead_unit"] = int(lead_unit_id)
        form = TaskForm(initial=initial, **kwargs)
        return _render_form(request, form, {**context, "token": new_token()})

    def create(data: dict[str, Any]) -> Created:
        task = actions.create_task(request.committee, data, request.user)
        messages.success(request, _("The task was assigned."))
        return Created(reverse("tracking:task_detail", args=[task.pk]))

    def render_form(form: TaskForm, token: str) -> HttpResponse:
        return _render_form(request, form, {**context, "token": token})

    return create_once(
        request,
        TaskForm(request.POST, **kwargs),
        create,
        render_form=render_form,
        fallback_url=reverse("tracking:task_list"),
    )


@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    task_access = access.get_task_for_user(request.user, pk)
    task = task_access.obj
    if "change" not in task_access:
        if task.is_closed:
            messages.error(request, _("A closed task cannot be changed."))
            return redirect("tracking:task_detail", pk=task.pk)
        deny(Action.CHANGE, request=request, obj=task)
    cancel_url = reverse("tracking:task_detail", args=[task.pk])
    context = {"title": _("Edit the task"), "task": task, "cancel_url": cancel_url}
    departments = Department.objects.filter(committee=request.committee)
    kwargs: dict[str, Any] = {
        "committee": request.committee,
        "departments": departments,
        "task": task,
    }
    if request.method != "POST":
        initial = {f: getattr(task, f) for f in actions.EDITABLE_FIELDS}
        initial["cooperating_units"] = [c.unit_id for c in task.cooperations.all()]
        initial["version"] = task.version
        return _render_form(request, TaskForm(initial=initial, **kwargs), context)
    form = TaskForm(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_task(task, data["version"] or 0, data, request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The changes to the task were saved."))
            return redirect(cancel_url)
    return _render_form(request, form, context)


def _refused(request: AuthedRequest, task: Task, error: ValidationError) -> HttpResponse:
    for message in error.messages:
        messages.error(request, message)
    return redirect("tracking:task_detail", pk=task.pk)


@require_POST
def task_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    if step not in Step.values or step in (Step.CREATE, *EXTENSION_STEPS):
        raise Http404
    version = request.POST.get("version", "")
    try:
        actions.take_step(
            task,
            Step(step),
            request.user,
            reason=request.POST.get("reason", ""),
            version=int(version) if version.isdigit() else None,
        )
    except ValidationError as error:
        return _refused(request, task, error)
    messages.success(request, _("Done: %(step)s.") % {"step": Step(step).label})
    return redirect("tracking:task_detail", pk=task.pk)


EXTENSION_STEPS = (Step.REQUEST_EXTENSION, Step.APPROVE_EXTENSION, Step.REFUSE_EXTENSION)


@require_POST
def task_report(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    form = ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, task, ValidationError(_form_messages(form)))
    data = form.cleaned_data
    try:
        actions.check_reporter(task, request.user)
        actions.check_percent(data["percent"])
        attachments = []
        if data["file"]:
            attachments.append(
                store_upload(
                    data["file"],
                    committee=request.committee,
                    unit=task.lead_unit,
                    by=request.user,
                    request=request,
                    belongs_to=task,
                )
            )
        actions.report_progress(
            task,
            text=data["text"],
            percent=data["percent"],
            by=request.user,
            attachments=attachments,
        )
    except ValidationError as error:
        return _refused(request, task, error)
    messages.success(request, _("The progress report was added."))
    return redirect("tracking:task_detail", pk=task.pk)


def _form_messages(form: Form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


@require_POST
def extension_request(request: AuthedRequest, pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, ValidationError(_form_messages(form)))
    try:
        actions.request_extension(
            task,
            requested_deadline=form.cleaned_data["requested_deadline"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
    except ValidationError as error:
        return _refused(request, task, error)
    messages.success(request, _("The extension request was sent to the supervising department."))
    return redirect("tracking:task_detail", pk=task.pk)


@require_POST
def extension_decide(request: AuthedRequest, pk: int, extension_pk: int) -> HttpResponse:
    task = access.get_task_for_user(request.user, pk).obj
    extension = ExtensionRequest.objects.filter(task=task, pk=extension_pk).first()
    if extension is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    try:
        actions.decide_extension(
            extension, approve=approve, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        return _refused(request, task, error)
    messages.success(request, _("The extension request was decided."))
    return redirect("tracking:task_detail", pk=task.pk)


@require_GET
def waiting(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    sections = [
        (key, WAITING_LABELS[key], list(with_units(qs.order_by("deadline", "id"))[:200]))
        for key, qs in waiting_tasks(request.user).items()
    ]
    return render(
        request,
        "tracking/waiting.html",
        {"sections": sections, "today": timezone.localdate()},
    )
