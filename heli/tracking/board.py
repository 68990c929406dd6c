"""The battle map's pages: the wall chart (挂图) and the status board (看板).

Both count in SQL (:mod:`heli.tracking.chart`, :func:`build_board`) and run a fixed number
of queries whatever the committee's size. Every count links to
the task list with filters that select exactly the rows it counts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.tracking.chart import chart_by, drawn_table
from heli.tracking.lists import (
    first_by_deadline,
    list_url,
    requested_year,
    require_view,
    status_counts,
    visible_tasks,
)
from heli.tracking.models import Task
from heli.tracking.states import state_labels, state_of
from heli.tracking.workflow import Status

CARDS_PER_COLUMN = 50


def status_badges() -> list[tuple[str, str, str]]:
    """The statuses that carry a badge of their own on cards and rows, and what each means,
    for the colour legend (long-running tasks have a deadline colour of their own)."""
    return [
        (
            Status.RETURNED,
            str(Status.RETURNED.label),
            _("the department asks for more work before it closes the task"),
        ),
    ]


def _page(
    request: AuthedRequest,
    template: str,
    year: int,
    today: datetime.date,
    *,
    badges: bool = False,
    **context: Any,
) -> HttpResponse:
    """A page of one year, with the colour legend and the years to choose from."""
    this = current_year()
    return render(
        request,
        template,
        {
            "year": year,
            "today": today,
            "legend": list(state_labels().items()),
            "badges": status_badges() if badges else [],
            "years": range(this + 1, this - 5, -1),
            **context,
        },
    )


@require_GET
def wallchart(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    year = requested_year(request)
    by = chart_by(request.GET.get("by"))
    today = timezone.localdate()
    table, chart = drawn_table(request, year, by, today)
    return _page(request, "tracking/wallchart.html", year, today, table=table, chart=chart, by=by)


@dataclass
class BoardColumn:
    status: str
    label: str
    url: str
    cards: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0


def build_board(user: Any, year: int, today: datetime.date, cap: int) -> list[BoardColumn]:
    """The year's visible tasks in one column per status, the first ``cap`` cards of each.

    Two queries whatever the committee's size: the count of each status
    (:func:`status_counts`, none when they are cached), and each status's first ``cap``
    tasks by deadline (:func:`first_by_deadline`: an indexed read of at most ``cap``
    rows a status), so the board neither moves nor sorts the year's every task.
    """
    labels = state_labels()
    # Withdrawn tasks are on no board (``visible_tasks`` leaves them out): no column.
    columns = {
        value: BoardColumn(value, str(label), list_url(year=year, status=value))
        for value, label in Status.choices
        if value != Status.WITHDRAWN
    }
    tasks = visible_tasks(user).filter(year=year)
    for status, count in status_counts(user, year).items():
        columns[status].count = count
    rows = (
        Task.objects.filter(pk__in=first_by_deadline(tasks, cap, columns))
        .order_by("deadline", "id")
        .values_list(
            "id", "title", "status", "deadline", "lead_unit__name", "lead_unit__short_name"
        )
    )
    for pk, title, status, deadline, unit_name, unit_short_name in rows:
        state = state_of(status, deadline, today)
        columns[status].cards.append(
            {
                "id": pk,
                "title": title,
                "status": status,
                "deadline": deadline,
                "state": state,
                "state_label": labels[state],
                "status_label": str(Status(status).label),
                "unit": unit_short_name or unit_name,
            }
        )
    return list(columns.values())


@require_GET
def status_board(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    year = requested_year(request)
    today = timezone.localdate()
    columns = build_board(request.user, year, today, CARDS_PER_COLUMN)
    return _page(
        request,
        "tracking/board.html",
        year,
        today,
        badges=True,
        columns=columns,
        cap=CARDS_PER_COLUMN,
    )
