"""The palette passes WCAG 2.1 AA: every colour of heli.css measured against the
backgrounds it sits on, from the stylesheet itself.

Each pair below names two custom properties of heli.css's ``:root``; the test reads the
file, resolves the properties and computes the contrast ratio with WCAG's relative
luminance, so a colour changed to a failing one fails here. It also checks that the
rules that draw a colour use the property (a rule that went back to a raw colour would
escape the measurement), that Bootstrap's variables follow the palette, that the Excel
exports use the same colours, and that the style guide's ratios are the measured ones.
A browser test reads the focus ring Chromium actually draws, on the page and on the red
top bar.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from heli.tracking import states

CSS = Path(settings.BASE_DIR) / "heli/static/heli/heli.css"
# The areas' own stylesheets (heli/<area>/static/<area>/*.css).
AREA_CSS = tuple(sorted((Path(settings.BASE_DIR) / "heli").glob("*/static/*/*.css")))
RAW_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\(|hsla?\(")
GUIDE = Path(settings.BASE_DIR) / "docs/style-guide.md"

TEXT = 4.5  # normal text
MARK = 3.0  # large text and what is not text: chart cells, focus rings

# The greys a page puts under text: white cards and menu, the page, table heads and
# group rows, filled fields, banners.
LIGHT_BACKGROUNDS = (
    "--heli-surface",
    "--heli-page-bg",
    "--heli-subtle-bg",
    "--heli-field-bg",
    "--heli-banner-bg",
)
STATUS_COLOURS = (
    "--heli-overdue",
    "--heli-soon",
    "--heli-ok",
    "--heli-returned",
    "--heli-long-running",
    "--heli-closed",
    "--heli-withdrawn",
)
TEXT_COLOURS = (
    *STATUS_COLOURS,
    "--heli-text",
    "--heli-text-muted",
    "--heli-menu-text",
    "--heli-menu-heading",
    "--heli-link",
    "--heli-link-hover",
    "--heli-info",
)
# Text on every light background.
TEXT_ON_LIGHT = [(fg, bg, TEXT) for fg in TEXT_COLOURS for bg in LIGHT_BACKGROUNDS]
# Text on a background of its own.
TEXT_ON_OWN = [
    ("--heli-brand", "--heli-active-bg", TEXT),  # the menu's current page
    ("--heli-menu-text", "--heli-subtle-bg", TEXT),  # a menu link under the mouse
    ("--heli-returned-text", "--heli-returned-bg", TEXT),  # a returned task's banner
    ("--heli-pending-text", "--heli-pending-bg", TEXT),  # a unit to be contacted, in time
    ("--heli-banner-text", "--heli-banner-bg", TEXT),  # a closed or withdrawn task's banner
    ("--heli-text", "--heli-chip-bg", TEXT),  # a chosen unit's chip
    ("--heli-text-muted", "--heli-chip-bg", TEXT),  # the chip's remove button
    ("--heli-chip-hover-text", "--heli-chip-hover-bg", TEXT),  # ... under the mouse
    ("--heli-on-status", "--heli-brand", TEXT),  # the top bar's text, both ends
    ("--heli-on-status", "--heli-brand-dark", TEXT),
    ("--heli-on-status", "--heli-text-muted", TEXT),  # outline buttons under the mouse
    ("--heli-on-status", "--heli-link", TEXT),
    ("--heli-on-status", "--heli-info", TEXT),
]
# White text on every status colour: cells, badges, swatches.
WHITE_ON_STATUS = [("--heli-on-status", bg, TEXT) for bg in STATUS_COLOURS]
# A coloured cell or border against the white around it.
CELLS = [(c, "--heli-surface", MARK) for c in STATUS_COLOURS]
# The blue-grey of "in time, not yet done": a number's text and a row's edge on white.
PENDING = [("--heli-pending", bg, TEXT) for bg in ("--heli-surface", "--heli-subtle-bg")]
# The focus ring's dark tone on every light background; its light tone on both ends of
# the top bar's gradient; and the two tones against each other, so a ring on a coloured
# cell shows its white halo against the cell.
FOCUS = [
    *[("--heli-ring-dark", bg, MARK) for bg in (*LIGHT_BACKGROUNDS, "--heli-active-bg")],
    ("--heli-ring-light", "--heli-brand", MARK),
    ("--heli-ring-light", "--heli-brand-dark", MARK),
    ("--heli-ring-light", "--heli-ring-dark", MARK),
    *[("--heli-ring-light", c, MARK) for c in STATUS_COLOURS],
]
PAIRS = [*TEXT_ON_LIGHT, *TEXT_ON_OWN, *WHITE_ON_STATUS, *CELLS, *PENDING, *FOCUS]

# Rules that draw a colour, and the property they must draw it with.
USES = [
    ("body", "background", "var(--heli-page-bg)"),
    ("body", "color", "var(--heli-text)"),
    (
        ".heli-topbar",
        "background",
        "linear-gradient(90deg, var(--heli-brand-dark), var(--heli-brand))",
    ),
    (".heli-menu .nav-link", "color", "var(--heli-menu-text)"),
    (".heli-menu .nav-link:hover", "background", "var(--heli-subtle-bg)"),
    (".heli-menu .nav-link.active", "color", "var(--heli-brand)"),
    (".heli-menu .nav-link.active", "background", "var(--heli-active-bg)"),
    (".heli-menu-heading", "color", "var(--heli-menu-heading)"),
    (".table thead th", "background", "var(--heli-subtle-bg)"),
    ("dl.heli-dl dt", "color", "var(--heli-text-muted)"),
    (".status-closed", "color", "var(--heli-closed)"),
    (".status-met", "color", "var(--heli-ok)"),
    (".task-overdue .task-status", "color", "var(--heli-overdue)"),
    (".task-soon .task-status", "color", "var(--heli-soon)"),
    (".task-ok .task-status", "color", "var(--heli-ok)"),
    (".task-closed .task-status", "color", "var(--heli-closed)"),
    (".task-long_running .task-status", "color", "var(--heli-long-running)"),
    (".task-withdrawn .task-status", "color", "var(--heli-withdrawn)"),
    (".status-badge.status-returned", "background", "var(--heli-returned)"),
    (".status-badge.status-returned", "color", "var(--heli-on-status)"),
    (".status-badge.status-long_running", "background", "var(--heli-long-running)"),
    (".status-badge.status-withdrawn", "color", "var(--heli-withdrawn)"),
    (".task-banner-returned", "background", "var(--heli-returned-bg)"),
    (".task-banner-returned", "color", "var(--heli-returned-text)"),
    (".task-banner-closed", "background", "var(--heli-banner-bg)"),
    (".task-banner-closed", "color", "var(--heli-banner-text)"),
    (".unit-chip", "background", "var(--heli-chip-bg)"),
    (".unit-chip button", "color", "var(--heli-text-muted)"),
    (".unit-chip button:focus-visible", "color", "var(--heli-chip-hover-text)"),
    (".unit-chip button:focus-visible", "background", "var(--heli-chip-hover-bg)"),
    (".parent-chosen-task", "background", "var(--heli-field-bg)"),
    (".wallchart thead .wc-unit", "background", "var(--heli-subtle-bg)"),
    (".wallchart .wc-group .wc-unit", "background", "var(--heli-subtle-bg)"),
    (".wallchart .wc-unit", "background", "var(--heli-surface)"),
    (".heli-skip:focus", "outline", "var(--heli-focus-width) solid var(--heli-focus-ring)"),
    *[
        rule
        for state in ("overdue", "soon", "ok", "closed", "long_running")
        for rule in (
            (f".state-{state}", "background", f"var(--heli-{state.replace('_', '-')})"),
            (f".state-{state}", "color", "var(--heli-on-status)"),
            (
                f".wallchart .wc-cell.state-{state}",
                "--bs-table-bg",
                f"var(--heli-{state.replace('_', '-')})",
            ),
            (f".wallchart .wc-cell.state-{state}", "--bs-table-color", "var(--heli-on-status)"),
            (f".wc-cell.state-{state} a", "color", "var(--heli-on-status)"),
            (
                f".state-border-{state}",
                "border-left-color",
                f"var(--heli-{state.replace('_', '-')})",
            ),
        )
    ],
    # Bootstrap follows the palette.
    (":root", "--bs-body-color", "var(--heli-text)"),
    (":root", "--bs-secondary-color", "var(--heli-text-muted)"),
    (":root", "--bs-link-color", "var(--heli-link)"),
    (":root", "--bs-link-hover-color", "var(--heli-link-hover)"),
    (":root", "--bs-focus-ring-color", "var(--heli-focus-ring)"),
    (":root", "--bs-form-invalid-color", "var(--heli-overdue)"),
    (".btn-outline-secondary", "--bs-btn-color", "var(--heli-text-muted)"),
    (".btn-outline-danger", "--bs-btn-color", "var(--heli-overdue)"),
    (".btn-outline-success", "--bs-btn-color", "var(--heli-ok)"),
    (".btn-outline-primary", "--bs-btn-color", "var(--heli-link)"),
    (".btn-outline-info", "--bs-btn-color", "var(--heli-info)"),
    # The hue names other stylesheets use are the status colours.
    (":root", "--heli-red", "var(--heli-overdue)"),
    (":root", "--heli-amber", "var(--heli-soon)"),
    (":root", "--heli-green", "var(--heli-ok)"),
    (":root", "--heli-grey", "var(--heli-closed)"),
    (":root", "--heli-blue", "var(--heli-long-running)"),
    (":root", "--heli-purple", "var(--heli-returned)"),
]
# Bootstrap reads some colours as "r, g, b" triples: each must be its colour's twin.
RGB_TWINS = [
    (":root", "--bs-body-color-rgb", "--heli-text"),
    (":root", "--bs-secondary-color-rgb", "--heli-text-muted"),
    (":root", "--bs-link-color-rgb", "--heli-link"),
    (":root", "--bs-link-hover-color-rgb", "--heli-link-hover"),
    (".text-danger", "--bs-danger-rgb", "--heli-overdue"),
    (".text-success", "--bs-success-rgb", "--heli-ok"),
    (".text-warning", "--bs-warning-rgb", "--heli-soon"),
]
# Bootstrap's rules that draw a faint focus glow or none; each is overridden by the ring.
FOCUSED = (
    ":focus-visible",
    ".btn:focus-visible",
    ".btn-check:focus-visible + .btn",
    ".nav-link:focus-visible",
    ".page-link:focus-visible",
    ".btn-close:focus-visible",
    ".navbar-toggler:focus-visible",
    ".dropdown-item:focus-visible",
    ".form-check-input:focus-visible",
    ".form-control:focus",
    ".form-select:focus",
)


# -- The stylesheet, read --------------------------------------------------------------


Rules = list[tuple[tuple[str, ...], dict[str, str]]]


@cache
def stylesheet(path: Path = CSS) -> str:
    return re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)


@cache
def rules(path: Path = CSS) -> Rules:
    """Every innermost rule: its selectors and its declarations (the last one wins)."""
    found = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", stylesheet(path)):
        decls: dict[str, str] = {}
        for decl in body.split(";"):
            name, colon, value = decl.partition(":")
            if colon:
                decls[name.strip()] = " ".join(value.split())
        names = tuple(" ".join(s.split()) for s in selectors.split(","))
        found.append((names, decls))
    return found


def declared(selector: str, prop: str) -> list[str]:
    """The values of ``prop`` in the rules that name ``selector``."""
    return [d[prop] for names, d in rules() if selector in names and prop in d]


@cache
def palette() -> dict[str, str]:
    """The custom properties of the first ``:root`` rule."""
    roots = [d for names, d in rules() if names == (":root",)]
    assert roots, "heli.css has no :root rule"
    return {k: v for k, v in roots[0].items() if k.startswith("--")}


@cache
def properties() -> dict[str, str]:
    """The house palette and the colours every area's stylesheet adds in its ``:root``."""
    found = dict(palette())
    for path in AREA_CSS:
        for names, decls in rules(path):
            if names == (":root",):
                found |= {k: v for k, v in decls.items() if k.startswith("--")}
    return found


