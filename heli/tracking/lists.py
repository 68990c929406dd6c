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

from django import forms
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When
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
from heli.tracking.states import DEADLINE_RUNNING, UNIT_OWES_WORK
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


# The task list's status filter "open": everything still followed (not closed).
OPEN = "open"


class ListFilterForm(TaskFilterForm):
    """The task list's filters: the filter form's, a status "open", and one kind of what
    waits for the user (the home page's counts open the list with it)."""

    waiting = forms.ChoiceField(
        label=gettext_lazy("Waiting for me"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = cast(forms.ChoiceField, self.fields["status"])
        every, *others = cast(list[tuple[str, Any]], status.choices)
        status.choices = [every, (OPEN, gettext_lazy("Open (not closed)")), *others]
        cast(forms.ChoiceField, self.fields["waiting"]).choices = [
            ("", ""),
            *WAITING_LABELS.items(),
        ]


def default_filters() -> dict[str, str]:
    """What the task list shows when opened without filters: this work year's open tasks."""
    return {"year": str(current_year()), "status": OPEN}


def opened_plain(params: QueryDict) -> bool:
    """Whether the list was opened without filters (a page number is no filter)."""
    return not set(params) - {"page"}


def filtered_tasks(
    request: AuthedRequest, *, defaults: bool = False
) -> tuple[ListFilterForm, TaskQuerySet[Task]]:
    """The list's filter form and the visible tasks it selects (the list and its export).

    With ``defaults`` (the task list), a request without filters gets
    :func:`default_filters` in its form, which shows them.
    """
    today = timezone.localdate()
    # Only what the unit choice shows (its name): a committee has a thousand units.
    units = visible(request.user, Unit).only("pk", "name").order_by("sort_order", "id")
    departments = Department.objects.filter(committee=request.committee)
    plain = defaults and opened_plain(request.GET)
    params = default_filters() if plain else request.GET
    form = ListFilterForm(params, units=units, departments=departments)
    tasks = visible_tasks(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            tasks = tasks.filter(year=data["year"])
        if data["status"] == OPEN:
            tasks = tasks.open_work()
        elif data["status"]:
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
    kind = params.get("waiting")
    if kind:
        # Exactly what the home page counts under this kind; another's kind, nothing.
        condition = waiting_conditions(request.user, today).get(kind)
        tasks = tasks.filter(condition) if condition is not None else tasks.none()
    # The wall chart's and the board's cells link here with their own exact filters.
    return form, apply_chart_filters(tasks, request.GET, today)


def _urgency() -> Case:
    return Case(
        When(status=Status.LONG_RUNNING, then=Value(1)),
        When(status=Status.CLOSED, then=Value(2)),
        default=Value(0),
        output_field=IntegerField(),
    )


def urgent_first(tasks: TaskQuerySet[Task]) -> TaskQuerySet[Task]:
    """The most urgent first: dated open tasks by deadline (the overdue ones first), then
    the long-running ones (持续跟踪), then the closed ones."""
    return tasks.order_by(_urgency().asc(), "deadline", "id")


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


# The kinds of work that wait for a person, as the home page and "Waiting for me" name
# them, in the order they are shown. All but the unit's open tasks call for haste.
WAITING_LABELS = {
    "to_sign": gettext_lazy("To sign for"),
    "to_report": gettext_lazy("To report on"),
    "overdue": gettext_lazy("Overdue"),
    "unit_open": gettext_lazy("Open tasks my unit leads"),
    "to_verify": gettext_lazy("To verify and close"),
    "to_decide": gettext_lazy("Extension requests to decide"),
}


def waiting_conditions(user: Any, today: datetime.date) -> dict[str, Q]:
    """What waits for the user, by kind, as conditions on the tasks they see; only the
    kinds that concern them (their role) are there.

    A unit's secretary and staff sign for and report on what their unit leads ("to report
    on" is exactly what the lead unit is reminded about); the unit's leadership follows
    its open tasks; a department's staff verify what is reported done and decide
    extension requests. "Overdue" is what each of them answers for whose deadline has
    passed while it runs — for a committee leader, every task.
    """
    s = scope_of(user)
    found: dict[str, Q] = {}
    late = Q(status__in=DEADLINE_RUNNING, deadline__lt=today)
    answers_for: list[Q] = []
    if s.editor_unit_ids:
        own = Q(lead_unit_id__in=s.editor_unit_ids)
        found["to_sign"] = own & Q(status=Status.ASSIGNED)
        found["to_report"] = own & Q(status__in=UNIT_OWES_WORK)
        answers_for.append(own)
    followed = s.unit_ids - s.editor_unit_ids if s.has(Role.UNIT_LEADERSHIP) else frozenset()
    if followed:
        led = Q(lead_unit_id__in=followed)
        found["unit_open"] = led & ~Q(status=Status.CLOSED)
        answers_for.append(led)
    supervised = (
        Q(department_id__in=s.department_ids)
        if s.has(Role.COMMITTEE_STAFF) and s.department_ids
        else None
    )
    if supervised is not None:
        answers_for.append(supervised)
    if s.has(Role.COMMITTEE_LEADER):
        found["overdue"] = late
    elif answers_for:
        anyone = answers_for[0]
        for more in answers_for[1:]:
            anyone |= more
        found["overdue"] = late & anyone
    if supervised is not None:
        pending = ExtensionRequest.objects.filter(
            task_id=OuterRef("pk"), status=ExtensionRequest.Decision.PENDING
        )
        found["to_verify"] = supervised & Q(status=Status.REPORTED_DONE)
        found["to_decide"] = supervised & Q(Exists(pending))
    return {key: found[key] for key in WAITING_LABELS if key in found}


def waiting_tasks(user: Any) -> dict[str, TaskQuerySet[Task]]:
    """What waits for the user's next step, by kind (each a query, counted or listed)."""
    tasks = visible_tasks(user)
    today = timezone.localdate()
    return {key: tasks.filter(q) for key, q in waiting_conditions(user, today).items()}


def waiting_counts(user: Any) -> dict[str, int]:
    """How many tasks wait for the user, by kind, in one query."""
    conditions = waiting_conditions(user, timezone.localdate())
    if not conditions:
        return {}
    counts = visible_tasks(user).aggregate(
        **{key: Count("pk", filter=q) for key, q in conditions.items()}
    )
    return {key: counts[key] or 0 for key in conditions}


# Which kinds of waiting tasks the home page names first: a step that is this person's
# own (to sign for, to verify, to decide), then what is late, then the rest.
FIRST_KINDS = ("to_sign", "to_verify", "to_decide", "overdue", "to_report", "unit_open")


def waiting_first(user: Any, n: int) -> list[tuple[Task, str]]:
    """The first ``n`` tasks that wait for the user, each with its kind (the first that
    applies): by kind in the order of :data:`FIRST_KINDS`, the most urgent first within
    each; in one query."""
    found = waiting_conditions(user, timezone.localdate())
    if not found:
        return []
    conditions = {key: found[key] for key in FIRST_KINDS if key in found}
    keys = list(conditions)
    anything = Q()
    for q in conditions.values():
        anything |= q
    kind = Case(
        *(When(q, then=Value(i)) for i, q in enumerate(conditions.values())),
        output_field=IntegerField(),
    )
    rows = (
        visible_tasks(user)
        .filter(anything)
        .annotate(waiting_kind=kind)
        .select_related("lead_unit")
        .order_by("waiting_kind", _urgency().asc(), "deadline", "id")[:n]
    )
    return [(task, keys[task.waiting_kind]) for task in rows]
