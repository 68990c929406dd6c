"""The dashboard page and its JSON: the same policy as the task pages, fixed queries."""

from __future__ import annotations

import datetime
import gzip
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.testing import FROZEN_TODAY, World, build_sized_committee
from heli.tracking import actions
from heli.tracking.dashboards import OVERDUE_RANKING
from heli.tracking.models import Task
from heli.tracking.tests.helpers import add_sized_tasks, make_task

# Overdue counts and the month of "today" depend on the date: the clock is frozen.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _tasks(world: World) -> list[Task]:
    today = timezone.localdate()
    d = datetime.timedelta
    made = [
        # units[0]: one late, one closed
        make_task(world, title="逾期", assigned_at=today - d(days=30), deadline=today - d(days=2)),
        make_task(
            world, title="已销号", assigned_at=today - d(days=30), deadline=today + d(days=9)
        ),
        # units[2]: one running, no cooperation with units[0]
        make_task(
            world,
            title="进行中",
            lead_unit=world.units[2],
            cooperating_units=[],
            assigned_at=today - d(days=3),
            deadline=today + d(days=20),
        ),
    ]
    closing = made[1]
    actions.receive_task(closing, world.user("unit0_secretary"))
    actions.report_done(closing, world.user("unit0_secretary"), "已全部完成，请核实。")
    actions.close_task(closing, world.user("staff"))
    return made


def _data(client: Client, world: World, name: str) -> dict:
    client.force_login(world.user(name))
    response = client.get(reverse("tracking:dashboard_data"))
    assert response.status_code == 200, name
    return response.json()


def test_who_sees_the_dashboard(client: Client, world: World) -> None:
    for name in ("leader", "staff", "office", "unit0_secretary", "unit2_staff"):
        client.force_login(world.user(name))
        page = client.get(reverse("tracking:dashboard"))
        assert page.status_code == 200, name
        assert b'data-url="/tracking/dashboard/data.json?year=' in page.content
        assert b"echarts-6.1.0-heli.min.js" in page.content
        assert b"<script>" not in page.content  # no inline script: the CSP forbids it
    for name in ("sysadmin", "secadmin", "auditor", "nobody"):
        client.force_login(world.user(name))
        assert client.get(reverse("tracking:dashboard")).status_code == 404, name
        assert client.get(reverse("tracking:dashboard_data")).status_code == 404, name


def test_committee_sees_every_unit(client: Client, world: World) -> None:
    _tasks(world)
    data = _data(client, world, "leader")
    assert data["totals"] == {"tasks": 3, "closed": 1, "overdue": 1, "rate": 33.3}
    by_unit = {u["name"]: u for u in data["by_unit"]}
    assert by_unit["测试单位0"]["total"] == 2 and by_unit["测试单位0"]["rate"] == 50.0
    assert by_unit["测试单位2"]["total"] == 1
    assert [g["name"] for g in data["by_group"]] == ["第一组", "第二组"]
    assert [u["name"] for u in data["overdue"]] == ["测试单位0"]
    month = timezone.localdate().month - 1
    assert data["trend"]["closed"][month] == 1
    assert sum(data["trend"]["assigned"]) == 3


def test_a_unit_counts_only_its_own_tasks(client: Client, world: World) -> None:
    _tasks(world)
    data = _data(client, world, "unit2_secretary")
    assert data["totals"]["tasks"] == 1
    assert [u["name"] for u in data["by_unit"]] == ["测试单位2"]
    assert [g["name"] for g in data["by_group"]] == ["第二组"]
    assert data["overdue"] == []


def test_another_year_is_empty(client: Client, world: World) -> None:
    _tasks(world)
    client.force_login(world.user("leader"))
    year = timezone.localdate().year - 1
    data = client.get(reverse("tracking:dashboard_data"), {"year": year}).json()
    assert data["year"] == year and data["totals"]["tasks"] == 0 and data["by_unit"] == []