def colour(name: str) -> str:
    """A property of the palette as a colour, following ``var()`` references."""
    value = properties()[name]
    seen = {name}
    while m := re.fullmatch(r"var\((--[\w-]+)\)", value):
        assert m.group(1) not in seen, f"{name} refers to itself"
        seen.add(m.group(1))
        value = properties()[m.group(1)]
    return hex6(value)


def hex6(value: str) -> str:
    m = re.fullmatch(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})", value.strip())
    assert m, f"not a colour: {value!r}"
    h = m.group(1).lower()
    return "#" + (h if len(h) == 6 else "".join(c * 2 for c in h))


def rgb(value: str) -> tuple[int, int, int]:
    h = hex6(value)
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def luminance(value: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(value))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ratio(fg: str, bg: str) -> float:
    return contrast(colour(fg), colour(bg))


# -- The measurements ------------------------------------------------------------------


def test_the_contrast_formula_matches_wcag_examples() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    # The audit's failures, measured the same way.
    assert contrast("#7f8c8d", "#fff") == pytest.approx(3.48, abs=0.01)
    assert contrast("#8a9099", "#f4f5f7") == pytest.approx(2.95, abs=0.01)
    assert contrast("#fff", "#d68910") == pytest.approx(2.82, abs=0.01)


@pytest.mark.parametrize(("fg", "bg", "needed"), PAIRS, ids=[f"{f}|{b}" for f, b, _n in PAIRS])
def test_each_colour_meets_its_ratio_on_its_background(fg: str, bg: str, needed: float) -> None:
    measured = ratio(fg, bg)
    assert measured >= needed, (
        f"{fg} {colour(fg)} on {bg} {colour(bg)}: {measured:.2f}:1 < {needed}:1"
    )


