"""The coverage board (联系覆盖情况) and the matrix of units × subjects.

Who sees them: the committee's leaders, departments and the joint-meeting office, for
every unit. A unit's own people do not see the board (a 404, recorded): it compares
units with each other; their unit's contacts are on their contact list. A group's
liaison leader can narrow the board to the group (``?group=``).

Every count opens exactly the rows it counts: the summary numbers and the groups table
link to the board filtered by ``colour`` and ``group``; a unit's number of contacts
links to the contact list filtered by ``unit`` and ``year``. Unknown filter values select
nothing rather than everything. Both pages run a fixed number of queries.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heli.accounts.policy import Action, scope_of
from heli.audit.actions import record_denial
from heli.liaison import coverage, settings_views
from heli.liaison.access import edits_settings, reads_all
from heli.liaison.coverage import COLOURS, Board, Forecast, MatrixRow, UnitRow
from heli.liaison.models import SUBJECT_CODES, Contact, Form, Subject
from heli.lib.dates import current_year, format_date
from heli.lib.http import AuthedRequest

LOWEST_YEAR, HIGHEST_YEAR = 2000, 2100


def sees_board(user: Any) -> bool:
    """Committee leaders, departments and the joint-meeting office (not administrators)."""
    return reads_all(scope_of(user))


def require_board(request: AuthedRequest) -> None:
    if not sees_board(request.user):
        record_denial(Action.VIEW, request=request, model=Contact)
        raise Http404


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def requested_year(request: HttpRequest) -> int:
    year = _int(request.GET.get("year"))
    return year if year is not None and LOWEST_YEAR <= year <= HIGHEST_YEAR else current_year()


def board_url(name: str = "liaison:board", **params: Any) -> str:
    """The board (or matrix) with these filters; empty values are left out."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


@functools.cache
def _contact_list_path() -> str:
    try:
        return reverse("liaison:contact_list")
    except NoReverseMatch:  # the contact pages are not installed
        return ""


def contacts_url(unit_id: int, year: int, subject: str = "") -> str:
    """The contact list of exactly one unit's contacts of ``year`` (on ``subject``)."""
    base = _contact_list_path()
    if not base:
        return ""
    params = {"unit": unit_id, "year": year}
    if subject:
        params["subject"] = subject  # type: ignore[assignment]
    return f"{base}?{urlencode(params)}"


def _unit_path() -> str:
    """The unit page's address with ``{}`` for the id (reversed once per page)."""
    marker = 999999999
    return reverse("org:unit_detail", args=[marker]).replace(str(marker), "{}")


