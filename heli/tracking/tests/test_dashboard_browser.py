"""The dashboard's charts, drawn in the system Chromium under the strict CSP."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from heli.org.tests.test_browser import login
from heli.testing import World
from heli.tracking.tests.helpers import make_task

# The tests' dates sit in one work year: they run on heli.testing.FROZEN_TODAY (mid-2026).
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.frozen_clock,
]

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
    # The late bars are drawn in the palette's overdue red, read from heli.css.
    overdue = page.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--heli-overdue').trim()"
    )
    fills = page.locator('[data-chart="overdue"] svg path').evaluate_all(
        "paths => paths.map(p => (p.getAttribute('fill') || '').toLowerCase())"
    )
    assert overdue and overdue.lower() in fills, (overdue, sorted(set(fills)))
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


def _js(number: float) -> str:
    """A number as the page's script writes it (String(n)): 50.0 is "50"."""
    return str(int(number)) if float(number).is_integer() else str(number)


def _expected_rows(data: dict[str, Any]) -> dict[str, list[list[str]]]:
    """Each chart's table as the dashboard's JSON gives its numbers: name, then figures."""
    trend = data["trend"]
    return {
        "by_group": [
            [g["name"], *(_js(g[k]) for k in ("total", "closed", "overdue", "rate"))]
            for g in data["by_group"]
        ],
        "trend": [
            [month, _js(trend["assigned"][i]), _js(trend["due"][i]), _js(trend["closed"][i])]
            for i, month in enumerate(trend["months"])
        ],
        "overdue": [[u["name"], _js(u["overdue"])] for u in data["overdue"]],
        "by_unit": [
            [u["name"], *(_js(u[k]) for k in ("total", "closed", "overdue", "rate"))]
            for u in data["by_unit"]
        ],
    }


def _table_rows(page: Any, name: str) -> list[list[str]]:
    """The rows of a chart's table: the row header's text, then the cells'."""
    return page.locator(f'[data-chart-table="{name}"] tbody tr').evaluate_all(
        """rows => rows.map(row => Array.from(row.cells).map(cell => cell.textContent.trim()))"""
    )


def _tab_to(page: Any, selector: str) -> None:
    """Press Tab until the element focused is ``selector`` (the keyboard only)."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_every_chart_is_described_and_its_table_view_opens_by_keyboard(
    page: Any, live_server: Any, world: World
) -> None:
    _some_tasks(world)
    page.add_init_script(WATCH_VIOLATIONS)
    scripts: list[str] = []
    script_errors: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server, "leader")
    page.goto(f"{live_server.url}/tracking/dashboard/")
    for name in CHARTS:
        _chart_texts(page, name)  # drawn

    # The small build, not the full one, and it keeps the global API.
    charting = [url for url in scripts if "echarts" in url]
    assert [url.rsplit("/", 1)[1] for url in charting] == ["echarts-6.1.0-heli.min.js"]
    assert page.evaluate("typeof window.echarts.init") == "function"

    # The numbers the charts are drawn from, as the page itself reads them.
    data = page.evaluate(
        """() => fetch(document.getElementById("dashboard").dataset.url).then(r => r.json())"""
    )
    expected = _expected_rows(data)
    assert expected["overdue"] == [["测试单位0", "1"]]
    assert ["测试单位2", "1", "0", "0", "0"] in expected["by_unit"]

    # ECharts names and describes each chart from its data, in Chinese (the page's lang).
    described = {"by_group": -1, "trend": 1, "overdue": -1, "by_unit": -1}
    for name, value in described.items():
        chart = page.locator(f'[data-chart="{name}"]')
        title = page.locator(f"#chart-{name}-title").inner_text()
        label = chart.get_attribute("aria-label")
        assert chart.get_attribute("role") == "img", name
        assert label.startswith(f"这是一个关于“{title}”的图表。"), label
        first = expected[name][0]
        # A value without the category's index after it ("…的数据是50，0").
        assert f"{first[0]}的数据是{first[value]}" in label, label
        assert f"{first[0]}的数据是{first[value]}，0" not in label, label
    trend = page.locator('[data-chart="trend"]').get_attribute("aria-label")
    for series in ("assigned", "due", "closed"):
        assert data["labels"][series] in trend
    assert "第0个系列" not in trend  # ECharts' own phrase counts from 0
    assert trend.count("的数据是") == 36  # all twelve months of the three series

    # Tab to each chart's switch, Enter shows its table, Enter again the chart.
    for name in CHARTS:
        switch = f'[data-chart-switch="{name}"]'
        _tab_to(page, switch)
        button = page.locator(switch)
        table = page.locator(f'[data-chart-table="{name}"]')
        view = page.locator(f'[data-chart-view="{name}"]')
        assert button.get_attribute("aria-expanded") == "false"
        assert button.inner_text() == button.get_attribute("data-label-table")
        assert not table.is_visible() and view.is_visible()
        page.keyboard.press("Enter")
        assert button.get_attribute("aria-expanded") == "true", name
        assert button.inner_text() == button.get_attribute("data-label-chart"), name
        assert table.is_visible() and not view.is_visible(), name
        assert set(button.get_attribute("aria-controls").split()) == {
            table.get_attribute("id"),
            view.get_attribute("id"),
        }
        caption = table.locator("caption").text_content()
        assert caption == page.locator(f"#chart-{name}-title").inner_text(), name
        assert _table_rows(page, name) == expected[name], name
        scopes = table.locator("tbody th").evaluate_all("ths => ths.map(th => th.scope)")
        assert scopes == ["row"] * len(expected[name]), name
        assert page.evaluate("s => document.activeElement.matches(s)", switch), name
        # Space works as well as Enter on a button.
        page.keyboard.press("Enter" if name != "trend" else "Space")
        assert button.get_attribute("aria-expanded") == "false", name
        assert not table.is_visible() and view.is_visible(), name
        assert button.inner_text() == button.get_attribute("data-label-table"), name

    # A chart hidden while the window narrows is drawn to the new width when shown again.
    page.locator('[data-chart-switch="by_unit"]').press("Enter")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    page.locator('[data-chart-switch="by_unit"]').press("Enter")
    page.wait_for_timeout(300)
    width = page.locator('[data-chart="by_unit"] svg').bounding_box()["width"]
    assert 200 < width <= 390

    # A year without tasks: the table says so instead of showing an empty body.
    page.goto(f"{live_server.url}/tracking/dashboard/?year={timezone.localdate().year - 1}")
    _chart_texts(page, "trend")
    page.locator('[data-chart-switch="by_unit"]').press("Enter")
    assert _table_rows(page, "by_unit") == [[data["labels"]["empty"]]]

    assert script_errors == []
    assert _violations(page) == []