def test_the_status_colours_are_told_apart_from_each_other() -> None:
    values = [colour(c) for c in STATUS_COLOURS]
    assert len(set(values)) == len(values)


@pytest.mark.parametrize(("selector", "prop", "value"), USES, ids=[f"{s} {p}" for s, p, _v in USES])
def test_the_rule_draws_its_colour_from_the_palette(selector: str, prop: str, value: str) -> None:
    values = declared(selector, prop)
    assert values, f"no rule for {selector} sets {prop}"
    # (A print rule may set the same property again: body is white on paper.)
    assert value in values, f"{selector} {{ {prop}: {values} }}, expected {value}"


def test_no_rule_outside_the_palette_names_a_raw_colour() -> None:
    for names, decls in rules():
        if names == (":root",):
            continue
        for prop, value in decls.items():
            if prop.endswith("-rgb"):
                continue  # Bootstrap's triples, checked against their twins
            assert not RAW_COLOUR.search(value), (
                f"{', '.join(names)} {{ {prop}: {value} }}: use a --heli-* property"
            )


def test_the_dashboards_charts_draw_with_the_palette() -> None:
    script = (Path(settings.BASE_DIR) / "heli/static/heli/dashboard.js").read_text()
    raw = RAW_COLOUR.findall(script)
    assert not raw, f"dashboard.js names raw colours {raw}: read a --heli-* property"
    read = set(re.findall(r'palette\("([\w-]+)"\)', script))
    assert {"overdue", "soon", "ok", "closed", "long-running"} <= read, read
    missing = {name for name in read if f"--heli-{name}" not in palette()}
    assert not missing, f"dashboard.js reads properties heli.css does not define: {missing}"


