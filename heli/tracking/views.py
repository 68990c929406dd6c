"""Task pages: the list, assigning and editing, and what waits for me.

A task's own page and the steps taken on it are in :mod:`heli.tracking.task_page`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms import Form
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit.actions import deny
from heli.lib.forms import SAME_CONTENT_MINUTES, Created, apply_errors, bootstrap, create_once
from heli.lib.http import AuthedRequest
from heli.lib.idempotency import new_token
from heli.lib.widgets import options_html
from heli.org.models import Department, Unit
from heli.tracking import access, actions, pickers
from heli.tracking.board import status_badges
from heli.tracking.forms import (
    MAX_UNIT_QUERY,
    MORE_UNITS,
    TaskForm,
    unit_choice_list,
    unit_matches,
)
from heli.tracking.lists import (
    WAITING_LABELS,
    UrgentFirst,
    chart_filters,
    counted_by_status,
    filtered_tasks,
    list_url,
    opened_plain,
    require_view,
    waiting_tasks,
)
from heli.tracking.models import Task
from heli.tracking.states import state_labels

TASKS_PER_PAGE = 30
# The most "Waiting for me" shows of one kind; each kind's full list is the task list's.
WAITING_ROWS = 200


@require_GET
def task_list(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    form, tasks = filtered_tasks(request, defaults=True)
    # A year and a status alone: counted from the counts of each status (cached).
    listed = UrgentFirst(tasks, known_count=counted_by_status(request.user, form))
    page: Page[Task] = Paginator(listed, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    # Opened without filters, the list holds this year's open tasks: its pages and its
    # export carry those filters, as the form shows them.
    plain = opened_plain(request.GET)
    query = QueryDict(mutable=True)
    query.update(form.data)
    query.pop("page", None)
    waiting_key = form.cleaned_data.get("waiting") if form.is_valid() else ""
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "plain": plain,
        "everything_url": list_url(year="", status=""),
        "waiting_label": WAITING_LABELS.get(waiting_key or "", ""),
        "can_add": can(request.user, Action.CHANGE, Task),
        "today": timezone.localdate(),
        "chart_filters": chart_filters(request.GET),
        "legend": list(state_labels().items()),
        "badges": status_badges(),
    }
    template = "tracking/task_rows.html" if request.htmx else "tracking/task_list.html"
    return render(request, template, context)


@require_GET
def unit_options(request: AuthedRequest) -> HttpResponse:
    """The task list's unit select as one types in its box (htmx): every unit, the
    chosen one, and the units the person sees whose name holds what was typed; a single
    match comes chosen. One query."""
    require_view(request)
    typed = request.GET.get("unit_q", "").strip()[:MAX_UNIT_QUERY]
    chosen_id = request.GET.get("unit", "")
    units = visible(request.user, Unit)
    found = unit_matches(units, typed)
    matched = {pk for pk, _name in found.units}
    chosen = None
    if chosen_id.isdigit() and int(chosen_id) not in matched:
        chosen = units.filter(pk=int(chosen_id)).values_list("pk", "name").first()
    if len(found.units) == 1 and not found.more:
        selected = str(found.units[0][0])
    elif chosen is not None or (chosen_id.isdigit() and int(chosen_id) in matched):
        selected = chosen_id
    else:
        selected = ""
    options = unit_choice_list(str(_("All units")), chosen, found)
    more = str(MORE_UNITS) if found.more else ""
    return HttpResponse(options_html(options, [selected], more))


def _departments_for(request: AuthedRequest) -> QuerySet[Department]:
    s = scope_of(request.user)
    departments = Department.objects.filter(committee=request.committee)
    if s.has(Role.COMMITTEE_LEADER):
        return departments
    return departments.filter(pk__in=s.department_ids)


def _render_form(
    request: AuthedRequest,
    form: Form,
    context: dict[str, Any],
    redisplay: pickers.Redisplay | None = None,
) -> HttpResponse:
    picked = pickers.form_context(request, form, task=context.get("task"), redisplay=redisplay)
    return render(
        request, "tracking/task_form.html", {"form": bootstrap(form), "picker": picked, **context}
    )


@require_http_methods(["GET", "POST"])
def task_create(request: AuthedRequest) -> HttpResponse:
    if not can(request.user, Action.CHANGE, Task):
        deny(Action.CHANGE, request=request, model=Task)
    departments = _departments_for(request)
    context = {"title": _("Assign a task"), "cancel_url": reverse("tracking:task_list")}
    kwargs: dict[str, Any] = {
        "committee": request.committee,
        "departments": departments,
        "user": request.user,
    }
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

    # A picker's button (no script): the form again as typed, nothing saved.
    if again := pickers.round_trip(request, lambda initial: TaskForm(initial=initial, **kwargs)):
        token = request.POST.get("submission") or new_token()
        return _render_form(request, again[0], {**context, "token": token}, again[1])

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
        same_as=lambda data: _same_task(request, data),
    )


def _same_task(request: AuthedRequest, data: dict[str, Any]) -> str | None:
    """The task this person assigned of the same content a moment ago (the form sent
    again after the back button), if there is one."""
    since = timezone.now() - datetime.timedelta(minutes=SAME_CONTENT_MINUTES)
    task = (
        Task.objects.filter(
            committee=request.committee,
            created_by=request.user,
            created_at__gte=since,
            title=data["title"],
            lead_unit=data["lead_unit"],
            department=data["department"],
            assigned_at=data["assigned_at"],
            deadline=data["deadline"],
            parent=data.get("parent"),
        )
        .live()
        .order_by("-pk")
        .first()
    )
    return reverse("tracking:task_detail", args=[task.pk]) if task is not None else None


@require_http_methods(["GET", "POST"])
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    task_access = access.get_task_for_user(request.user, pk)
    task = task_access.obj
    if "change" not in task_access:
        if task.is_final:
            messages.error(request, actions.closed_error(task).messages[0])
            return redirect("tracking:task_detail", pk=task.pk)
        deny(Action.CHANGE, request=request, obj=task)
    cancel_url = reverse("tracking:task_detail", args=[task.pk])
    context = {"title": _("Edit the task"), "task": task, "cancel_url": cancel_url}
    departments = Department.objects.filter(committee=request.committee)
    kwargs: dict[str, Any] = {
        "committee": request.committee,
        "departments": departments,
        "user": request.user,
        "task": task,
    }
    if request.method != "POST":
        initial = {f: getattr(task, f) for f in actions.EDITABLE_FIELDS}
        initial["cooperating_units"] = [c.unit_id for c in task.cooperations.all()]
        initial["version"] = task.version
        return _render_form(request, TaskForm(initial=initial, **kwargs), context)
    if again := pickers.round_trip(
        request, lambda initial: TaskForm(initial=initial, **kwargs), task=task
    ):
        return _render_form(request, again[0], context, again[1])
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


@require_GET
def waiting(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    sections = [
        (key, WAITING_LABELS[key], UrgentFirst(qs)[:WAITING_ROWS])
        for key, qs in waiting_tasks(request.user).items()
    ]
    return render(
        request,
        "tracking/waiting.html",
        {
            "sections": sections,
            "anything": any(rows for _key, _label, rows in sections),
            "today": timezone.localdate(),
        },
    )
