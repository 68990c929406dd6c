"""Task pages: the list, a task with its history, assigning, and what waits for me."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit.actions import deny, record_denial
from heli.files.actions import store_upload
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import Submission, new_token
from heli.org.forms import bootstrap
from heli.org.models import Department, Unit
from heli.tracking import access, actions
from heli.tracking.forms import ExtensionForm, ReasonForm, ReportForm, TaskFilterForm, TaskForm
from heli.tracking.models import ExtensionRequest, Task, TaskUnit
from heli.tracking.workflow import Status, Step

TASKS_PER_PAGE = 30


def _apply_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _with_units(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.select_related("lead_unit", "department").prefetch_related(
        Prefetch(
            "cooperations",
            queryset=TaskUnit.objects.select_related("unit").order_by("unit__sort_order"),
        )
    )


def _require_view(request: AuthedRequest) -> None:
    if not can(request.user, Action.VIEW, Task):
        record_denial(Action.VIEW, request=request, model=Task)
        raise Http404


def filtered_tasks(request: AuthedRequest) -> tuple[TaskFilterForm, QuerySet[Task]]:
    """The list's filter form and the visible tasks it selects (shared with the exports)."""
    from heli.tracking import board

    units = visible(request.user, Unit).order_by("sort_order", "id")
    departments = Department.objects.filter(committee=request.committee)
    form = TaskFilterForm(request.GET or None, units=units, departments=departments)
    tasks = visible(request.user, Task)
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            tasks = tasks.filter(year=data["year"])
        if data["status"]:
            tasks = tasks.filter(status=data["status"])
        if data["unit"]:
            unit = data["unit"]
            tasks = tasks.filter(
                Q(lead_unit=unit) | Q(pk__in=TaskUnit.objects.filter(unit=unit).values("task"))
            )
        if data["department"]:
            tasks = tasks.filter(department=data["department"])
        if data["overdue"]:
            tasks = tasks.filter(board.state_q("overdue", timezone.localdate()))
    # The wall chart's and the board's cells link here with their own exact filters.
    tasks = board.apply_chart_filters(tasks, request.GET, timezone.localdate())
    return form, tasks


@require_GET
def task_list(request: AuthedRequest) -> HttpResponse:
    from heli.tracking import board

    _require_view(request)
    form, tasks = filtered_tasks(request)
    tasks = _with_units(tasks.order_by("deadline", "id"))
    page = Paginator(tasks, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_add": can(request.user, Action.CHANGE, Task),
        "today": timezone.localdate(),
        "chart_filters": board.chart_filters(request.GET),
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
        "children": _with_units(visible(request.user, Task).filter(parent=task)),
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
        form = TaskForm(initial=initial, **kwargs)
        return _render_form(request, form, {**context, "token": new_token()})
    token = request.POST.get("submission")
    submission = Submission(request, token)
    if not submission.first:
        messages.info(request, _("This form was already sent; nothing was saved twice."))
        return redirect(submission.result_url or reverse("tracking:task_list"))
    form = TaskForm(request.POST, **kwargs)
    if form.is_valid():
        try:
            task = actions.create_task(request.committee, form.cleaned_data, request.user)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            url = reverse("tracking:task_detail", args=[task.pk])
            submission.done(url)
            messages.success(request, _("The task was assigned."))
            return redirect(url)
    submission.release()
    return _render_form(request, form, {**context, "token": token or new_token()})


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
            _apply_errors(form, error)
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


def waiting_tasks(user: Any) -> dict[str, QuerySet[Task]]:
    """What waits for the user's next step, by kind (each a query, counted or listed)."""
    s = scope_of(user)
    tasks = visible(user, Task)
    none = tasks.none()
    mine = tasks.filter(lead_unit_id__in=s.editor_unit_ids) if s.editor_unit_ids else none
    supervised = (
        tasks.filter(department_id__in=s.department_ids)
        if s.has(Role.COMMITTEE_STAFF) and s.department_ids
        else none
    )
    return {
        "to_sign": mine.filter(status=Status.ASSIGNED),
        "to_report": mine.filter(status__in=[Status.RECEIVED, Status.IN_PROGRESS, Status.RETURNED]),
        "to_verify": supervised.filter(status=Status.REPORTED_DONE),
        "to_decide": supervised.filter(
            extensions__status=ExtensionRequest.Decision.PENDING
        ).distinct(),
    }


@require_GET
def waiting(request: AuthedRequest) -> HttpResponse:
    _require_view(request)
    sections = [
        (key, label, list(_with_units(qs.order_by("deadline", "id"))[:200]))
        for (key, qs), label in zip(
            waiting_tasks(request.user).items(),
            [
                _("To sign for"),
                _("To report on"),
                _("To verify and close"),
                _("Extension requests to decide"),
            ],
            strict=True,
        )
    ]
    return render(
        request,
        "tracking/waiting.html",
        {"sections": sections, "today": timezone.localdate()},
    )


def deadline_state(task: Task, today: datetime.date) -> str:
    """The colour of a task: grey closed, red overdue, amber due within 7 days, green."""
    if task.status == Status.CLOSED:
        return "closed"
    if task.status == Status.LONG_RUNNING:
        return "soon"
    if task.deadline < today:
        return "overdue"
    if task.deadline <= today + datetime.timedelta(days=7):
        return "soon"
    return "ok"