@pytest.mark.parametrize(("selector", "prop", "twin"), RGB_TWINS)
def test_bootstraps_rgb_triples_are_the_palettes_colours(
    selector: str, prop: str, twin: str
) -> None:
    values = declared(selector, prop)
    assert values, f"no rule for {selector} sets {prop}"
    triple = tuple(int(part) for part in values[-1].split(","))
    assert triple == rgb(colour(twin))


def test_the_excel_exports_fill_with_the_same_colours() -> None:
    for state, fill in states.COLOURS.items():
        assert "#" + fill.lower() == colour("--heli-" + state.replace("_", "-")), state


# -- The focus ring --------------------------------------------------------------------


def _ring_rule() -> dict[str, str]:
    rings = [d for names, d in rules() if ":focus-visible" in names]
    assert rings, "no :focus-visible rule"
    return rings[-1]


def test_one_ring_replaces_bootstraps_faint_focus_on_every_control() -> None:
    names = next(n for n, _d in reversed(rules()) if ":focus-visible" in n)
    assert set(FOCUSED) <= set(names), set(FOCUSED) - set(names)
    ring = _ring_rule()
    assert ring["outline"] == "var(--heli-focus-width) solid var(--heli-focus-ring)"
    assert ring["box-shadow"] == "0 0 0 2px var(--heli-focus-halo)"
    width = palette()["--heli-focus-width"]
    assert re.fullmatch(r"\d+px", width) and int(width[:-2]) >= 2, width


