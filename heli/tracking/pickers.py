"""The assign form's pickers: the parent task found by searching (title, task number,
lead unit, year), the cooperating units ticked from a checklist that narrows as one
types, a group at a time, and shows what is chosen as removable chips.

With the vendored htmx the endpoints below answer the pickers with fragments. Without
script the pickers' buttons send the whole form back to its own page, which shows it
again as it was typed, with the search done, the task picked or the group ticked
(:func:`round_trip`); nothing is saved until "save".

Only a person who may assign tasks reaches the endpoints (others get a 404, recorded),
and they find only the open tasks the policy lets them see, of their own committee.
Each endpoint runs a fixed number of queries, however many tasks or units there are.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any, TypeVar, cast

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heli.accounts.policy import Action, can, visible
from heli.audit.actions import deny
from heli.lib.dates import current_year
from heli.lib.forms import EARLIEST_DATE, LATEST_DATE
from heli.lib.http import AuthedRequest
from heli.org.models import Committee, GroupMembership, GroupYear, Unit
from heli.tracking.models import Task
from heli.tracking.queries import TaskQuerySet

F = TypeVar("F", bound=forms.BaseForm)

# How many tasks a search shows; more asks for another word.
PARENT_RESULTS = 20
# A search or filter reads this many characters and words at most.
MAX_QUERY = 100
MAX_TERMS = 5
# The buttons that send the form back to be shown again rather than saved.
ROUND_TRIP = (
    "parent_search",
    "parent_pick",
    "parent_clear",
    "coop_group",
    "coop_filter",
    "coop_remove",
)
_NUMBER = re.compile(r"^(\d{4})-(\d{1,6})$")


# --- What the pickers find ---------------------------------------------------------------


def parent_candidates(user: Any, exclude: int | None = None) -> QuerySet[Task]:
    """The tasks this person may choose as a parent: open ones they see (the form's
    choices; a sub-task stays among them, so choosing one gets the two-levels message)."""
    tasks = cast(TaskQuerySet[Task], visible(user, Task)).open_work()
    return tasks.exclude(pk=exclude) if exclude is not None else tasks


def _terms(q: str) -> list[str]:
    return q[:MAX_QUERY].split()[:MAX_TERMS]


def _term_q(term: str) -> Q:
    """One word of a search: in the title or the lead unit's name, or the year, or the
    task number (2026-0123, or 123 alone)."""
    found = (
        Q(title__icontains=term)
        | Q(lead_unit__name__icontains=term)
        | Q(lead_unit__short_name__icontains=term)
    )
    if number := _NUMBER.match(term):
        found |= Q(year=int(number[1]), number=int(number[2]))
    elif term.isdigit() and len(term) <= 6:
        found |= Q(number=int(term))
        if len(term) == 4:
            found |= Q(year=int(term))
    return found


def search_parents(user: Any, q: str, exclude: int | None = None) -> tuple[list[Task], bool]:
    """The top-level open tasks matching every word of ``q``, newest year and number
    first, and whether there are more than are shown. One query."""
    terms = _terms(q)
    if not terms:
        return [], False
    tasks = parent_candidates(user, exclude).filter(parent__isnull=True)
    for term in terms:
        tasks = tasks.filter(_term_q(term))
    found = list(
        tasks.select_related("lead_unit").order_by("-year", "-number", "-id")[: PARENT_RESULTS + 1]
    )
    return found[:PARENT_RESULTS], len(found) > PARENT_RESULTS


def _pk(value: Any) -> int | None:
    if isinstance(value, Task | Unit):
        return value.pk
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        return None
    return pk if pk > 0 else None


def chosen_parent(user: Any, value: Any, exclude: int | None = None) -> Task | None:
    """The parent the form holds, if it is one this person may choose. One query."""
    pk = _pk(value)
    if pk is None:
        return None
    return parent_candidates(user, exclude).select_related("lead_unit").filter(pk=pk).first()


def work_year(assigned_at: Any, parent: Task | None) -> int:
    """The work year a task of the form falls in: its parent's, else its assignment's
    (as typed so far), else this year."""
    if parent is not None:
        return parent.year
    if isinstance(assigned_at, datetime.date):
        date: datetime.date | None = assigned_at
    else:
        try:
            date = datetime.date.fromisoformat(str(assigned_at or "").strip())
        except ValueError:
            date = None
    if date is not None and EARLIEST_DATE <= date <= LATEST_DATE:
        return date.year
    return current_year()


@dataclass(frozen=True)
class GroupTick:
    """A "tick this group" button: the group and its active units in the work year."""

    group_year_id: int
    name: str
    unit_ids: tuple[int, ...]

    @property
    def units_attr(self) -> str:
        return " ".join(str(pk) for pk in self.unit_ids)


def _memberships(committee: Committee) -> QuerySet[GroupMembership]:
    return GroupMembership.objects.filter(
        committee=committee, unit__status=Unit.Status.ACTIVE
    ).order_by("group_year__group__number", "unit__sort_order", "unit_id")


def groups_of(committee: Committee, year: int) -> list[GroupTick]:
    """The committee's groups of the year that have active units. One query."""
    rows = _memberships(committee).filter(year=year)
    found: dict[int, tuple[str, list[int]]] = {}
    for group_year_id, name, unit_id in rows.values_list(
        "group_year_id", "group_year__group__name", "unit_id"
    ):
        found.setdefault(group_year_id, (name, []))[1].append(unit_id)
    return [GroupTick(gy, name, tuple(units)) for gy, (name, units) in found.items()]


