"""Dashboards of the battle map (统计分析): the page, and the JSON its charts read.

The JSON counts only the tasks the user may see (``visible``, the policy of the task
pages), in a fixed number of queries whatever the number of tasks and units.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from heli.lib.dates import current_year
from heli.lib.http import AuthedRequest
from heli.org.models import GroupMembership, Unit
from heli.tracking.lists import requested_year, require_view, visible_tasks
from heli.tracking.models import Task
from heli.tracking.queries import state_q

OVERDUE_RANKING = 15  # units shown in the overdue ranking
YEARS_BACK = 5


def _year(request: AuthedRequest) -> int:
    """The year asked for, among the years the page offers."""
    this = current_year()
    return requested_year(request, this - YEARS_BACK, this + 1)


def _rate(closed: int, total: int) -> float:
    return round(100 * closed / total, 1) if total else 0.0


def dashboard_data(tasks: QuerySet[Task], year: int, today: datetime.date) -> dict[str, Any]:
    """The four charts' numbers for ``tasks`` (already filtered by the policy and year)."""
    per_unit = list(
        tasks.values("lead_unit_id")
        .annotate(
            total=Count("id"),
            # The wall chart's grey and red, by its own rule.
            closed=Count("id", filter=state_q("closed", today)),
            overdue=Count("id", filter=state_q("overdue", today)),
        )
        .order_by()
    )
    unit_ids = [row["lead_unit_id"] for row in per_unit]
    names = {
        u["id"]: u["short_name"] or u["name"]
        for u in Unit.objects.filter(pk__in=unit_ids).values("id", "name", "short_name")
    }
    groups = {
        m["unit_id"]: (m["group_year__group__number"], m["group_year__group__name"])
        for m in GroupMembership.objects.filter(year=year, unit_id__in=unit_ids).values(
            "unit_id", "group_year__group__number", "group_year__group__name"
        )
    }
    units = []
    by_group: dict[tuple[int, str], dict[str, int]] = {}
    for row in per_unit:
        unit_id = row["lead_unit_id"]
        units.append(
            {
                "id": unit_id,
                "name": names.get(unit_id, ""),
                "total": row["total"],
                "closed": row["closed"],
                "overdue": row["overdue"],
                "rate": _rate(row["closed"], row["total"]),
            }
        )
        group = groups.get(unit_id, (999, _("No group")))
        counts = by_group.setdefault(group, {"total": 0, "closed": 0, "overdue": 0})
        for key in counts:
            counts[key] += row[key]
    units.sort(key=lambda u: (u["rate"], -u["total"], u["name"]))
    overdue = sorted((u for u in units if u["overdue"]), key=lambda u: (-u["overdue"], u["name"]))[
        :OVERDUE_RANKING
    ]

    months = list(range(1, 13))

    def by_month(field: str, qs: QuerySet[Task]) -> list[int]:
        counts = dict(
            qs.annotate(month=ExtractMonth(field))
            .values("month")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("month", "n")
        )
        return [counts.get(m, 0) for m in months]

    assigned = by_month("assigned_at", tasks.filter(assigned_at__year=year))
    due = by_month("deadline", tasks.filter(deadline__year=year))
    closed = by_month("closed_at", tasks.filter(closed_at__year=year))
    total = sum(u["total"] for u in units)
    closed_total = sum(u["closed"] for u in units)
    return {
        "year": year,
        "totals": {
            "tasks": total,
            "closed": closed_total,
            "overdue": sum(u["overdue"] for u in units),
            "rate": _rate(closed_total, total),
        },
        "by_group": [
            {"name": name, **counts, "rate": _rate(counts["closed"], counts["total"])}
            for (_number, name), counts in sorted(by_group.items())
        ],
        "by_unit": units,
        "overdue": overdue,
        "trend": {
            "months": [_("Month %(month)s") % {"month": m} for m in months],
            "assigned": assigned,
            "due": due,
            "closed": closed,
        },
        "labels": {
            "rate": _("Completion rate (%)"),
            "tasks": _("Tasks"),
            "closed": _("Closed"),
            "overdue": _("Overdue"),
            "assigned": _("Assigned"),
            "due": _("Due"),
            "empty": _("No tasks this year."),
        },
    }


@dataclass(frozen=True)
class Chart:
    """One chart card of the page: its data key (dashboard.js draws ``name``), its title,
    the headings of its table view (the first names the category, the others are counts),
    and whether it scrolls inside its card (122 units make a tall chart)."""

    name: str
    title: str | Promise
    columns: tuple[str | Promise, ...]
    scrolls: bool = False


_RATES = (
    gettext_lazy("Tasks"),
    gettext_lazy("Closed"),
    gettext_lazy("Overdue"),
    gettext_lazy("Completion rate (%)"),
)
CHARTS = (
    Chart("by_group", gettext_lazy("Completion rate by group"), (gettext_lazy("Group"), *_RATES)),
    Chart(
        "trend",
        gettext_lazy("Trend by month"),
        (
            gettext_lazy("Month"),
            gettext_lazy("Assigned"),
            gettext_lazy("Due"),
            gettext_lazy("Closed"),
        ),
    ),
    Chart(
        "overdue",
        gettext_lazy("Overdue ranking"),
        (gettext_lazy("Unit"), gettext_lazy("Overdue")),
    ),
    Chart(
        "by_unit",
        gettext_lazy("Completion rate by unit"),
        (gettext_lazy("Unit"), *_RATES),
        scrolls=True,
    ),
)


@require_GET
def dashboard(request: AuthedRequest) -> HttpResponse:
    require_view(request)
    year = _year(request)
    this = current_year()
    context = {
        "year": year,
        "years": range(this + 1, this - YEARS_BACK - 1, -1),
        "charts": CHARTS,
    }
    return render(request, "tracking/dashboard.html", context)


@require_GET
def dashboard_json(request: AuthedRequest) -> JsonResponse:
    require_view(request)
    year = _year(request)
    tasks = visible_tasks(request.user).filter(year=year)
    return JsonResponse(dashboard_data(tasks, year, timezone.localdate()))
