"""The dashboard's charts, drawn in the system Chromium under the strict CSP."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking.tests.helpers import make_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS = ("by_group", "trend", "overdue", "by_unit")

# Registered before any page script runs: every CSP violation of the page, whether or not
# the browser also reports it on the console.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.sample || e.blockedURI));
});
"""


def _some_tasks(world: World) -> None:
    today = timezone.localdate()
    d = datetime.timedelta
    make_task(world, title="逾期", assigned_at=today - d(days=30), deadline=today - d(days=2))
    make_task(
        world,
        title="进行中",
        lead_unit=world.units[2],
        cooperating_units=[],
        assigned_at=today - d(days=3),
        deadline=today + d(days=20),
    )


def _chart_texts(page: Any, name: str) -> list[str]:
    """The texts drawn in the chart's SVG; waits until the chart has drawn."""
    chart = page.locator(f'[data-chart="{name}"]')
    chart.locator("svg path").first.wait_for(state="attached")
    return [t.strip() for t in chart.locator("svg text").all_text_contents() if t.strip()]


def _hover(page: Any, name: str) -> None:
    box = page.locator(f'[data-chart="{name}"]').bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0, name
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.45)
    page.wait_for_timeout(300)  # the tooltip shows after ECharts' own short delay


def _violations(page: Any) -> list[str]:
    return list(page.evaluate("window.__cspViolations"))


def test_dashboard_charts_draw_as_svg_with_tooltips_and_no_csp_violation(
    page: Any, live_server: Any, world: World
) -> None:
    _some_tasks(world)
    page.add_init_script(WATCH_VIOLATIONS)
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server, "leader")
    response = page.goto(f"{live_server.url}/tracking/dashboard/")
    policy = response.headers["content-security-policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy

    for name in CHARTS:
        chart = page.locator(f'[data-chart="{name}"]')
        texts = _chart_texts(page, name)
        assert chart.locator("canvas").count() == 0, name
        assert chart.locator("svg path").count() > 0, name
        assert texts, name
    assert "测试单位0" in _chart_texts(page, "by_unit")
    assert "测试单位0" in _chart_texts(page, "overdue")
    assert "第一组" in _chart_texts(page, "by_group")
    assert page.locator('[data-total="tasks"]').inner_text() == "2"

    # The tooltips are drawn into the chart too (no HTML with inline styles).
    _hover(page, "by_group")
    assert any("完成率" in t for t in _chart_texts(page, "by_group"))
    for name in ("trend", "overdue", "by_unit"):
        before = len(_chart_texts(page, name))
        _hover(page, name)
        assert len(_chart_texts(page, name)) > before, name

    # A phone-sized window redraws the charts to its width, still without a violation.
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    width = page.locator('[data-chart="by_unit"] svg').bounding_box()["width"]
    assert 200 < width <= 390
    _hover(page, "by_unit")
    assert _violations(page) == []
