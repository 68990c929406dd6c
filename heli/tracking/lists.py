"""The task lists every page of the battle map shares.

The task list, its Excel export, the wall chart, the board, the dashboards and "waiting
for me" all read tasks through here: who may read them at all (:func:`require_view`),
which ones a request selects (:func:`filtered_tasks`, with the wall chart's and the
board's cell parameters), and the related rows a table shows (:func:`with_units`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast, overload
from urllib.parse import quote_plus

from django import forms
from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
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
from heli.tracking import generations
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


def counted_by_status(user: Any, form: ListFilterForm) -> int | None:
    """How many tasks the list holds, from :func:`status_counts`, when what it was asked
    for is a year and a status (or "open", or every status) and nothing else; else None
    (the list counts its rows). ``form.data`` holds every parameter of the request, or
    the defaults of a list opened plain."""
    if not form.is_valid() or not form.cleaned_data.get("year"):
        return None
    asked = {name for name in form.data if name != "page" and form.data.get(name)}
    if asked - {"year", "status", "unit_q"} or form.cleaned_data.get("unit"):
        return None
    counts = status_counts(user, form.cleaned_data["year"])
    status = form.cleaned_data.get("status") or ""
    if status == OPEN:
        return sum(n for listed, n in counts.items() if listed != Status.CLOSED)
    return counts.get(status, 0) if status else sum(counts.values())


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


# Every status a listed task can have: a withdrawn task is on no list.
LISTED_STATUSES = tuple(s for s in Status.values if s != Status.WITHDRAWN)


# Stands for the status while a read is compiled once for every status (see below).
_ANY_STATUS = "\x00status"


def _compiled(query: QuerySet[Any, Any]) -> tuple[str, list[Any]]:
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    return sql, list(params)


def _by_status_sql(
    tasks: QuerySet[Task, Any], n: int, statuses: Iterable[str]
) -> tuple[str, list[Any]]:
    """``UNION ALL`` of each status's first ``n`` ids of ``tasks`` by deadline, as SQL.

    Each part is read as a table (SQLite admits no ``LIMIT`` in a part of a compound
    statement, but does in a subquery of one). The read is compiled once, with a stand-in
    for the status that each part replaces by its own status among the parameters:
    Django compiles a query in about the time SQLite answers one of these.
    """
    one = tasks.filter(status=_ANY_STATUS).order_by("deadline", "id").values("pk")[:n]
    sql, params = _compiled(one)
    place = [i for i, value in enumerate(params) if value == _ANY_STATUS]
    if len(place) != 1:
        raise ValueError("the status must be one parameter of the read")
    parts, every = [], []
    for i, status in enumerate(statuses):
        parts.append(f"SELECT * FROM ({sql}) AS part{i}")  # noqa: S608 - compiled SQL
        every.extend([*params[: place[0]], status, *params[place[0] + 1 :]])
    return " UNION ALL ".join(parts), every


def first_by_deadline(
    tasks: TaskQuerySet[Task], n: int, statuses: Iterable[str] = LISTED_STATUSES
) -> RawSQL:
    """The ids of each status's first ``n`` tasks of ``tasks`` by deadline, as a subquery.

    One read per status, each ``LIMIT n`` in deadline order (:func:`_by_status_sql`): the
    indexes by status and deadline (``Task.Meta.indexes``) serve each read without
    sorting every task that matches.
    """
    return RawSQL(*_by_status_sql(tasks, n, statuses))  # noqa: S611 - compiled SQL


def status_counts(user: Any, year: int) -> dict[str, int]:
    """How many of the year's tasks ``user`` sees are in each status (withdrawn ones are
    none), kept in the cache under the committee's generation (:mod:`generations`): a
    write of a task or a step replaces it, so the counts are those of the rows. One
    query when they are not cached, none when they are."""
    s = scope_of(user)
    key = (
        f"tracking:status-counts:{s.committee_id or 0}:{generations.generation(s.committee_id)}"
        f":{year}:{generations.readers_rows(user)}"
    )
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    counts = dict.fromkeys(LISTED_STATUSES, 0)
    rows = visible_tasks(user).filter(year=year).order_by().values_list("status")
    for status, n in rows.annotate(n=Count("id")):
        counts[status] = n
    cache.set(key, counts, generations.CACHE_SECONDS)
    return counts


class UrgentFirst:
    """``tasks`` the most urgent first (:func:`urgent_first`) as the paginator's list,
    with ``prepare`` applied to each page (the related rows a table shows).

    A page is sorted from each status's first tasks by deadline (:func:`first_by_deadline`)
    up to the page's end, not from every matching task: the urgency is the status's, so
    every task of the first ``stop`` is among its status's first ``stop``. The count is
    ``known_count`` when the caller has it (:func:`counted_by_status`), else a ``COUNT``
    of ``tasks``: exact either way.
    """

    # The paginator warns about an unordered list; this one is ordered by construction.
    ordered = True

    def __init__(
        self,
        tasks: TaskQuerySet[Task],
        prepare: Callable[[TaskQuerySet[Task]], TaskQuerySet[Task]] = with_units,
        *,
        known_count: int | None = None,
    ) -> None:
        self.tasks = tasks
        self.prepare = prepare
        self.known_count = known_count

    def count(self) -> int:
        if self.known_count is not None:
            return self.known_count
        return self.tasks.order_by().count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Task]:
        return iter(self[0 : self.count()])

    @overload
    def __getitem__(self, index: int) -> Task: ...

    @overload
    def __getitem__(self, index: slice) -> list[Task]: ...

    def __getitem__(self, index: int | slice) -> Task | list[Task]:
        if isinstance(index, int):
            found = self[index : index + 1] if index >= 0 else []
            if not found:
                raise IndexError(index)
            return found[0]
        if index.stop is None or index.step is not None:
            raise TypeError("UrgentFirst reads pages: slice it as [start:stop]")
        start, stop = index.start or 0, index.stop
        if stop <= start:
            return []
        candidates = Task.objects.filter(pk__in=first_by_deadline(self.tasks, stop))
        return list(self.prepare(urgent_first(candidates))[start:stop])


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


# The statuses each kind of waiting work can be in (None: any). The conditions below are
# written with them, and the home page reads each kind's first tasks a status at a time.
WAITING_STATUSES: dict[str, frozenset[str] | None] = {
    "to_sign": frozenset({Status.ASSIGNED}),
    "to_report": frozenset(UNIT_OWES_WORK),
    "overdue": frozenset(DEADLINE_RUNNING),
    "unit_open": frozenset(LISTED_STATUSES) - {Status.CLOSED},
    "to_verify": frozenset({Status.REPORTED_DONE}),
    "to_decide": None,
}


def _in(kind: str) -> Q:
    statuses = WAITING_STATUSES[kind]
    return Q() if statuses is None else Q(status__in=sorted(statuses))


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
    late = _in("overdue") & Q(deadline__lt=today)
    answers_for: list[Q] = []
    if s.editor_unit_ids:
        own = Q(lead_unit_id__in=s.editor_unit_ids)
        found["to_sign"] = own & _in("to_sign")
        found["to_report"] = own & _in("to_report")
        answers_for.append(own)
    followed = s.unit_ids - s.editor_unit_ids if s.has(Role.UNIT_LEADERSHIP) else frozenset()
    if followed:
        led = Q(lead_unit_id__in=followed)
        found["unit_open"] = led & _in("unit_open")
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
        # The pending requests as a list of task ids: there are few, so the list leads.
        pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Decision.PENDING).values(
            "task_id"
        )
        found["to_verify"] = supervised & _in("to_verify")
        found["to_decide"] = supervised & Q(pk__in=pending)
    return {key: found[key] for key in WAITING_LABELS if key in found}


def waiting_tasks(user: Any) -> dict[str, TaskQuerySet[Task]]:
    """What waits for the user's next step, by kind (each a query, counted or listed)."""
    tasks = visible_tasks(user)
    today = timezone.localdate()
    return {key: tasks.filter(q) for key, q in waiting_conditions(user, today).items()}