def test_the_ring_swaps_its_tones_on_the_red_top_bar_and_back_in_its_menu() -> None:
    assert palette()["--heli-focus-ring"] == "var(--heli-ring-dark)"
    assert palette()["--heli-focus-halo"] == "var(--heli-ring-light)"
    assert declared(".heli-topbar", "--heli-focus-ring") == ["var(--heli-ring-light)"]
    assert declared(".heli-topbar", "--heli-focus-halo") == ["var(--heli-ring-dark)"]
    assert declared(".heli-topbar .dropdown-menu", "--heli-focus-ring") == ["var(--heli-ring-dark)"]
    assert declared(".heli-topbar .dropdown-menu", "--heli-focus-halo") == [
        "var(--heli-ring-light)"
    ]


# -- The style guide -------------------------------------------------------------------

VAR = re.compile(r"`(--[\w-]+)`")


def guide_ratios() -> list[tuple[str, str, float]]:
    """The (colour, background, ratio) the style guide states: its tables with a
    background in each column's heading, and its rows that name two colours and a ratio."""
    found: list[tuple[str, str, float]] = []
    columns: list[str | None] | None = None
    for line in GUIDE.read_text().splitlines():
        if not line.startswith("|"):
            columns = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if set("".join(cells)) <= set("-: "):
            continue  # the heading's rule
        if columns is None:  # a table's heading
            heads = [VAR.search(c) for c in cells]
            columns = [m.group(1) if m else None for m in heads]
            if sum(1 for c in columns if c) < 2:
                columns = []  # a table of pairs, or of no colours
            continue
        names = VAR.findall(line)
        if columns:
            for head, cell in zip(columns, cells, strict=False):
                m = re.fullmatch(r"(\d+\.\d\d)(:1)?", cell)
                if head and m and names:
                    found.append((names[0], head, float(m.group(1))))
        else:
            m = re.search(r"\b(\d+\.\d\d):1", line)
            if len(names) == 2 and m:
                found.append((names[0], names[1], float(m.group(1))))
    return found


def test_the_style_guide_states_the_measured_ratios() -> None:
    stated = guide_ratios()
    assert len(stated) >= len(PAIRS) // 2
    for fg, bg, value in stated:
        assert value == pytest.approx(ratio(fg, bg), abs=0.01), f"{fg} on {bg}"


def test_the_style_guide_states_every_pair_the_test_measures() -> None:
    stated = {frozenset((fg, bg)) for fg, bg, _v in guide_ratios()}
    missing = [(fg, bg) for fg, bg, _n in PAIRS if frozenset((fg, bg)) not in stated]
    assert not missing, missing


