"""Every page of every area, as every role that may open it, passes axe-core's WCAG 2.1 A
and AA rules at desktop (1440 px) and phone (390 px) width, and reflows at 320 px, in
normal and in larger text, without the page scrolling sideways (WCAG 1.4.10, which axe
does not check).

The pages are the areas' own lists (``<area>/tests/a11y_pages.py``, see
``heli.testing.AuditedPage``), walked in the demonstration committee, which has a matter
in every state. A URL name that is in no list fails the first test, so a page added
later is audited or said not to be a page. axe-core (``axe/``, from the npm registry) is
put into each page by the browser itself, never served by Heli.

The walk runs on one database (SQLite): what it checks is the HTML and CSS the browser
draws, which is the same on PostgreSQL, and it takes minutes.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import Error as PlaywrightError

from heli.accounts.models import User
from heli.testing import AuditedPage, verify_otp

AXE = Path(__file__).parent / "axe" / "axe.min.js"
# The WCAG 2.1 A and AA rules (axe's tags); "best-practice" rules are not the standard's.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = ({"width": 1440, "height": 900}, {"width": 390, "height": 844})
# WCAG 1.4.10 (reflow): at 320 px, in normal and in larger text (适老化), the page itself
# does not scroll sideways. A table may scroll inside its own box, a region of its own.
REFLOW = {"width": 320, "height": 640}
OVERFLOW = """async (large) => {
    const root = document.documentElement, had = root.classList.contains("heli-large-text");
    root.classList.toggle("heli-large-text", large);
    // What redraws on the window's resize (the charts) has drawn after two frames.
    for (let i = 0; i < 2; i++) await new Promise(requestAnimationFrame);
    const wide = root.scrollWidth - innerWidth, out = [];
    if (wide > 0) {
        // The outermost elements that reach past the window, outside boxes that scroll
        // (an absolute one escapes a box that is not positioned: it counts wherever it is).
        const scrolls = el => /auto|scroll|hidden/.test(getComputedStyle(el).overflowX);
        const past = el => el.getBoundingClientRect().right > innerWidth + 1;
        for (const el of document.body.querySelectorAll("*")) {
            let inside = getComputedStyle(el).position === "absolute" ? null : false;
            for (let up = el.parentElement; up && inside === false; up = up.parentElement) inside = scrolls(up);
            if (past(el) && !inside && !(el.parentElement && past(el.parentElement))) {
                out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                         + (el.className ? "." + String(el.className).split(/\s+/).join(".") : ""));
            }
        }
    }
    root.classList.toggle("heli-large-text", had);
    return {wide: wide, nodes: out.slice(0, 5)};
}"""
# One person of every role the demonstration committee has (heli/*/demo.py): the
# committee's leader, two staff of its departments (one hosts the joint-meeting office),
# a unit's leadership, its secretary (lead of a group this year), its party-affairs staff,
# and the three administrators.
ROLES = (
    "leader",
    "staff",
    "office",
    "unit_leader",
    "secretary",
    "unitstaff",
    "admin",
    "secadmin",
    "auditor",
)
# The names that belong to no area: the language switch posts and returns.
OWN_NOT_PAGES = {"set_language": "a POST that switches the language and returns"}


def area_lists() -> Iterator[tuple[str, ModuleType]]:
    """Each Heli app's ``tests.a11y_pages`` module."""
    for config in apps.get_app_configs():
        if not config.name.startswith("heli."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.a11y_pages")
        except ModuleNotFoundError as error:
            wanted = f"{config.name}.tests.a11y_pages"
            if not error.name or not wanted.startswith(error.name):
                raise
            continue  # an app without pages (the URL check below finds one that has)
        yield config.name, module


def url_names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from url_names(entry.url_patterns, inner)
        else:
            assert isinstance(entry, URLPattern)
            assert entry.name, f"a URL without a name: {entry.pattern}"
            yield ":".join(n for n in (namespace, entry.name) if n)


def audited_pages() -> list[AuditedPage]:
    return [page for _name, module in area_lists() for page in module.PAGES]


def test_every_url_is_audited_or_said_to_be_no_page() -> None:
    names = set(url_names(get_resolver().url_patterns))
    listed: dict[str, str] = {}
    not_pages = dict(OWN_NOT_PAGES)
    for app, module in area_lists():
        for page in module.PAGES:
            assert isinstance(page, AuditedPage), (app, page)
            listed.setdefault(page.name, app)
        for name, why in module.NOT_PAGES.items():
            assert why.strip(), f"{app}: say why {name} is no page"
            assert name not in not_pages, f"{name} is said to be no page twice"
            not_pages[name] = why
    both = set(listed) & set(not_pages)
    assert not both, f"both audited and said to be no page: {sorted(both)}"
    missing = names - set(listed) - set(not_pages)
    assert not missing, (
        "pages in no accessibility list (add them to PAGES or NOT_PAGES of the area's"
        f" tests/a11y_pages.py): {sorted(missing)}"
    )
    unknown = (set(listed) | set(not_pages)) - names
    assert not unknown, f"listed names that are no URL: {sorted(unknown)}"
    # The walk reaches every area that has pages.
    assert {app for app in listed.values()} >= {
        "heli.accounts",
        "heli.org",
        "heli.tracking",
        "heli.liaison",
        "heli.meetings",
        "heli.audit",
        "heli.notifications",
    }


def signed_in_cookie(username: str) -> str:
    """A session of the person, second factor passed, as the browser's cookie value."""
    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    verify_otp(client, user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def violations(page: Any) -> list[dict[str, Any]]:
    result = page.evaluate(
        """async (tags) => {
            const found = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                                   resultTypes: ["violations"]});
            return found.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: "
                                                   + (n.failureSummary || "").slice(0, 300)),
                count: v.nodes.length}));
        }""",
        TAGS,
    )
    return list(result)


def settle(tab: Any) -> None:
    """Wait for what the page loads after it is shown: htmx panels, the charts' numbers."""
    tab.wait_for_function(
        "document.readyState === 'complete' && !document.querySelector('.htmx-request,"
        " [aria-busy=true]')"
    )


# The page's markup without its words: what axe's rules look at, bar the words themselves.
SHAPE = """() => {
    const kept = /^(class|role|type|href|for|id|tabindex|hidden|disabled|alt|title|scope|lang|open|src)$|^aria-/;
    const parts = [];
    for (const el of document.body.querySelectorAll("*")) {
        const attrs = [...el.attributes].filter(a => kept.test(a.name))
            .map(a => a.name + (a.name.startsWith("aria-") || a.name === "class"
                                || a.name === "role" ? "=" + a.value : ""));
        const text = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
        parts.push(el.tagName + attrs.join(",") + (text ? "#" : ""));
    }
    return parts.join("|");
}"""


class Walk:
    """One browser context per person (or state of signing in), axe put into every page."""

    def __init__(self, browser: Any, live_server: Any) -> None:
        self.browser = browser
        self.base = live_server.url
        self.host = re.sub(r"^https?://", "", live_server.url).split(":")[0]
        self.script = AXE.read_text(encoding="utf-8")
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.errors: list[str] = []
        self.shapes: set[tuple[str, str]] = set()

    def context(self, session: str) -> Any:
        context = self.browser.new_context(locale="zh-CN", viewport=WIDTHS[0])
        context.add_init_script(script=self.script)
        if session:
            cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session}
            context.add_cookies([{**cookie, "domain": self.host, "path": "/"}])
        return context

    def audit(self, tab: Any, url: str, label: str, *, status: int = 200) -> bool:
        """Open the page and audit it at both widths; False if it is not this page.

        A page whose markup has the shape of one already audited at this address (the
        same elements, classes, roles, labels and empty or filled texts: another role
        that sees the same page under another name) is not audited twice.
        """
        try:
            response = tab.goto(self.base + url)
        except PlaywrightError:  # an answer without a page (405 to a GET)
            return False
        if response is None or response.status != status or tab.url != self.base + url:
            return False  # refused, or sent elsewhere: not a page this person may open
        settle(tab)
        shape = (url, hashlib.sha256(tab.evaluate(SHAPE).encode()).hexdigest())
        if shape in self.shapes:
            return True
        self.shapes.add(shape)
        for size in WIDTHS:
            tab.set_viewport_size(size)
            settle(tab)
            for violation in violations(tab):
                self.found.setdefault(f"{label} at {size['width']}", []).append(violation)
                print(f"VIOLATION {label} at {size['width']}: {violation}")
        tab.set_viewport_size(REFLOW)
        for large in (False, True):
            overflow = tab.evaluate(OVERFLOW, large)
            if overflow["wide"] > 0:
                where = f"{label} at {REFLOW['width']}" + (" in larger text" if large else "")
                found = {
                    "id": "reflow",
                    "impact": "serious",
                    "help": f"the page scrolls sideways by {overflow['wide']} px (WCAG 1.4.10)",
                    "nodes": overflow["nodes"],
                    "count": len(overflow["nodes"]),
                }
                self.found.setdefault(where, []).append(found)
                print(f"VIOLATION {where}: {found}")
        tab.set_viewport_size(WIDTHS[0])
        return True

    def report(self) -> str:
        return "\n".join(
            f"{where}: {v['id']} ({v['impact']}, {v['count']} nodes) {v['help']}\n    "
            + "\n    ".join(v["nodes"])
            for where, listed in self.found.items()
            for v in listed
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
# On a fixed day in mid-year, so that the demonstration has a matter in every state
# whatever the calendar says (on the 1st of January no meeting of the year is held yet).
@pytest.mark.frozen_clock
def test_every_page_passes_axe_for_every_role_at_both_widths(
    browser: Any, live_server: Any
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the walk checks the browser's pages; it runs once, on SQLite")
    call_command("load_demo", verbosity=0)
    User.objects.update(must_change_password=False)
    walk = Walk(browser, live_server)
    by_role: dict[str, str] = {}
    by_state: list[tuple[str, str, Callable[[], str]]] = []
    for spec in audited_pages():
        url = reverse(spec.name, args=spec.args() if spec.args else ())
        url += f"?{spec.query}" if spec.query else ""
        if spec.session is None:
            by_role[str(spec)] = url
        else:
            by_state.append((str(spec), url, spec.session))
    opened: dict[str, set[str]] = {key: set() for key in by_role}
    # A developer fixing one role's pages may walk only some roles: HELI_A11Y_ROLES=a,b.
    roles = tuple(r for r in os.environ.get("HELI_A11Y_ROLES", "").split(",") if r) or ROLES
    for username in roles:
        context = walk.context(signed_in_cookie(username))
        tab = context.new_page()
        tab.on("pageerror", lambda error, tab=tab: walk.errors.append(f"{tab.url}: {error}"))
        for key, url in by_role.items():
            started = time.monotonic()
            if walk.audit(tab, url, f"{key} as {username}"):
                opened[key].add(username)
                print(f"{time.monotonic() - started:5.2f}s {key} as {username}")
        if username == "unitstaff":
            # The pages of refusal and of an address that leads nowhere.
            for url, label, status in (
                (reverse("meetings:settings"), "refused", 403),
                ("/no-such-page/", "not found", 404),
            ):
                if not walk.audit(tab, url, label, status=status):
                    walk.errors.append(f"the {label} page did not answer {status} at {url}")
        context.close()
    for key, url, session in by_state:
        # Prepared last: signing in as someone ends that person's earlier sessions.
        context = walk.context(session())
        tab = context.new_page()
        if not walk.audit(tab, url, key):
            walk.errors.append(f"{key} did not open at {url} (ended at {tab.url})")
        context.close()
    assert not walk.found, f"{len(walk.found)} page views fail WCAG 2.1 A/AA:\n{walk.report()}"
    assert not walk.errors, f"script errors, or pages that did not open: {walk.errors}"
    nobody = sorted(key for key, who in opened.items() if not who)
    assert roles != ROLES or not nobody, f"pages no demonstration role could open: {nobody}"
