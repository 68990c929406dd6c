"""The calendar, the compliance view and the home card run the same number of queries at
122 and at 1,220 units (each group two or three meetings, every unit a seat), for the
committee's staff and for a lead unit's secretary."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment, User
from heli.meetings.tests.sized import add_sized_meetings
from heli.org.models import Committee, Department
from heli.testing import build_sized_committee, grant, make_user

pytestmark = [pytest.mark.django_db]

YEAR = 2026
# 27 November 2026, 10:00 in Beijing: some groups met, some are in time, some behind.
NOVEMBER = datetime.datetime(2026, 11, 27, 2, 0, tzinfo=datetime.UTC)
# The most the calendar and the compliance view may run, at either size (the session,
# the menu, the notifications badge and the layout's own included). The home page shows
# every area's cards: it is held to the same count at both sizes, this card to four
# queries of its own (test_compliance_card).
CEILING = 12


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _staff(committee: Committee) -> User:
    user = make_user(committee, f"{committee.code}_staff_reader")
    grant(user, Role.COMMITTEE_STAFF, department=Department.objects.get(committee=committee))
    return user


def _lead_secretary(committee: Committee) -> User:
    """The secretary of the committee's first unit: a lead unit of group 1."""
    found = (
        RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_SECRETARY)
        .select_related("user")
        .order_by("unit__sort_order")
        .first()
    )
    assert found is not None
    return found.user


def sized_counts(n_units: int) -> dict[str, int]:
    committee = build_sized_committee(n_units, year=YEAR)
    office = add_sized_meetings(committee, YEAR)
    calendar, compliance = reverse("meetings:calendar"), reverse("meetings:compliance")
    pages = {
        "calendar": f"{calendar}?year={YEAR}",
        "calendar_group": f"{calendar}?year={YEAR}&group=0",
        "compliance": f"{compliance}?year={YEAR}",
        "compliance_amber": f"{compliance}?year={YEAR}&status=amber",
        "home": reverse("home"),
    }
    counts: dict[str, int] = {}
    for reader, user in (
        ("office", office),
        ("staff", _staff(committee)),
        ("secretary", _lead_secretary(committee)),
    ):
        client = Client()
        client.force_login(user)
        client.get(pages["compliance"])  # the settings are made on first use
        for name, url in pages.items():
            counts[f"{reader}:{name}"] = _queries(client, url)
        if reader == "office":
            response = client.get(pages["calendar"])
            assert len(response.context["rows"]) == 8
            assert sum(len(r.chips) for r in response.context["rows"]) == 20
            rows = client.get(pages["compliance"]).context["rows"]
            assert len(rows) == 8
            assert sorted(item["row"].colour for item in rows) == [
                "amber", "blue", "blue", "blue", "blue", "blue", "green", "green",
            ]  # fmt: skip
    return counts


@pytest.mark.frozen_clock(NOVEMBER)
def test_the_pages_run_a_fixed_number_of_queries() -> None:
    small = sized_counts(122)
    large = sized_counts(1220)
    assert small == large, (small, large)
    assert max(v for k, v in small.items() if not k.endswith(":home")) <= CEILING, small
