"""The coverage board and the subject matrix: who sees them, colours on fixed days, every
count opening exactly the rows it counts, and fixed query counts at 122 and 1,220 units."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from heli.accounts.models import Role
from heli.liaison import coverage
from heli.liaison.models import Contact, ContactUnit, Form
from heli.liaison.tests.test_coverage import add_contact
from heli.org.models import Committee, Department, Unit
from heli.testing import WORLD_USERS, World, build_sized_committee, grant, make_user

pytestmark = [pytest.mark.django_db]

D = datetime.date
BOARD = reverse("liaison:board")
MATRIX = reverse("liaison:board_matrix")


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(10), tzinfo=timezone.get_current_timezone())


def _contacts(world: World) -> None:
    staff = world.user("staff")
    u = world.units
    add_contact(world.committee, [u[0], u[1]], D(2026, 3, 2), by=staff, form=Form.SYMPOSIUM,
                subjects=["decisions", "views"])  # fmt: skip
    add_contact(world.committee, [u[0]], D(2026, 5, 6), by=staff, form=Form.LETTER,
                subjects=["problems"])  # fmt: skip
    add_contact(world.committee, [u[2]], D(2025, 5, 6), by=staff)


READERS = {"leader", "staff", "office"}


@pytest.mark.parametrize("name", WORLD_USERS)
def test_who_sees_the_board(client: Client, world: World, name: str) -> None:
    _contacts(world)
    client.force_login(world.user(name))
    for url in (BOARD, MATRIX):
        response = client.get(url, {"year": "2026"})
        if name in READERS:
            assert response.status_code == 200
            assert {r.name for r in response.context["full"].rows} == {u.name for u in world.units}
        elif name == "outsider":
            # A leader of another committee sees that committee's board: none of ours.
            assert response.status_code == 200
            assert [r.name for r in response.context["full"].rows] == ["外区单位"]
        else:
            assert response.status_code == 404, name


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 10, 1), {"met": 2, "at_risk": 0, "missed": 0, "pending": 2}),
        (D(2026, 12, 2), {"met": 2, "at_risk": 2, "missed": 0, "pending": 0}),
        (D(2027, 1, 5), {"met": 2, "at_risk": 0, "missed": 2, "pending": 0}),
    ],
)
def test_colours_on_fixed_days(
    client: Client, world: World, day: datetime.date, expected: dict[str, int]
) -> None:
    _contacts(world)
    with time_machine.travel(_at(day), tick=False):
        client.force_login(world.user("staff"))
        response = client.get(BOARD, {"year": "2026"})
    counts = {item["key"]: item["count"] for item in response.context["summary"]}
    assert counts == {"all": 4, **expected}
    html = response.content.decode()
    for colour, n in expected.items():
        assert html.count(f'class="cov-row-{colour}"') == n


def _rows(client: Client, url: str) -> list[Any]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["board"].rows)


@pytest.mark.frozen_clock(_at(D(2026, 12, 2)))
def test_every_count_opens_exactly_its_rows(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("leader"))
    response = client.get(BOARD, {"year": "2026"})
    for item in response.context["summary"]:
        rows = _rows(client, item["url"])
        assert len(rows) == item["count"], item
        if item["key"] != "all":
            assert {r.colour for r in rows} <= {item["key"]}
    # The groups table: every count of a group links to exactly its units.
    for group in response.context["scoped"].groups:
        base = f"{BOARD}?year=2026&group={group.group_id}"
        assert len(_rows(client, base)) == len(group.rows)
        for colour, n in group.counts.items():
            if n:
                assert len(_rows(client, f"{base}&colour={colour}")) == n
    # A unit's number of contacts opens the contact list of exactly those contacts.
    html = response.content.decode()
    for row in response.context["board"].rows:
        if not row.count:
            continue
        url = f"{reverse('liaison:contact_list')}?unit={row.unit_id}&year=2026"
        assert url.replace("&", "&amp;") in html
        listed = client.get(url).context["page"].paginator.count
        assert listed == row.count, row.name


def test_unknown_filters_select_nothing(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("staff"))
    other_group = world.groups[0].pk + 1000
    for query in ("colour=purple", f"group={other_group}", "group=x"):
        assert _rows(client, f"{BOARD}?year=2026&{query}") == [], query
        response = client.get(f"{MATRIX}?year=2026&{query}")
        assert response.context["matrix"].rows == [], query
    assert client.get(f"{MATRIX}?year=2026&missing=nothing").context["matrix"].rows == []


@pytest.mark.frozen_clock  # the world's groups are 2026's, the year the test narrows
def test_liaison_leader_can_narrow_to_the_group(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("leader"))
    response = client.get(BOARD, {"year": "2026"})
    group = world.groups[0]
    assert [g.group_id for g in response.context["my_groups"]] == [group.pk]
    assert f'data-my-group="{group.pk}"' in response.content.decode()
    rows = _rows(client, f"{BOARD}?year=2026&group={group.pk}")
    assert [r.name for r in rows] == ["测试单位0", "测试单位1"]
    # Someone who leads no group gets no such button.
    client.force_login(world.user("staff"))
    assert client.get(BOARD).context["my_groups"] == []


@pytest.mark.frozen_clock(_at(D(2026, 12, 2)))
def test_forecast_block_says_what_the_pace_gives(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("staff"))
    response = client.get(BOARD, {"year": "2026"})
    f = response.context["forecast"]
    # Two units covered by 2 December (week 48), two left in 29 days.
    assert (f.covered, f.total, f.state) == (2, 4, coverage.BEHIND)
    assert f.pace == pytest.approx(2 / (336 / 7))
    assert f.uncovered_at_end == 2
    html = response.content.decode()
    assert "按当前进度，年底仍将有 2 个单位未覆盖。" in html
    assert [g.name for g in response.context["behind"]] == ["第二组"]


def test_matrix_counts_open_exactly_their_rows(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("office"))
    response = client.get(MATRIX, {"year": "2026"})
    assert response.status_code == 200
    for subject in response.context["subjects"]:
        matrix = client.get(subject["not_raised_url"]).context["matrix"]
        assert len(matrix.rows) == subject["not_raised"], subject
        index = [s["code"] for s in response.context["subjects"]].index(subject["code"])
        assert all(not r.cells[index] for r in matrix.rows)
    contact_list = reverse("liaison:contact_list")
    for row in response.context["matrix"].rows:
        for code, n in row.subject_cells:
            if n:
                url = f"{contact_list}?unit={row.unit.unit_id}&year=2026&subject={code}"
                assert client.get(url).context["page"].paginator.count == n, (row, code)


def test_pages_have_no_inline_style_or_script(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("staff"))
    for url in (BOARD, MATRIX, reverse("home")):
        html = client.get(url).content.decode()
        assert "style=" not in html and "<script>" not in html, url


# --- The home card -------------------------------------------------------------------


@pytest.mark.frozen_clock(_at(D(2026, 12, 2)))
def test_home_card_counts_open_the_board_filtered(client: Client, world: World) -> None:
    _contacts(world)
    client.force_login(world.user("leader"))
    html = client.get(reverse("home")).content.decode()
    assert 'id="home-coverage"' in html
    assert "已覆盖 2 / 4 个单位" in html
    from heli.liaison.board_ui import coverage_card

    class Request:
        user = world.user("leader")
        committee = world.committee

    card = coverage_card(Request())
    assert card is not None
    for item in card["items"]:
        assert len(_rows(client, item["url"])) == item["count"]
    assert len(_rows(client, card["last_missed_url"])) == card["last_missed"] == 3


@pytest.mark.parametrize("name", ["unit0_secretary", "unit2_staff", "sysadmin", "nobody"])
def test_home_card_is_not_shown_to_units_or_administrators(
    client: Client, world: World, name: str
) -> None:
    client.force_login(world.user(name))
    assert 'id="home-coverage"' not in client.get(reverse("home")).content.decode()


def test_menu_entry_under_liaison(client: Client, world: World) -> None:
    client.force_login(world.user("staff"))
    html = client.get(BOARD).content.decode()
    assert "联系覆盖情况" in html
    client.force_login(world.user("unit0_staff"))
    html = client.get(reverse("home")).content.decode()
    assert f'href="{BOARD}"' not in html


# --- A fixed number of queries --------------------------------------------------------


def add_sized_contacts(committee: Committee, year: int = 2026) -> Any:
    """About one contact a unit (a symposium of three every tenth unit, a unit in five
    without), bulk-inserted; returns a committee staff member who reads them."""
    user = make_user(committee, f"{committee.code}_board")
    grant(user, Role.COMMITTEE_STAFF, department=Department.objects.get(committee=committee))
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    forms = list(Form.values)
    contacts = []
    links: list[tuple[int, list[Unit]]] = []
    for i, unit in enumerate(units):
        if i % 5 == 4:
            continue
        reached = units[i : i + 3] if i % 10 == 0 else [unit]
        day = D(year, 1, 1) + datetime.timedelta(days=(i * 3) % 330)
        contacts.append(
            Contact(
                committee=committee,
                year=year,
                form=forms[i % len(forms)],
                subjects=["decisions", "problems"][: 1 + i % 2],
                date=day,
                title=f"沟通联系{i}",
                created_by=user,
            )  # fmt: skip
        )
        links.append((len(contacts) - 1, reached))
    made = Contact.objects.bulk_create(contacts, batch_size=1000)
    ContactUnit.objects.bulk_create(
        (ContactUnit(committee=committee, contact=made[n], unit=u) for n, us in links for u in us),
        batch_size=2000,
    )
    return user


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def sized_counts(n_units: int) -> dict[str, int]:
    committee = build_sized_committee(n_units, year=2026)
    user = add_sized_contacts(committee)
    client = Client()
    client.force_login(user)
    client.get(BOARD)  # the settings are made on first use
    pages = {
        "board": f"{BOARD}?year=2026",
        "board_red": f"{BOARD}?year=2026&colour=missed",
        "matrix": f"{MATRIX}?year=2026",
        "matrix_missing": f"{MATRIX}?year=2026&missing=views",
        "home": reverse("home"),
    }
    counts = {name: _queries(client, url) for name, url in pages.items()}
    board = client.get(pages["board"]).context["full"]
    assert len(board.rows) == n_units
    return counts


@pytest.mark.frozen_clock(_at(D(2026, 12, 2)))
def test_board_and_matrix_run_a_fixed_number_of_queries() -> None:
    small = sized_counts(122)
    large = sized_counts(1220)
    assert small == large, (small, large)
    assert max(v for k, v in small.items() if k != "home") <= 12, small