def unit_rows_html(rows: list[UnitRow], year: int) -> SafeString:
    """The ``<tr>`` of each unit: its page, its contacts (linked to the contact list of
    exactly those), the last contact's date and form, and its colour.

    Built here rather than in a template loop: a board of 1,220 units would spend
    seconds in the template engine. Every part is safe: names are escaped, colours come
    from :data:`coverage.COLOURS`, counts are integers and addresses are built from ids.
    """
    unit_path = _unit_path()
    contacts = _contact_list_path()
    colours = {c: escape(str(label)) for c, label in coverage.COLOUR_LABELS.items()}
    forms = {value: escape(str(label)) for value, label in Form.choices}
    parts = []
    for r in rows:
        form = forms.get(r.last_form, "—")
        # On a narrow screen the form column is hidden: the form goes under the date.
        under = f'<div class="d-md-none small text-muted">{form}</div>' if r.last_form else ""
        if contacts and r.count:
            count = (
                f'<a href="{contacts}?unit={r.unit_id}&amp;year={year}" '
                f'data-contacts="{r.unit_id}">{r.count}</a>'
            )
        else:
            count = str(r.count)
        parts.append(
            f'<tr class="cov-row-{r.colour}" data-unit="{r.unit_id}">'
            f'<th scope="row" class="fw-normal"><a href="{unit_path.format(r.unit_id)}">'
            f"{escape(r.name)}</a></th>"
            f'<td class="text-end">{count}</td>'
            f"<td>{escape(format_date(r.last_date)) or '—'}{under}</td>"
            f'<td class="d-none d-md-table-cell">{form}</td>'
            f'<td><span class="badge cov-badge cov-{r.colour}">{colours[r.colour]}</span></td>'
            "</tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - see the docstring


def matrix_rows_html(rows: list[MatrixRow], year: int) -> SafeString:
    """The ``<tr>`` of each unit of the matrix: a cell per subject with its number of
    contacts linked to the contact list of exactly those (see :func:`unit_rows_html`)."""
    unit_path = _unit_path()
    contacts = _contact_list_path()
    not_raised = escape(_("not raised"))
    parts = []
    for r in rows:
        u = r.unit
        cells = []
        for code, n in r.subject_cells:
            if n and contacts:
                inner = (
                    f'<a href="{contacts}?unit={u.unit_id}&amp;year={year}&amp;subject={code}" '
                    f'data-subject="{code}">{n}</a>'
                )
            elif n:
                inner = str(n)
            else:
                inner = f'<span class="visually-hidden">{not_raised}</span>—'
            kind = "cov-cell-raised" if n else "cov-cell-missing"
            cells.append(f'<td class="cov-cell {kind}">{inner}</td>')
        total = (
            f'<a href="{contacts}?unit={u.unit_id}&amp;year={year}">{u.count}</a>'
            if contacts and u.count
            else str(u.count)
        )
        parts.append(
            f'<tr data-unit="{u.unit_id}"><th scope="row" class="fw-normal cov-unit">'
            f'<a href="{unit_path.format(u.unit_id)}">{escape(u.name)}</a></th>'
            f'{"".join(cells)}<td class="text-center">{total}</td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - see unit_rows_html


class Filters:
    """The board's filters read from the request: ``group`` and ``colour``.

    ``selects_nothing`` is set when a value is not one the board knows (a forged group
    id, an unknown colour): the page then lists nothing, never everything.
    """

    def __init__(self, request: HttpRequest, board: Board) -> None:
        self.group: int | None = None
        self.colour: str | None = None
        self.selects_nothing = False
        group = request.GET.get("group", "")
        if group:
            self.group = _int(group)
            known = {g.group_id for g in board.groups if g.group_id is not None}
            if self.group not in known:
                self.selects_nothing = True
        colour = request.GET.get("colour", "")
        if colour:
            if colour in COLOURS:
                self.colour = colour
            else:
                self.selects_nothing = True

    @property
    def any(self) -> bool:
        return self.group is not None or self.colour is not None or self.selects_nothing


def _board(request: AuthedRequest, year: int, today: datetime.date) -> Board:
    return coverage.build_board(request.committee, year, today)


def _years() -> range:
    this = current_year()
    return range(this + 1, this - 5, -1)


def forecast_sentence(f: Forecast) -> str:
    """What the forecast says, as one sentence."""
    if f.state == coverage.NOT_BEGUN:
        return _("The year has not begun.")
    if f.state == coverage.DONE:
        if f.finish_on is None:
            return _("There are no units to cover this year.")
        return _("Every unit was covered by %(date)s.") % {"date": format_date(f.finish_on)}
    if f.state == coverage.OVER:
        return _("The year is over: %(n)s units were not covered.") % {"n": f.uncovered_at_end}
    if f.state == coverage.ON_TRACK and f.finish_on is not None:
        return _("At the current pace the remaining units will be covered by %(date)s.") % {
            "date": format_date(f.finish_on)
        }
    return _("At the current pace the year ends with %(n)s units uncovered.") % {
        "n": f.uncovered_at_end
    }


def legend(board: Board) -> list[tuple[str, str, str]]:
    """Each colour, its name and what it means on this board."""
    labels = coverage.colour_labels()
    rule, warn = board.rule, board.warn_days
    meaning = {
        coverage.MET: _("at least %(rule)s contacts in the year: the rule is met") % {"rule": rule},
        coverage.AT_RISK: _(
            "not met yet, and fewer than %(days)s days of the year are left (this year only)"
        )
        % {"days": warn},
        coverage.MISSED: _("the year is over and the rule was not met"),
        coverage.PENDING: _("not met yet, with %(days)s days or more of the year left")
        % {"days": warn},
        coverage.CEASED: _(
            "merged or abolished during the year before the rule was met: not counted "
            "among the units to cover"
        ),
    }
    return [(c, str(labels[c]), meaning[c]) for c in COLOURS]


def _my_groups(user: Any, board: Board) -> list[coverage.GroupRow]:
    return [g for g in board.groups if g.group_id is not None and g.liaison_leader_id == user.pk]


@require_GET
def coverage_board(request: AuthedRequest) -> HttpResponse:
    require_board(request)
    year = requested_year(request)
    today = timezone.localdate()
    full = _board(request, year, today)
    filters = Filters(request, full)
    # The numbers on top count the chosen group (or every unit); the table, also the colour.
    scoped = full.only(group_id=filters.group) if filters.group is not None else full
    shown = scoped.only(colour=filters.colour) if filters.colour else scoped
    if filters.selects_nothing:
        scoped = shown = full.only(group_id=-1)
    labels = coverage.colour_labels()
    group = filters.group if not filters.selects_nothing else None
    summary = [
        {
            "key": "all",
            "label": _("Units"),
            "count": len(scoped.rows),
            "url": board_url(year=year, group=group),
        },
        *(
            {
                "key": colour,
                "label": str(labels[colour]),
                "count": scoped.counts[colour],
                "url": board_url(year=year, group=group, colour=colour),
            }
            for colour in COLOURS
            if colour != coverage.CEASED or scoped.counts[colour]
        ),
    ]
    f = scoped.forecast()
    sections = [(g, unit_rows_html(g.rows, year)) for g in shown.groups]
    context = {
        "sections": sections,
        "year": year,
        "today": today,
        "years": _years(),
        "board": shown,
        "scoped": scoped,
        "full": full,
        "filters": filters,
        "summary": summary,
        "forecast": f,
        "forecast_sentence": forecast_sentence(f),
        "behind": scoped.behind(),
        "legend": legend(full),
        "colour_label": str(labels[filters.colour]) if filters.colour else "",
        "my_groups": _my_groups(request.user, full),
        "can_edit_settings": edits_settings(request.user),
        "contacts_base": _contact_list_path(),
        "matrix_url": board_url("liaison:board_matrix", year=year, group=group),
    }
    return render(request, "liaison/board.html", context)


@require_GET
def coverage_matrix(request: AuthedRequest) -> HttpResponse:
    require_board(request)
    year = requested_year(request)
    today = timezone.localdate()
    full = _board(request, year, today)
    filters = Filters(request, full)
    board = full.only(group_id=filters.group) if filters.group is not None else full
    missing = request.GET.get("missing", "")
    if filters.selects_nothing or (missing and missing not in SUBJECT_CODES):
        board = full.only(group_id=-1)
    whole = coverage.build_matrix(board)
    matrix = coverage.missing_subject(whole, missing) if missing in SUBJECT_CODES else whole
    group = filters.group if not filters.selects_nothing else None
    subjects = [
        {
            "code": code,
            "label": str(Subject(code).label),
            "not_raised": n,
            "not_raised_url": board_url(
                "liaison:board_matrix", year=year, group=group, missing=code
            ),
            "contacts": c,
        }
        for code, n, c in zip(SUBJECT_CODES, whole.not_raised(), whole.contacts(), strict=True)
    ]
    context = {
        "sections": [(g, matrix_rows_html(rows, year)) for g, rows in matrix.rows_by_group],
        "year": year,
        "today": today,
        "years": _years(),
        "matrix": matrix,
        "subjects": subjects,
        "missing": missing if missing in SUBJECT_CODES else "",
        "missing_label": str(Subject(missing).label) if missing in SUBJECT_CODES else "",
        "filters": filters,
        "full": full,
        "labels": coverage.colour_labels(),
        "my_groups": _my_groups(request.user, full),
        "contacts_base": _contact_list_path(),
        "board_url": board_url(year=year, group=group),
        "all_url": board_url("liaison:board_matrix", year=year, group=group),
    }
    return render(request, "liaison/board_matrix.html", context)


urlpatterns: list[URLPattern] = [
    path("coverage/", coverage_board, name="board"),
    path("coverage/subjects/", coverage_matrix, name="board_matrix"),
    *settings_views.urlpatterns,
]
