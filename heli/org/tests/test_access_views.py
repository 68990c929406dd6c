"""Who gets which page: every person × every page of the registry, over HTTP.

The expected statuses are the specification: 200 for the people allowed (302 after a
POST that did its work), 404 — never 403 — for everyone else who is signed in, so
that the existence of a record does not leak, and a redirect to the login page for
anonymous visitors and disabled accounts. Negative cases come first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern

from heli.accounts.models import Role
from heli.lib.dates import current_year
from heli.org.models import Group, GroupMembership, GroupYear, LeadOverride
from heli.testing import WORLD_USERS, World, grant, make_user

LOGIN = "/accounts/login/"

SUBJECTS = (*WORLD_USERS, "inactive", "anonymous")
SIGNED_OUT = ("inactive", "anonymous")  # a disabled account is not signed in
COMMITTEE_READERS = ("leader", "staff", "office", "sysadmin", "secadmin", "auditor")
UNIT0 = ("unit0_leadership", "unit0_secretary", "unit0_staff")
UNIT2 = ("unit2_secretary", "unit2_staff")
WITH_A_ROLE = (*COMMITTEE_READERS, *UNIT0, *UNIT2, "outsider")  # outsider: in its own committee
SIGNED_IN = (*WITH_A_ROLE, "nobody")


@dataclass
class Site:
    world: World
    other_group: Group
    other_group_year: GroupYear
    year: int = field(default_factory=current_year)


@pytest.fixture
def site(world: World) -> Site:
    inactive = make_user(world.committee, "inactive", is_active=False)
    grant(inactive, Role.COMMITTEE_LEADER)
    world.users["inactive"] = inactive
    other = world.other_committee
    other_group = Group.objects.create(committee=other, number=1, name="外区甲组")
    other_gy = GroupYear.objects.create(committee=other, group=other_group, year=current_year())
    GroupMembership.objects.create(
        committee=other,
        group_year=other_gy,
        unit=world.other_unit,
        year=other_gy.year,
        is_lead=True,
    )
    return Site(world, other_group, other_gy)


def client_for(site: Site, subject: str) -> Client:
    client = Client()
    if subject != "anonymous":
        client.force_login(site.world.user(subject))
    return client


def outcome(response: HttpResponse, path: str) -> str:
    """The status, with a redirect to the login page (back to ``path``) spelled ``login``."""
    if response.status_code == 302 and response["Location"] == f"{LOGIN}?next={quote(path)}":
        return "login"
    return str(response.status_code)


def override_data(gy: GroupYear, world: World) -> dict[str, Any]:
    prefix = f"gy{gy.pk}"
    return {
        f"{prefix}-replaced": world.units[0].pk,
        f"{prefix}-chosen": world.units[1].pk,
        f"{prefix}-reason": "牵头单位工作调整",
    }


@dataclass(frozen=True)
class Page:
    """One request and the people who may make it; every other signed-in person gets 404."""

    id: str
    url: Callable[[Site], str]
    allowed: tuple[str, ...]
    method: str = "get"
    data: Callable[[Site], dict[str, Any]] = lambda site: {}
    ok: str = "200"

    def expected(self, subject: str) -> str:
        if subject in SIGNED_OUT:
            return "login"
        return self.ok if subject in self.allowed else "404"


def _unit(index: int) -> Callable[[Site], str]:
    return lambda site: reverse("org:unit_detail", args=[site.world.units[index].pk])


def _group(index: int) -> Callable[[Site], str]:
    return lambda site: reverse("org:group_detail", args=[site.world.groups[index].pk])


PAGES = (
    Page("home", lambda site: reverse("home"), SIGNED_IN),
    Page("unit_list", lambda site: reverse("org:unit_list"), WITH_A_ROLE),
    Page("unit_detail_own_unit0", _unit(0), (*COMMITTEE_READERS, *UNIT0)),
    # units[1] is in the group units[0] leads this year: its secretary sees it, no one else.
    Page("unit_detail_led_unit1", _unit(1), (*COMMITTEE_READERS, "unit0_secretary")),
    Page("unit_detail_own_unit2", _unit(2), (*COMMITTEE_READERS, *UNIT2)),
    Page("unit_detail_unit3", _unit(3), COMMITTEE_READERS),
    Page(
        "unit_detail_other_committee",
        lambda site: reverse("org:unit_detail", args=[site.world.other_unit.pk]),
        ("outsider",),
    ),
    Page("unit_detail_missing", lambda site: reverse("org:unit_detail", args=[999_999]), ()),
    Page("group_list", lambda site: reverse("org:group_list"), WITH_A_ROLE),
    Page("group_detail_group1", _group(0), (*COMMITTEE_READERS, *UNIT0)),
    Page("group_detail_group2", _group(1), (*COMMITTEE_READERS, *UNIT2)),
    Page(
        "group_detail_other_committee",
        lambda site: reverse("org:group_detail", args=[site.other_group.pk]),
        ("outsider",),
    ),
    Page("group_detail_missing", lambda site: reverse("org:group_detail", args=[999_999]), ()),
    Page("leads", lambda site: reverse("org:leads"), ("office",)),
    Page(
        "leads_generate",
        lambda site: reverse("org:leads_generate"),
        ("office",),
        method="post",
        data=lambda site: {"year": site.year + 1},
        ok="302",
    ),
    Page(
        "leads_override",
        lambda site: reverse("org:leads_override", args=[site.world.group_years[0].pk]),
        ("office",),
        method="post",
        data=lambda site: override_data(site.world.group_years[0], site.world),
        ok="302",
    ),
    Page(
        "leads_override_other_committee",
        lambda site: reverse("org:leads_override", args=[site.other_group_year.pk]),
        (),
        method="post",
        data=lambda site: override_data(site.other_group_year, site.world),
    ),
    Page(
        "leads_confirm",
        lambda site: reverse("org:leads_confirm"),
        ("office",),
        method="post",
        data=lambda site: {"year": site.year},
        ok="302",
    ),
    # The registry's maintainers import groups, units (and accounts); the secadmin, role grants.
    Page("import", lambda site: reverse("org:import"), ("sysadmin", "office", "secadmin")),
    # A POST without a file: the allowed get the form back with its error, the rest 404.
    Page(
        "import_post",
        lambda site: reverse("org:import"),
        ("sysadmin", "office", "secadmin"),
        "post",
    ),
    Page(
        "import_template",
        lambda site: reverse("org:import_template"),
        ("sysadmin", "office", "secadmin"),
    ),
)

# Pages an anonymous visitor may open; static files are served outside the URLconf.
PUBLIC = frozenset({"accounts:login", "set_language"})


def request(site: Site, subject: str, page: Page) -> HttpResponse:
    client = client_for(site, subject)
    path = page.url(site)
    response: HttpResponse = getattr(client, page.method)(path, page.data(site))
    return response


# --- Negative cases ------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.id)
def test_each_person_gets_exactly_the_expected_status(site: Site, page: Page) -> None:
    path = page.url(site)
    got = {subject: outcome(request(site, subject, page), path) for subject in SUBJECTS}
    assert got == {subject: page.expected(subject) for subject in SUBJECTS}


def test_refused_lead_requests_change_nothing(site: Site) -> None:
    world = site.world
    gy1 = world.group_years[0]
    before = (
        GroupYear.objects.count(),
        list(GroupMembership.objects.order_by("pk").values_list("pk", "is_lead")),
        list(GroupYear.objects.order_by("pk").values_list("leads_status", flat=True)),
    )
    posts = [page for page in PAGES if page.method == "post" and page.id.startswith("leads")]
    assert len(posts) == 4
    for subject in SIGNED_IN:
        if subject == "office":
            continue
        for page in posts:
            assert request(site, subject, page).status_code == 404, (subject, page.id)
    # The office itself cannot reach another committee's group year.
    other = next(p for p in posts if p.id == "leads_override_other_committee")
    assert request(site, "office", other).status_code == 404
    after = (
        GroupYear.objects.count(),
        list(GroupMembership.objects.order_by("pk").values_list("pk", "is_lead")),
        list(GroupYear.objects.order_by("pk").values_list("leads_status", flat=True)),
    )
    assert after == before
    assert not LeadOverride.objects.exists()
    assert GroupYear.objects.get(pk=gy1.pk).leads_status == GroupYear.LeadsStatus.PROPOSED


def test_post_only_endpoints_answer_get_with_405(site: Site) -> None:
    office = client_for(site, "office")
    for name, args in (
        ("org:leads_generate", []),
        ("org:leads_override", [site.world.group_years[0].pk]),
        ("org:leads_confirm", []),
    ):
        assert office.get(reverse(name, args=args)).status_code == 405, name


def test_read_only_pages_answer_post_with_405(site: Site) -> None:
    world = site.world
    leader, office = client_for(site, "leader"), client_for(site, "office")
    for client, name, args in (
        (leader, "home", []),
        (leader, "org:unit_list", []),
        (leader, "org:unit_detail", [world.units[0].pk]),
        (leader, "org:group_list", []),
        (leader, "org:group_detail", [world.groups[0].pk]),
        (office, "org:leads", []),
        (office, "org:import_template", []),
    ):
        assert client.post(reverse(name, args=args)).status_code == 405, name


def test_unit_list_shows_only_the_units_a_person_may_see(site: Site) -> None:
    names = ("测试单位0", "测试单位1", "测试单位2", "测试单位3", "外区单位")
    for subject, shown in (
        ("leader", {"测试单位0", "测试单位1", "测试单位2", "测试单位3"}),
        ("unit0_staff", {"测试单位0"}),
        ("unit0_secretary", {"测试单位0", "测试单位1"}),
        ("unit2_staff", {"测试单位2"}),
        ("outsider", {"外区单位"}),
    ):
        html = client_for(site, subject).get(reverse("org:unit_list")).content.decode()
        assert {name for name in names if name in html} == shown, subject


def test_group_list_shows_only_the_groups_a_person_may_see(site: Site) -> None:
    names = ("第一组", "第二组", "外区甲组")
    for subject, shown in (
        ("leader", {"第一组", "第二组"}),
        ("unit0_staff", {"第一组"}),
        ("unit2_staff", {"第二组"}),
        ("outsider", {"外区甲组"}),
    ):
        html = client_for(site, subject).get(reverse("org:group_list")).content.decode()
        assert {name for name in names if name in html} == shown, subject


# --- The whole URL configuration -----------------------------------------------------

DUMMY_ARGS = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def _fill(pattern: RoutePattern | RegexPattern | LocalePrefixPattern) -> str:
    """The pattern's text with a dummy value in every argument."""
    text = str(pattern)
    if isinstance(pattern, LocalePrefixPattern):
        return text  # the active language's prefix
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY_ARGS.get(m[1] or "str", "1"), text)
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text.removeprefix("^").removesuffix("$"))
    return text.replace("\\", "")