def waiting_counts(user: Any) -> dict[str, int]:
    """How many tasks wait for the user, by kind, in one query: a ``COUNT`` a kind, each
    read from an index by status (and department or lead unit), joined by ``UNION ALL``,
    rather than one pass over every task the person sees."""
    conditions = waiting_conditions(user, timezone.localdate())
    if not conditions:
        return {}
    tasks = visible_tasks(user)
    keys = list(conditions)
    parts = [
        tasks.filter(q)
        .order_by()
        .values(kind=Value(i), n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        for i, q in enumerate(conditions.values())
    ]
    first, *rest = parts
    counts = dict.fromkeys(keys, 0)
    for row in first.union(*rest, all=True) if rest else first:
        counts[keys[row["kind"]]] = row["n"] or 0
    return counts


# Which kinds of waiting tasks the home page names first: a step that is this person's
# own (to sign for, to verify, to decide), then what is late, then the rest.
FIRST_KINDS = ("to_sign", "to_verify", "to_decide", "overdue", "to_report", "unit_open")


def waiting_first(user: Any, n: int) -> list[tuple[Task, str]]:
    """The first ``n`` tasks that wait for the user, each with its kind (the first that
    applies): by kind in the order of :data:`FIRST_KINDS`, the most urgent first within
    each; in one query.

    The candidates are each kind's first ``n``, read a status at a time by deadline (an
    indexed read each) where the kind can hold many tasks (:func:`_wide_kinds`): a task
    among the first ``n`` of the whole has fewer than ``n`` tasks before it, so fewer
    than ``n`` of its own kind and status. The candidates are then sorted as a whole.
    """
    found = waiting_conditions(user, timezone.localdate())
    if not found:
        return []
    conditions = {key: found[key] for key in FIRST_KINDS if key in found}
    keys = list(conditions)
    tasks = visible_tasks(user)
    wide = _wide_kinds(user)
    # Each kind's candidates, as SQL compiled once: the ids, and the kind of each id (the
    # first of the kinds whose candidates it is among).
    kinds_sql: list[tuple[str, list[Any]]] = []
    for key, q in conditions.items():
        statuses = WAITING_STATUSES[key]
        of_kind = tasks.filter(q)
        if key in wide and statuses is not None:
            kinds_sql.append(_by_status_sql(of_kind, n, sorted(statuses)))
        else:
            sql, params = _compiled(urgent_first(of_kind).values("pk")[:n])
            kinds_sql.append((f"SELECT * FROM ({sql}) AS part", params))  # noqa: S608
    every = " UNION ALL ".join(sql for sql, _params in kinds_sql)
    case = " ".join(f"WHEN {_PK} IN ({sql}) THEN {i}" for i, (sql, _p) in enumerate(kinds_sql))
    params = [p for _sql, kind_params in kinds_sql for p in kind_params]
    first_kind = RawSQL(f"CASE {case} END", params, output_field=IntegerField())  # noqa: S611
    rows = (
        Task.objects.filter(pk__in=RawSQL(every, params))  # noqa: S611 - compiled SQL
        .annotate(waiting_kind=first_kind)
        .select_related("lead_unit")
        .order_by("waiting_kind", _urgency().asc(), "deadline", "id")[:n]
    )
    return [(task, keys[task.waiting_kind]) for task in rows]


# The task's id in the query that reads the waiting tasks (the table is not aliased there).
_PK = f'"{Task._meta.db_table}"."id"'


def _wide_kinds(user: Any) -> frozenset[str]:
    """The kinds of :func:`waiting_conditions` that can hold a great many tasks: what
    waits for a department (every task it supervises), and the overdue ones for a
    leader (every task). The others are a unit's few; they are read in one part."""
    s = scope_of(user)
    wide = set()
    if s.has(Role.COMMITTEE_STAFF) and s.department_ids:
        wide |= {"to_verify", "overdue"}
    if s.has(Role.COMMITTEE_LEADER):
        wide.add("overdue")
    return frozenset(wide)
