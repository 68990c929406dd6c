"""The wall chart (挂图): counts that equal the lists they open, worst colours, who sees which
rows, fixed query counts at 122 and 1,220 units, and the A3 print rules."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.testing import World, build_sized_committee
from heli.tracking import lists
from heli.tracking.chart import Cell, Chart
from heli.tracking.models import Task
from heli.tracking.tests.helpers import add_sized_tasks, make_task

# Cell colours depend on today: the clock is frozen on a mid-year day.
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock]


def _tasks_in_every_state(world: World) -> list[Task]:
    today = timezone.localdate()
    year = today.year
    start = datetime.date(year, 1, 1)
    made = []
    for n, (unit, offset) in enumerate(
        [(0, -3), (0, 2), (1, 40), (2, -1), (3, 5), (2, 60), (0, 400)]
    ):
        deadline = max(today + datetime.timedelta(days=offset), start)
        made.append(
            make_task(
                world,
                title=f'=HYPERLINK("x")事项{n}',
                lead_unit=world.units[unit],
                cooperating_units=[world.units[(unit + 1) % 4]],
                assigned_at=start,
                deadline=deadline,
                year=year,
            )
        )
    return made


def _list_count(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


def _all_cells(chart: Chart) -> list[Cell]:
    cells = [chart.total, *(c for _k, _l, c in chart.columns)]
    for section in chart.sections:
        if section.total.url:
            cells.append(section.total)
        for row in section.rows:
            cells += [row.total, *row.cells]
    return cells


@pytest.mark.parametrize("by", ["month", "source"])
@pytest.mark.parametrize("name", ["staff", "leader", "unit0_staff", "unit2_secretary"])
def test_every_count_equals_the_list_it_opens(
    client: Client, world: World, by: str, name: str
) -> None:
    _tasks_in_every_state(world)
    client.force_login(world.user(name))
    year = timezone.localdate().year
    response = client.get(reverse("tracking:wallchart"), {"year": str(year), "by": by})
    assert response.status_code == 200
    chart = response.context["chart"]
    cells = [c for c in _all_cells(chart) if c.count]
    assert cells
    for cell in cells:
        assert _list_count(client, cell.url) == cell.count, cell.url
        assert f'href="{cell.url.replace("&", "&amp;")}"' in response.content.decode()


def test_columns_add_up_and_cells_take_the_worst_colour(client: Client, world: World) -> None:
    _tasks_in_every_state(world)
    client.force_login(world.user("staff"))
    year = timezone.localdate().year
    chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
    assert chart.total.count == 7
    assert sum(c.count for _k, _l, c in chart.columns) == 7
    assert sum(r.total.count for s in chart.sections for r in s.rows) == 7
    unit0 = next(r for s in chart.sections for r in s.rows if r.unit_id == world.units[0].pk)
    # unit0 holds an overdue task, a task due in two days and one in a later year.
    assert unit0.total.state == "overdue"
    assert chart.columns[-1][0] == lists.OTHER_MONTH


def test_unit_roles_see_only_their_own_units_row(client: Client, world: World) -> None:
    _tasks_in_every_state(world)
    year = timezone.localdate().year
    for name, unit in (("unit0_secretary", 0), ("unit2_staff", 2)):
        client.force_login(world.user(name))
        chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
        rows = [r.unit_id for s in chart.sections for r in s.rows]
        assert rows == [world.units[unit].pk], name
        # unit0 cooperates on unit3's task, but the chart counts lead units only.
        assert chart.total.count == Task.objects.filter(lead_unit=world.units[unit]).count()


@pytest.mark.parametrize("name", ["sysadmin", "secadmin", "auditor", "nobody"])
def test_administrators_and_the_roleless_get_404(client: Client, world: World, name: str) -> None:
    client.force_login(world.user(name))
    for url in ("tracking:wallchart", "tracking:board", "tracking:wallchart_export"):
        assert client.get(reverse(url)).status_code == 404, (name, url)


def test_anonymous_is_sent_to_sign_in(client: Client, world: World) -> None:
    response = client.get(reverse("tracking:wallchart"))
    assert response.status_code == 302


def test_other_committees_tasks_stay_out(client: Client, world: World) -> None:
    _tasks_in_every_state(world)
    client.force_login(world.user("outsider"))
    year = timezone.localdate().year
    chart = client.get(reverse("tracking:wallchart"), {"year": year}).context["chart"]
    assert chart.total.count == 0
    assert chart.sections == []


def test_unknown_state_or_month_selects_nothing(client: Client, world: World) -> None:
    _tasks_in_every_state(world)
    client.force_login(world.user("staff"))
    url = reverse("tracking:task_list")
    assert _list_count(client, url + "?state=purple") == 0
    assert _list_count(client, url + "?month=3") == 0  # a month needs a year
    assert _list_count(client, url + "?lead_unit=x") == 0


def count_queries(client: Client, urls: list[str]) -> list[int]:
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(ctx.captured_queries))
    return counts


def sized_counts(n_units: int) -> dict[str, int]:
    committee = build_sized_committee(n_units, year=2026)
    user = add_sized_tasks(committee, per_unit=10, year=2026)
    assert Task.objects.filter(committee=committee).count() == 10 * n_units
    client = Client()
    client.force_login(user)
    pages = {
        "wallchart": reverse("tracking:wallchart") + "?year=2026",
        "wallchart_source": reverse("tracking:wallchart") + "?year=2026&by=source",
        "board": reverse("tracking:board") + "?year=2026",
    }
    return dict(zip(pages, count_queries(client, list(pages.values())), strict=True))


def test_wallchart_and_board_run_a_fixed_number_of_queries() -> None:
    small = sized_counts(122)
    large = sized_counts(1220)
    assert small == large, (small, large)
    assert max(small.values()) <= 12, small


def test_print_rules_keep_colours_on_a3_landscape() -> None:
    css = (Path(settings.BASE_DIR) / "heli/static/heli/heli.css").read_text()
    print_rules = css[css.rindex("@page") :]
    assert re.search(r"@page\s*\{\s*size:\s*A3 landscape;\s*margin:\s*10mm", print_rules)
    assert "print-color-adjust: exact" in print_rules
    assert ".state-overdue" in print_rules


def test_page_hides_menu_in_print_and_has_no_inline_style(client: Client, world: World) -> None:
    _tasks_in_every_state(world)
    client.force_login(world.user("staff"))
    html = client.get(reverse("tracking:wallchart")).content.decode()
    assert "d-print-none" in html
    assert "style=" not in html
    assert "<script>" not in html