def test_the_style_guide_lists_each_colours_value() -> None:
    text = GUIDE.read_text().lower()
    for name in {n for pair in PAIRS for n in pair[:2]}:
        assert f"`{name}`" in text, name
        assert colour(name) in text, (name, colour(name))


# -- In the browser: the ring Chromium draws -------------------------------------------


def _css_colour(value: str) -> str:
    """A computed ``rgb(r, g, b)`` as ``#rrggbb``."""
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", value)
    assert m, value
    return "#" + "".join(f"{int(c):02x}" for c in m.groups())


def _focused(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, cls: e.className, inTopbar: !!e.closest('.heli-topbar'),
                outline: s.outlineColor, style: s.outlineStyle, width: s.outlineWidth,
                shadow: s.boxShadow}; }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_focus_ring_chromium_draws_stands_out_on_the_page_and_the_top_bar(
    browser: Any, live_server: Any, world: Any
) -> None:
    from heli.org.tests.test_browser import login

    # Bootstrap animates its buttons' box-shadow, unless motion is reduced: read it settled.
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1440, "height": 900}, reduced_motion="reduce"
    )
    page = context.new_page()
    login(page, live_server, "staff")
    page.goto(f"{live_server.url}/tracking/wallchart/")
    topbar_ends = (colour("--heli-brand-dark"), colour("--heli-brand"))
    seen = {"topbar": 0, "page": 0, "field": 0}
    for _ in range(60):
        page.keyboard.press("Tab")
        f = _focused(page)
        if f["tag"] == "BODY":
            continue
        assert f["style"] == "solid" and float(f["width"][:-2]) >= 2, f
        ring = _css_colour(f["outline"])
        if f["inTopbar"] and "dropdown-item" not in f["cls"]:
            seen["topbar"] += 1
            assert all(contrast(ring, end) >= MARK for end in topbar_ends), f
        else:
            seen["page"] += 1
            for bg in LIGHT_BACKGROUNDS:
                assert contrast(ring, colour(bg)) >= MARK, (f, bg)
            if f["tag"] == "SELECT":
                seen["field"] += 1
        # The halo is drawn too: the second tone.
        assert (
            "0px 0px 0px 2px" in f["shadow"] or "inset" in f["shadow"] or "nav-link" in f["cls"]
        ), f
    assert seen["topbar"] >= 2 and seen["page"] >= 5 and seen["field"] >= 1, seen
    context.close()


# -- The wall chart reads without colour -----------------------------------------------

CELL = re.compile(r'<td class="text-center wc-cell state-(\w+)">(.*?)</td>', re.S)


@pytest.mark.django_db
def test_every_coloured_cell_of_the_wall_chart_carries_its_states_mark() -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from heli.testing import build_sized_committee
    from heli.tracking.tests.helpers import add_sized_tasks

    year = timezone.localdate().year
    committee = build_sized_committee(4, year=year)
    user = add_sized_tasks(committee, per_unit=10, year=year)
    client = Client()
    client.force_login(user)
    html = client.get(reverse("tracking:wallchart"), {"year": year}).content.decode()
    marks = states.state_marks()
    assert len(set(marks.values())) == len(states.STATES)  # told apart by the mark alone
    seen = set()
    for state, inner in CELL.findall(html):
        if state == "none":
            assert "wc-mark" not in inner
            continue
        seen.add(state)
        assert inner.startswith(f'<span class="wc-mark">{marks[state]}</span>'), (state, inner)
    assert {"closed", "long_running"} <= seen and len(seen) >= 3, seen
    # The legend says what each mark means, on a swatch of its colour.
    for state, mark in marks.items():
        assert f'<span class="state-swatch state-{state}">{mark}</span>' in html, state