def walk(
    patterns: list[Any], prefix: str = "/", namespace: str = ""
) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    """Every URL of the configuration: (a path to it, its full name, its view)."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
            yield from walk(entry.url_patterns, prefix + _fill(entry.pattern), inner)
        else:
            assert isinstance(entry, URLPattern)
            name = ":".join(n for n in (namespace, entry.name or "") if n) or "(unnamed)"
            yield prefix + _fill(entry.pattern), name, entry.callback


def test_every_page_but_the_public_ones_sends_anonymous_visitors_to_login(
    client: Client, db: None
) -> None:
    routes = list(walk(get_resolver().url_patterns))
    names = {name for _path, name, _view in routes}
    # The walk reached every level of the configuration, and PUBLIC names real pages.
    assert {"home", "accounts:logout", "org:unit_detail", "org:leads_override"} <= names
    assert {"org:import", "org:import_template"} <= names
    assert names >= PUBLIC
    assert reverse("accounts:login") == LOGIN
    wrong = {}
    for path, name, view in routes:
        assert resolve(path).func is view, f"the dummy path {path} does not reach {name}"
        if name in PUBLIC:
            continue
        # An area's page reached by a secret in its address instead of a session (a
        # calendar feed) says so with ``@login_not_required``; without the secret it
        # answers nothing at all.
        by_secret = getattr(view, "login_required", True) is False
        for method in ("get", "post"):
            result = outcome(getattr(client, method)(path), path)
            if by_secret and result in ("404", "405", "410"):
                continue
            if result != "login":
                wrong[f"{method.upper()} {path} ({name})"] = result
    assert wrong == {}


def test_the_public_pages_open_without_signing_in(client: Client, db: None) -> None:
    assert client.get(reverse("accounts:login")).status_code == 200
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- Positive cases ------------------------------------------------------------------


def test_meeting_office_posts_take_effect_and_return_to_the_rotation(site: Site) -> None:
    world = site.world
    office = client_for(site, "office")
    response = office.post(reverse("org:leads_generate"), {"year": site.year + 1})
    assert response["Location"] == f"{reverse('org:leads')}?year={site.year + 1}"
    assert GroupYear.objects.filter(committee=world.committee, year=site.year + 1).count() == 2
    gy1 = world.group_years[0]
    response = office.post(reverse("org:leads_override", args=[gy1.pk]), override_data(gy1, world))
    assert response["Location"] == f"{reverse('org:leads')}?year={site.year}"
    assert LeadOverride.objects.filter(group_year=gy1, chosen_unit=world.units[1]).exists()


def test_import_template_downloads_for_the_registry_maintainers(site: Site) -> None:
    for subject in ("sysadmin", "office"):
        response = client_for(site, subject).get(reverse("org:import_template"))
        assert response.status_code == 200, subject
        assert "spreadsheetml" in response["Content-Type"], subject