def _sized_queries(n_units: int) -> dict[str, int]:
    """Queries of the dashboard and its JSON for ``n_units`` units with three tasks each."""
    year = FROZEN_TODAY.year
    committee = build_sized_committee(n_units, year=year)
    user = add_sized_tasks(committee, per_unit=3, year=year)
    client = Client()
    client.force_login(user)
    counts = {}
    for name, url in (
        ("page", reverse("tracking:dashboard")),
        ("json", reverse("tracking:dashboard_data") + f"?year={year}"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    data = response.json()
    # Every unit is charted, and more units are late than the ranking shows.
    assert data["totals"]["tasks"] == 3 * n_units
    assert len(data["by_unit"]) == n_units
    assert len(data["overdue"]) == OVERDUE_RANKING
    return counts


def test_the_dashboard_and_its_json_run_a_fixed_number_of_queries() -> None:
    small = _sized_queries(122)
    large = _sized_queries(1220)
    assert small == large, (small, large)
    # A name or a group fetched per unit would add hundreds.
    assert max(small.values()) <= 12, small


@pytest.mark.parametrize("name", ["leader", "staff", "unit0_secretary"])
def test_each_total_card_opens_exactly_the_tasks_it_counts(
    client: Client, world: World, name: str
) -> None:
    _tasks(world)
    totals = _data(client, world, name)["totals"]
    year = timezone.localdate().year
    page = client.get(reverse("tracking:dashboard")).content.decode()
    for key, query in (
        ("tasks", ""),
        ("closed", "&amp;status=closed"),
        ("overdue", "&amp;state=overdue"),
    ):
        href = f"{reverse('tracking:task_list')}?year={year}{query}"
        assert f'href="{href}"' in page, key
        listed = client.get(href.replace("&amp;", "&")).context["page"].paginator.count
        assert listed == totals[key], (name, key)


CHARTS = ("by_group", "trend", "overdue", "by_unit")
BUNDLE = "vendor/echarts-6.1.0-heli.min.js"


class _Elements(HTMLParser):
    """Every element's tag, attributes and text, in document order; and the ones with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[dict[str, Any]] = []
        self.by_id: dict[str, dict[str, Any]] = {}
        self._open: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element: dict[str, Any] = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(element)
        if element["attrs"].get("id"):
            self.by_id[element["attrs"]["id"]] = element
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"] += data


def test_every_chart_has_a_table_view_switch(client: Client, world: World) -> None:
    client.force_login(world.user("leader"))
    page = _Elements()
    page.feed(client.get(reverse("tracking:dashboard")).content.decode())
    for name in CHARTS:
        title = page.by_id[f"chart-{name}-title"]
        assert title["tag"] == "h2" and title["text"].strip(), name
        (switch,) = [e for e in page.elements if e["attrs"].get("data-chart-switch") == name]
        # A real button, hidden until the script has drawn the chart and filled the table.
        assert switch["tag"] == "button" and switch["attrs"]["type"] == "button", name
        assert "hidden" in switch["attrs"] and switch["attrs"]["aria-expanded"] == "false", name
        assert switch["text"] == switch["attrs"]["data-label-table"], name
        assert switch["attrs"]["data-label-chart"] not in ("", switch["text"]), name
        table_box, view = (page.by_id[i] for i in switch["attrs"]["aria-controls"].split())
        assert table_box["attrs"]["data-chart-table"] == name and "hidden" in table_box["attrs"]
        assert view["attrs"]["data-chart-view"] == name and "hidden" not in view["attrs"]
        # The table's caption is the chart's title; every column header says it is one.
        start = page.elements.index(table_box)
        table = page.elements[start + 1 : start + 40]
        assert table[0]["tag"] == "table", name
        assert table[1]["tag"] == "caption" and table[1]["text"] == title["text"], name
        headers = [e for e in table if e["tag"] == "th"]
        assert len(headers) >= 2 and all(h["attrs"]["scope"] == "col" for h in headers), name
    # The phrases ECharts' description of the trend (three series) uses, from the page.
    root = page.by_id["dashboard"]["attrs"]
    assert "{seriesCount}" in root["data-aria-series-count"]
    assert "{seriesName}" in root["data-aria-series-name"]
    assert "{seriesType}" in root["data-aria-series-name"]


def test_only_pages_that_draw_charts_load_the_small_chart_build(
    client: Client, world: World
) -> None:
    # The custom build is there, the full one is gone.
    bundle = finders.find(BUNDLE)
    assert bundle, BUNDLE
    assert finders.find("vendor/echarts-6.1.0.min.js") is None
    content = Path(bundle).read_bytes()
    assert content.startswith(b"/*!\n * Apache ECharts 6.1.0")
    # The weight budget of a page that draws charts (500 KB compressed, all included):
    # the full build alone was 369 KB gzipped.
    assert len(gzip.compress(content)) < 220_000
    # No template but the dashboard's names the chart library.
    loading = sorted(
        str(path.relative_to(settings.BASE_DIR))
        for path in (Path(settings.BASE_DIR) / "heli").glob("**/templates/**/*.html")
        if re.search(r"echarts[^\"']*\.js", path.read_text())
    )
    assert loading == ["heli/tracking/templates/tracking/dashboard.html"]
    client.force_login(world.user("leader"))
    for url in (reverse("home"), reverse("tracking:task_list")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"echarts" not in response.content, url