def group_unit_ids(committee: Committee, group_year_id: Any) -> list[int] | None:
    """The active units of one of the committee's groups in a year; None when the
    committee has no such group. One query."""
    pk = _pk(group_year_id)
    if pk is None:
        return None
    rows = list(_memberships(committee).filter(group_year_id=pk).values_list("unit_id", flat=True))
    if not rows and not GroupYear.objects.filter(committee=committee, pk=pk).exists():
        return None
    return rows


# --- The form as the pickers show it ------------------------------------------------------


@dataclass(frozen=True)
class UnitChoice:
    """One line of the cooperating units' checklist."""

    pk: int
    name: str
    short_name: str
    checked: bool
    hidden: bool  # filtered out by the words typed in the filter box

    @property
    def label(self) -> str:
        """How its chip reads: the short name when it has one."""
        return self.short_name or self.name

    @property
    def search_text(self) -> str:
        """What the filter box matches, as the page's script reads it too."""
        return _search_text(self.name, self.short_name)


def _search_text(name: str, short_name: str) -> str:
    return f"{name} {short_name}".lower()


@dataclass
class Redisplay:
    """What a picker's button asked of the form sent back: a search to show, and the
    refusals of a picked task or group that cannot be found."""

    searched: bool = False
    errors: dict[str, str] = field(default_factory=dict)


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list | tuple | QuerySet) else [value]
    return [pk for pk in (_pk(v) for v in values) if pk is not None]


def _matches(terms: Iterable[str], text: str) -> bool:
    return all(term in text for term in terms)


@dataclass(frozen=True)
class Pickers:
    """All the template needs to draw both pickers."""

    parent: Task | None
    parent_q: str
    parent_results: list[Task] | None  # None when no search was asked for
    parent_more: bool
    parent_error: str
    units: list[UnitChoice]  # the checklist: the committee's active units
    chosen_units: list[UnitChoice]
    coop_q: str
    coop_error: str
    groups: list[GroupTick]
    year: int
    exclude: int | None

    @property
    def any_unit_shown(self) -> bool:
        return any(not u.hidden for u in self.units)

    @property
    def unit_rows(self) -> SafeString:
        """The checklist's lines, escaped and joined here: a committee has hundreds of
        units, more than the template language draws quickly."""
        return mark_safe("\n".join(map(_unit_row, self.units)))  # noqa: S308 (escaped)


def _if(condition: bool, attribute: str) -> str:
    return attribute if condition else ""


def _unit_row(u: UnitChoice) -> str:
    """One line of the checklist, every text in it escaped."""
    short = f' <span class="small text-muted">{escape(u.short_name)}</span>' if u.short_name else ""
    box = f"id_cooperating_units_{u.pk}"
    return (
        f'<li data-search="{escape(u.search_text)}"{_if(u.hidden, " hidden")}>'
        f'<input class="form-check-input" type="checkbox" name="cooperating_units" '
        f'value="{u.pk}" id="{box}" data-label="{escape(u.label)}"{_if(u.checked, " checked")}> '
        f'<label class="form-check-label" for="{box}">{escape(u.name)}</label>{short}</li>'
    )