# -- The areas' stylesheets --------------------------------------------------------------
# An area's stylesheet may add colours of its own, as custom properties in its own
# ``:root`` named after the area; its rules draw with those and with heli.css's. Each rule
# is measured from what it declares: the text colour it sets on the background it paints
# (or, painting a background only, the page's text, muted text and links on it) at 4.5:1,
# a text colour set alone on the white and grey a page puts under text, and the colour of
# a border or outline that marks a state (a row's edge, a swatch, the chosen card) at 3:1
# on white. A colour named ``…-border`` is a surface's edge, a decoration, not measured.
PAGE_TEXTS = ("--heli-text", "--heli-text-muted", "--heli-link")
UNDER_TEXT = ("--heli-surface", "--heli-subtle-bg")
MARKING = ("border", "border-color", "border-left-color", "outline")


def area_colour(value: str) -> str | None:
    """A declared value as a colour, or None where it is no single colour."""
    value = value.replace("!important", "").strip()
    if m := re.fullmatch(r"var\((--[\w-]+)\)", value):
        return m.group(1)
    return None  # transparent, inherit, none, or what is not a colour


def area_pairs() -> list[tuple[str, str, str, str, float]]:
    """(stylesheet, selector, foreground, background, ratio) for each measured pair."""
    found = []
    for path in AREA_CSS:
        where = path.name
        for names, decls in rules(path):
            if names == (":root",):
                continue
            selector = ", ".join(names)
            bg = area_colour(decls.get("background", decls.get("background-color", "")))
            fg = area_colour(decls.get("color", ""))
            if bg and fg:
                found.append((where, selector, fg, bg, TEXT))
            elif bg:
                found += [(where, selector, text, bg, TEXT) for text in PAGE_TEXTS]
            elif fg:
                found += [(where, selector, fg, bg, TEXT) for bg in UNDER_TEXT]
            for prop in MARKING:
                m = re.search(r"var\((--[\w-]+)\)", decls.get(prop, ""))
                if m and not re.search(r"-border(-|$)", m.group(1)):
                    found.append((where, f"{selector} {prop}", m.group(1), "--heli-surface", MARK))
    return found


AREA_PAIRS = area_pairs()


def test_the_areas_stylesheets_are_found_and_measured() -> None:
    names = {path.name for path in AREA_CSS}
    assert {"board.css", "calendar.css", "meetings.css", "contacts.css"} <= names, names
    assert CSS not in AREA_CSS
    # Their own colours are measured: the coverage board's and the calendar's among them.
    measured = {pair[2] for pair in AREA_PAIRS} | {pair[3] for pair in AREA_PAIRS}
    assert {"--cov-missing-text", "--cov-missing-bg", "--mc-approved-text"} <= measured


@pytest.mark.parametrize("path", AREA_CSS, ids=[p.name for p in AREA_CSS])
def test_an_area_names_its_colours_once_in_its_own_root(path: Path) -> None:
    for names, decls in rules(path):
        for prop, value in decls.items():
            if names == (":root",):
                assert prop.startswith("--") and not prop.startswith("--heli-"), (
                    f"{path.name} :root {{ {prop} }}: an area adds properties of its own name"
                    " and leaves heli.css's palette to heli.css"
                )
                continue
            assert not RAW_COLOUR.search(value), (
                f"{path.name} {', '.join(names)} {{ {prop}: {value} }}: name the colour in"
                " the stylesheet's :root (or use heli.css's --heli-* property)"
            )


@pytest.mark.parametrize(
    ("where", "selector", "fg", "bg", "needed"),
    AREA_PAIRS,
    ids=[f"{w} {s} {f}|{b}" for w, s, f, b, _n in AREA_PAIRS],
)
def test_each_colour_an_area_draws_meets_its_ratio(
    where: str, selector: str, fg: str, bg: str, needed: float
) -> None:
    measured = ratio(fg, bg)
    assert measured >= needed, (
        f"{where} {selector}: {fg} {colour(fg)} on {bg} {colour(bg)}: {measured:.2f}:1 < {needed}:1"
    )
