"""The task lists every page of the battle map shares.

The task list, its Excel export, the wall chart, the board, the dashboards and "waiting
for me" all read tasks through here: who may read them at all (:func:`require_view`),
which ones a request selects (:func:`filtered_tasks`, with the wall chart's and the
board's cell parameters), and the related rows a table shows (:func:`with_units`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote_plus

from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, scope_of, visible
from heli.audit.actions import record_denial
from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.org.models import Department, GroupMembership, Unit
from heli.tracking.forms import TaskFilterForm
from heli.tracking.models import ExtensionRequest, Task, TaskUnit
from heli.tracking.queries import TaskQuerySet
from heli.tracking.workflow import Status

# The parameters the wall chart and the board add to the task list's own filters.
CHART_PARAMS = ("lead_unit", "group", "month", "state", "source_kind")
# Month 0 is the wall chart's column of tasks whose deadline falls outside the work year.
OTHER_MONTH = 0
LOWEST_YEAR, HIGHEST_YEAR = 2000, 2100


def require_view(request: AuthedRequest) -> None:
    """A 404 (recorded) for whoever may not read tasks at all."""
    if not can(request.user, Action.VIEW, Task):
        record_denial(Action.VIEW, request=request, model=Task)
        raise Http404


def visible_tasks(user: Any) -> TaskQuerySet[Task]:
    """The tasks ``user`` may see (the one policy) that count — withdrawn ones are on no
    list (:meth:`TaskQuerySet.live`) — with the task QuerySet's methods."""
    return cast(TaskQuerySet[Task], visible(user, Task)).live()


def with_units(tasks: TaskQuerySet[Task]) -> TaskQuerySet[Task]:
    """The tasks with what a task table shows: lead unit, department, cooperating units."""
    return tasks.select_related("lead_unit", "department").prefetch_related(
        Prefetch(
            "cooperations",
            queryset=TaskUnit.objects.select_related("unit").order_by("unit__sort_order"),
        )
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def requested_year(
    request: HttpRequest, lowest: int = LOWEST_YEAR, highest: int = HIGHEST_YEAR
) -> int:
    """The ``year`` a page asks for, or the current work year when it is missing or out of range."""
    year = _int(request.GET.get("year"))
    return year if year is not None and lowest <= year <= highest else current_year()


def chart_filters(params: QueryDict) -> list[tuple[str, str]]:
    """The chart parameters of a request, to carry them through the list's filter form."""
    return [(name, value) for name in CHART_PARAMS for value in params.getlist(name)]


def apply_chart_filters(
    tasks: TaskQuerySet[Task], params: QueryDict, today: datetime.date
) -> TaskQuerySet[Task]:
    """Narrow the task list by the wall chart's and the board's parameters.

    ``lead_unit`` (repeatable), ``group`` and ``month`` (1-12, 0 for a deadline outside
    the year) need ``year``; ``state`` is a colour of :data:`states.STATES`;
    ``source_kind`` a task source's code. Unknown values select nothing rather than
    everything.
    """
    year = _int(params.get("year"))
    lead_units = params.getlist("lead_unit")
    if lead_units:
        ids = [int(v) for v in lead_units if v.isdigit()]
        tasks = tasks.filter(lead_unit_id__in=ids)
    if "group" in params:
        group = _int(params.get("group"))
        tasks = tasks.filter(
            lead_unit_id__in=GroupMembership.objects.filter(
                year=year or 0, group_year__group_id=group or 0
            ).values("unit_id")
        )
    if "month" in params:
        month = _int(params.get("month"))
        if year is None or month is None or month > 12:
            return tasks.none()
        if month == OTHER_MONTH:
            tasks = tasks.exclude(deadline__year=year)
        else:
            tasks = tasks.filter(deadline__year=year, deadline__month=month)
    if "state" in params:
        tasks = tasks.in_state(params.get("state", ""), today)
    if "source_kind" in params:
        tasks = tasks.filter(source_kind=params.get("source_kind", ""))
    return tasks


def filtered_tasks(request: AuthedRequest) -> tuple[TaskFilterForm, TaskQuerySet[Task]]:
    """The list's filter form and the visible tasks it selects (the list and its export)."""
    today = timezone.localdate()
    units = visible(request.user, Unit).order_by("sort_order", "id")
    departments = Department.objects.filter(committee=request.committee)
    form = TaskFilterForm(request.GET or None, units=units, departments=departments)
    tasks = visible_tasks(request.user)
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
            tasks = tasks.in_state("overdue", today)
    # The wall chart's and the board's cells link here with their own exact filters.
    return form, apply_chart_filters(tasks, request.GET, today)


def query_string(params: Mapping[str, Any]) -> str:
    """``params`` as a query string; lists and tuples become repeated parameters."""
    pairs = []
    for key, value in params.items():
        for v in value if isinstance(value, list | tuple) else [value]:
            if v is not None:
                # Integers need no quoting; a large chart builds thousands of these.
                pairs.append(f"{key}={v if isinstance(v, int) else quote_plus(str(v))}")
    return "&".join(pairs)


def list_url(**params: Any) -> str:
    """The task list's address with these filters."""
    return f"{reverse('tracking:task_list')}?{query_string(params)}"


# The kinds of work that wait for a person, as the home page and "Waiting for me" name them.
WAITING_LABELS = {
    "to_sign": gettext_lazy("To sign for"),
    "to_report": gettext_lazy("To report on"),
    "to_verify": gettext_lazy("To verify and close"),
    "to_decide": gettext_lazy("Extension requests to decide"),
}


def waiting_tasks(user: Any) -> dict[str, TaskQuerySet[Task]]:
    """What waits for the user's next step, by kind (each a query, counted or listed).

    "To report on" is exactly what the lead unit owes work on — the tasks it is reminded
    about when no progress has been reported for a while.
    """
    s = scope_of(user)
    tasks = visible_tasks(user)
    none = tasks.none()
    mine = tasks.filter(lead_unit_id__in=s.editor_unit_ids) if s.editor_unit_ids else none
    supervised = (
        tasks.filter(department_id__in=s.department_ids)
        if s.has(Role.COMMITTEE_STAFF) and s.department_ids
        else none
    )
    return {
        "to_sign": mine.filter(status=Status.ASSIGNED),
        "to_report": mine.unit_owes_work(),
        "to_verify": supervised.filter(status=Status.REPORTED_DONE),
        "to_decide": supervised.filter(
            extensions__status=ExtensionRequest.Decision.PENDING
        ).distinct(),
    }
