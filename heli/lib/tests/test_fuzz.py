"""Fuzzing: Hypothesis-generated input to every form and query string. No response is a 500.

The URL configuration is walked, every form that a signed-in person can open is parsed
for its field names, and generated values — empty, huge, negative, malformed dates,
control characters, other committees' ids — are posted as every role that may open it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heli.testing import World

pytestmark = pytest.mark.django_db

FUZZ_USERS = ("office", "sysadmin", "secadmin", "auditor", "leader", "unit0_secretary")
# Pages a fuzzer should not drive: signing out ends the session the fuzzer uses.
SKIP = {"accounts:logout", "set_language"}
SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")
# Names tried on endpoints that take a POST without a form of their own on a page.
COMMON_NAMES = [
    "year",
    "name",
    "version",
    "submission",
    "date",
    "successor",
    "status",
    "confirm",
    "q",
]

values = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1e309",
            "NaN",
            "2026-02-30",
            "9999-99-99",
            "../../etc/passwd",
            "\x00",
            "<script>",
            "'; DROP TABLE org_unit; --",
            "１２３",
            "true",
            "[]",
            "{}",
        ]
    ),
    st.binary(max_size=30).map(lambda b: b.decode("latin-1")),
)


class FormFields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._current: set[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "get").lower() == "post":
            self._current = set()
            self.forms.append((a.get("action") or "", self._current))
        elif tag in ("input", "select", "textarea") and self._current is not None and a.get("name"):
            if a.get("type") not in ("file",) and a["name"] != "csrfmiddlewaretoken":
                self._current.add(a["name"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += walk(p.url_patterns, prefix + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern) and p.name:
            found.append((prefix + p.name, p))
    return found


def urls_for(world: World) -> list[str]:
    """Every named URL, with ids of this committee's objects (and one of another's)."""
    ids = [world.units[0].pk, world.groups[0].pk, world.group_years[0].pk, world.other_unit.pk, 1]
    urls: set[str] = set()
    for name, pattern in walk(get_resolver().url_patterns):
        if name in SKIP:
            continue
        argc = pattern.pattern.regex.groups
        if not argc:
            urls.add(reverse(name))
            continue
        for pk in ids:
            try:
                urls.add(reverse(name, args=[pk] * argc))
            except Exception:  # noqa: S112 (a pattern whose arguments are not ids)
                continue
    return sorted(urls)


@pytest.mark.parametrize("who", FUZZ_USERS)
def test_no_form_answers_with_a_server_error(world: World, who: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.user(who))
    found: dict[str, set[str]] = {}
    year = world.group_years[0].year
    for url in urls_for(world) + [reverse("org:leads") + f"?year={year}"]:
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        if response.status_code == 405:
            found.setdefault(url, set(COMMON_NAMES))
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            parser = FormFields()
            parser.feed(response.content.decode())
            for action, fields in parser.forms:
                target = action or url.split("?")[0]
                if not target.startswith(SKIP_ACTIONS):
                    found.setdefault(target, set()).update(fields)
    targets = sorted(found.items())
    if who == "office":
        # The meeting office reaches the registry forms and the rotation's POST endpoints.
        assert {"/org/units/new/", "/org/leads/generate/", "/org/leads/confirm/"} <= set(found)

    @settings(
        max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        action, fields = data.draw(st.sampled_from(targets), label="form")
        names = sorted(fields) + data.draw(
            st.lists(st.text(max_size=10), max_size=2), label="extra"
        )
        payload = {n: data.draw(values, label=n) for n in names}
        response = client.post(action, payload)
        assert response.status_code < 500, (action, payload, response.status_code)

    if targets:
        fuzz()


@pytest.mark.parametrize("who", ["office", "unit0_secretary"])
def test_no_query_string_answers_with_a_server_error(world: World, who: str) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(world.user(who))
    pages = [
        reverse("org:unit_list"),
        reverse("org:group_list"),
        reverse("org:leads"),
        reverse("home"),
    ]

    @settings(
        max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(
        url=st.sampled_from(pages),
        query=st.dictionaries(
            st.sampled_from(["q", "group", "status", "sort", "page", "year", "x"]),
            values,
            max_size=5,
        ),
        htmx=st.booleans(),
    )
    def fuzz(url: str, query: dict[str, str], htmx: bool) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.get(url, query, headers=headers)
        assert response.status_code < 500, (url, query, response.status_code)

    fuzz()