def form_context(
    request: AuthedRequest,
    form: forms.BaseForm,
    *,
    task: Task | None = None,
    redisplay: Redisplay | None = None,
) -> Pickers:
    """The pickers of a task form, drawn from what the form holds (its data as sent, or
    its initial values): the chosen parent, the checklist ticked and filtered as typed,
    the groups of the work year. Four queries, whatever the size of the committee."""
    typed = request.POST if request.method == "POST" else QueryDict()
    parent_q = typed.get("parent_q", "").strip()[:MAX_QUERY]
    coop_q = typed.get("coop_q", "").strip()[:MAX_QUERY]
    exclude = task.pk if task is not None else None
    value = form["parent"].value()
    parent = chosen_parent(request.user, value, exclude)
    notes = redisplay or Redisplay()
    results: list[Task] | None = None
    more = False
    if notes.searched:
        results, more = search_parents(request.user, parent_q, exclude)
    checked = set(_ids(form["cooperating_units"].value()))
    terms = [t.lower() for t in _terms(coop_q)]
    rows = (
        Unit.objects.filter(committee=request.committee, status=Unit.Status.ACTIVE)
        .order_by("sort_order", "id")
        .values_list("pk", "name", "short_name")
    )
    units = []
    for pk, name, short_name in rows:
        short = short_name if short_name != name else ""
        hidden = not _matches(terms, _search_text(name, short))
        units.append(UnitChoice(pk, name, short, pk in checked, hidden))
    year = work_year(form["assigned_at"].value(), parent)
    return Pickers(
        parent=parent,
        parent_q=parent_q,
        parent_results=results,
        parent_more=more,
        parent_error=notes.errors.get("parent", ""),
        units=units,
        chosen_units=[u for u in units if u.checked],
        coop_q=coop_q,
        coop_error=notes.errors.get("cooperating_units", ""),
        groups=groups_of(request.committee, year),
        year=year,
        exclude=exclude,
    )


def round_trip(
    request: AuthedRequest, make_form: Callable[[dict[str, Any]], F], *, task: Task | None = None
) -> tuple[F, Redisplay] | None:
    """A form sent by one of the pickers' buttons (no script): the form again, as typed,
    with the button's work done; None for a form sent to be saved.

    The form comes back unbound, from what was sent as its initial values: it shows
    what was typed without the refusals of a form not finished yet.
    """
    sent = request.POST
    button = next((b for b in ROUND_TRIP if b in sent), None)
    if button is None:
        return None
    initial: dict[str, Any] = {name: sent.get(name) for name in sent}
    units = [str(pk) for pk in _ids(sent.getlist("cooperating_units"))]
    notes = Redisplay(searched=button == "parent_search")
    if button == "parent_pick":
        initial["parent"] = sent["parent_pick"]
        exclude = task.pk if task is not None else None
        if chosen_parent(request.user, sent["parent_pick"], exclude) is None:
            initial["parent"] = ""
            notes.errors["parent"] = _(
                "That task cannot be chosen as the parent: it is not an open task you can "
                "see. Search again."
            )
    elif button == "parent_clear":
        initial["parent"] = ""
    elif button == "coop_remove":
        units = [pk for pk in units if pk != sent["coop_remove"]]
    elif button == "coop_group":
        ticked = group_unit_ids(request.committee, sent["coop_group"])
        if ticked is None:
            notes.errors["cooperating_units"] = _(
                "That group cannot be found; tick one of the groups listed."
            )
        else:
            lead = sent.get("lead_unit", "")
            units += [str(pk) for pk in ticked if str(pk) not in units and str(pk) != lead]
    initial["cooperating_units"] = units
    return make_form(initial), notes


# --- The endpoints of the pickers' requests -----------------------------------------------


def _require_assigner(request: AuthedRequest) -> None:
    """The pickers serve the people who assign and edit tasks; others get a 404."""
    if not can(request.user, Action.CHANGE, Task):
        deny(Action.CHANGE, request=request, model=Task)


@require_GET
def parent_search(request: AuthedRequest) -> HttpResponse:
    """The tasks matching the words typed in the parent task's search box."""
    _require_assigner(request)
    q = request.GET.get("parent_q", "").strip()[:MAX_QUERY]
    results, more = search_parents(request.user, q, _pk(request.GET.get("exclude")))
    return render(
        request,
        "tracking/partials/parent_results.html",
        {"results": results if q else None, "more": more, "q": q},
    )


@require_GET
def parent_chosen(request: AuthedRequest) -> HttpResponse:
    """The chosen parent task (or none, when cleared), and the groups of its work year."""
    _require_assigner(request)
    exclude = _pk(request.GET.get("exclude"))
    value = request.GET.get("parent")
    parent = chosen_parent(request.user, value, exclude)
    year = work_year(request.GET.get("assigned_at"), parent)
    error = ""
    if value and parent is None:
        error = _(
            "That task cannot be chosen as the parent: it is not an open task you can see. "
            "Search again."
        )
    return render(
        request,
        "tracking/partials/parent_chosen_swap.html",
        {
            "parent": parent,
            "parent_error": error,
            "groups": groups_of(request.committee, year),
            "year": year,
            "exclude": exclude,
        },
    )


@require_GET
def unit_groups(request: AuthedRequest) -> HttpResponse:
    """The "tick this group" buttons of the work year of the date and parent typed."""
    _require_assigner(request)
    parent = chosen_parent(request.user, request.GET.get("parent"), _pk(request.GET.get("exclude")))
    year = work_year(request.GET.get("assigned_at"), parent)
    return render(
        request,
        "tracking/partials/unit_groups.html",
        {"groups": groups_of(request.committee, year), "year": year},
    )
