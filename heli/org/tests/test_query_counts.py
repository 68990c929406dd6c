"""The registry pages run the same number of queries at 122 units and at 1,220."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from heli.accounts.models import Role, RoleAssignment
from heli.lib.ui import HOME_CARDS
from heli.org.models import Committee, Department, Group, Unit
from heli.org.views import UNITS_PER_PAGE
from heli.testing import build_sized_committee, make_user

pytestmark = pytest.mark.django_db


def _pages(committee: Committee) -> dict[str, str]:
    unit = Unit.objects.filter(committee=committee).order_by("sort_order").first()
    group = Group.objects.filter(committee=committee).first()
    assert unit is not None and group is not None
    return {
        "home": reverse("home"),
        "units": reverse("org:unit_list"),
        "units_filtered": reverse("org:unit_list") + f"?group={group.pk}&status=active&q=单位",
        "unit": reverse("org:unit_detail", args=[unit.pk]),
        "groups": reverse("org:group_list"),
        "group": reverse("org:group_detail", args=[group.pk]),
    }


def _count_queries(n_units: int, role: str) -> dict[str, int]:
    committee = build_sized_committee(n_units)
    if role == Role.UNIT_SECRETARY:
        # The secretary of the first unit, a lead unit: it sees its group's units too.
        assignment = RoleAssignment.objects.get(committee=committee, role=role, unit__sort_order=0)
        user = assignment.user
    else:
        user = make_user(committee, f"{role}_{n_units}")
        RoleAssignment.objects.create(user=user, committee=committee, role=role)
    if role == Role.MEETING_OFFICE:
        office = Department.objects.get(committee=committee, is_meeting_office=True)
        RoleAssignment.objects.create(
            user=user, committee=committee, role=Role.COMMITTEE_STAFF, department=office
        )
    client = Client()
    client.force_login(user)
    counts = {}
    pages = _pages(committee)
    if role == Role.MEETING_OFFICE:
        pages["leads"] = reverse("org:leads")
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = len(ctx.captured_queries)
        if name == "units":
            shown = len(response.context["page"].object_list)
            # The committee's roles see every unit; a lead unit's secretary, its group's.
            assert shown == UNITS_PER_PAGE or role == Role.UNIT_SECRETARY, shown
            _check_unit_rows(response.content.decode(), shown)
    return counts


def _check_unit_rows(body: str, shown: int) -> None:
    """Each listed unit's row shows its group of this year and its secretary.

    What the list's joined and prefetched rows show: were they missing, the rows would
    read "—" without a single query more.
    """
    table = body[body.index("<tbody>") : body.index("</tbody>")]
    rows = table.split("<tr>")[1:]
    assert len(rows) == shown
    for row in rows:
        assert re.search(r"第\d+组", row), row
        assert re.search(r"人员\d+sec", row), row


@pytest.mark.parametrize(
    "role", [Role.MEETING_OFFICE, Role.COMMITTEE_LEADER, Role.SYSADMIN, Role.UNIT_SECRETARY]
)
def test_registry_pages_run_a_fixed_number_of_queries(role: str) -> None:
    small = _count_queries(122, role)
    large = _count_queries(1220, role)
    assert small == large, (small, large)
    # A guard against creeping N+1 queries: no page needs more than a dozen, but the home
    # page, which gathers every area's card, a few more for each card registered.
    home = small.pop("home", 0)
    assert max(small.values()) <= 15, small
    assert home <= 10 + 4 * len(HOME_CARDS.all()), home
