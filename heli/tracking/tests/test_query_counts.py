"""The battle map's heavy pages run the same number of queries at 12 and at 60 units (and
so at 1,220: scripts/bench.py), and the cached wall chart is kept current on every write."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment
from heli.liaison import board_ui as coverage_card
from heli.org import actions as org_actions
from heli.org.models import Unit
from heli.testing import build_sized_committee
from heli.tracking import actions, chart
from heli.tracking.models import Task
from heli.tracking.tests.helpers import add_sized_tasks

pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]

YEAR = 2026
CHART = reverse("tracking:wallchart")
PAGES = {
    "wall chart": f"{CHART}?year={YEAR}",
    "wall chart by source": f"{CHART}?year={YEAR}&by=source",
    "board": f"{reverse('tracking:board')}?year={YEAR}",
    "task list": f"{reverse('tracking:task_list')}?year={YEAR}",
    "task list, opened plain": reverse("tracking:task_list"),
    "home": reverse("home"),
}


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _counts(n_units: int) -> dict[str, int]:
    """Each page's queries for the committee's staff and for a unit's secretary, the wall
    chart both drawn afresh and from the cache."""
    committee = build_sized_committee(n_units, year=YEAR)
    staff = Client()
    staff.force_login(add_sized_tasks(committee, per_unit=10, year=YEAR))
    secretary = Client()
    secretary.force_login(
        RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_SECRETARY)
        .order_by("unit__sort_order")
        .first()
        .user  # type: ignore[union-attr]
    )
    counts = {}
    for who, client in (("staff", staff), ("secretary", secretary)):
        # What the home page's cards make on first use (the liaison and meeting settings).
        client.get(PAGES["home"])
        for name, url in PAGES.items():
            chart.forget(committee.pk)
            coverage_card.forget(committee.pk)
            counts[f"{name}, {who}"] = _queries(client, url)
            if url.startswith(CHART) or url == PAGES["home"]:
                counts[f"{name}, {who}, cached"] = _queries(client, url)
    return counts


def test_the_heavy_pages_run_as_many_queries_at_60_units_as_at_12() -> None:
    small = _counts(12)
    large = _counts(60)
    assert small == large, {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    # The cached chart skips its own queries: it reads no task at all.
    assert small["wall chart, staff, cached"] < small["wall chart, staff"]
    # So does the liaison coverage card of the home page, counted once a write.
    assert small["home, staff, cached"] < small["home, staff"]
    assert max(small.values()) <= 25, small


def _chart(client: Client) -> tuple[str, object]:
    response = client.get(CHART, {"year": YEAR})
    assert response.status_code == 200
    return response.content.decode(), response.context["chart"]


def _drawn_total(html: str) -> int:
    """The grand total the page shows (the chart in the context may be built afresh)."""
    found = re.search(rf'<a href="[^"]*\?year={YEAR}">(\d+)</a></td>\s*</tr></tfoot>', html)
    assert found, html[-2000:]
    return int(found.group(1))


def test_the_cached_chart_follows_every_write() -> None:
    committee = build_sized_committee(4, year=YEAR)
    user = add_sized_tasks(committee, per_unit=2, year=YEAR)
    # Rows inserted in bulk bypass the signals: the bulk writer forgets the chart itself.
    chart.forget(committee.pk)
    client = Client()
    client.force_login(user)
    html, drawn = _chart(client)
    assert drawn.total.count == _drawn_total(html) == 8  # type: ignore[attr-defined]
    unit = Unit.objects.filter(committee=committee).order_by("sort_order").first()
    assert unit is not None

    # A new task (saved) shows at once.
    task = actions.create_task(
        committee,
        {
            "title": "新交办的任务",
            "description": "",
            "basis": "",
            "lead_unit": unit,
            "cooperating_units": [],
            "department": Task.objects.filter(committee=committee).first().department,  # type: ignore[union-attr]
            "assigned_at": datetime.date(YEAR, 1, 5),
            "deadline": datetime.date(YEAR, 12, 30),
            "priority": Task.Priority.NORMAL,
            "parent": None,
            "weight": None,
        },
        user,
    )
    html, drawn = _chart(client)
    assert drawn.total.count == _drawn_total(html) == 9  # type: ignore[attr-defined]

    # A step: the withdrawn task leaves the chart.
    actions.withdraw_task(task, user, "误交办")
    html, drawn = _chart(client)
    assert drawn.total.count == _drawn_total(html) == 8  # type: ignore[attr-defined]

    # A unit renamed: its row reads the new name.
    unit.short_name = "改名单位"
    unit.save(update_fields=["short_name"])
    html, _drawn = _chart(client)
    assert "改名单位" in html

    # Renamed through the registry (an update the audit log records, no save): too.
    unit.refresh_from_db()
    org_actions.update_unit(unit, unit.version, {"short_name": "再改名"}, user)
    html, _drawn = _chart(client)
    assert "再改名" in html and "改名单位" not in html


def test_a_cached_chart_is_not_another_readers() -> None:
    committee = build_sized_committee(4, year=YEAR)
    staff_user = add_sized_tasks(committee, per_unit=2, year=YEAR)
    chart.forget(committee.pk)
    staff = Client()
    staff.force_login(staff_user)
    _html, drawn = _chart(staff)
    assert len([r for s in drawn.sections for r in s.rows]) == 4  # type: ignore[attr-defined]
    secretary = RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_SECRETARY).first()
    assert secretary is not None
    client = Client()
    client.force_login(secretary.user)
    html, drawn = _chart(client)
    rows = [r.unit_id for s in drawn.sections for r in s.rows]  # type: ignore[attr-defined]
    assert rows == [secretary.unit_id]
    assert html.count('class="wc-unit fw-normal"') == 1
