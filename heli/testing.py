"""A small committee with a person in every role, shared by the tests of every area.

Like healthchecks' alice/bob/charlie: every view test also checks who may not.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NoReturn, TypeVar

from django.contrib.auth.hashers import make_password
from django.db.models import Model, QuerySet
from django.test import Client

from heli.accounts.models import Role, RoleAssignment, User
from heli.lib.dates import current_year
from heli.org.models import (
    Committee,
    Department,
    Group,
    GroupMembership,
    GroupYear,
    OrganPartyOrg,
    Unit,
)

PASSWORD = "Heli-test-2026!"
# The day a test marked ``@pytest.mark.frozen_clock`` lives in (heli/conftest.py): a
# Monday in mid-year, so that "overdue", "due within 7 days" and "on track" are three
# different dates inside one work year, whatever the real calendar says.
FROZEN_TODAY = datetime.date(2026, 6, 15)
# 10:00 in Asia/Shanghai on that day: far from midnight in the committee's time zone.
FROZEN_NOW = datetime.datetime(2026, 6, 15, 2, 0, tzinfo=datetime.UTC)
# Every user build_world() makes, in the order the permission tests list them.
WORLD_USERS = (
    "leader",
    "staff",
    "office",
    "sysadmin",
    "secadmin",
    "auditor",
    "unit0_leadership",
    "unit0_secretary",
    "unit0_staff",
    "unit2_secretary",
    "unit2_staff",
    "outsider",
    "nobody",
)


@dataclass
class World:
    committee: Committee
    other_committee: Committee
    office: Department  # hosts the joint-meeting office
    department: Department
    groups: list[Group]
    group_years: list[GroupYear]
    units: list[Unit]  # units[0], units[1] in group 1; units[2], units[3] in group 2
    other_unit: Unit  # belongs to the other committee
    users: dict[str, User] = field(default_factory=dict)

    def user(self, name: str) -> User:
        return self.users[name]


@functools.cache
def password_hash() -> str:
    """One real hash of PASSWORD, reused: hashing per user would slow every test down."""
    return make_password(PASSWORD)


def make_user(
    committee: Committee | None, username: str, full_name: str = "", **extra: object
) -> User:
    return User.objects.create(
        username=username,
        password=password_hash(),
        committee=committee,
        full_name=full_name or username,
        **extra,
    )


def grant(
    user: User, role: str, *, department: Department | None = None, unit: Unit | None = None
) -> RoleAssignment:
    assert user.committee is not None
    return RoleAssignment.objects.create(
        user=user, committee=user.committee, role=role, department=department, unit=unit
    )


def make_unit(committee: Committee, name: str, sort_order: int = 0) -> Unit:
    unit = Unit.objects.create(
        committee=committee, name=name, short_name=name[:6], sort_order=sort_order
    )
    OrganPartyOrg.objects.create(committee=committee, unit=unit, name=f"{name}机关党委")
    return unit


def build_world(year: int | None = None) -> World:
    """Two groups of two units, two departments, and one user for each role.

    Users: ``leader``, ``staff``, ``office``, ``sysadmin``, ``secadmin``, ``auditor``;
    ``unit0_leadership``, ``unit0_secretary``, ``unit0_staff`` of units[0] (a lead unit),
    ``unit2_secretary``, ``unit2_staff`` of units[2] (not a lead unit); ``outsider`` of the
    other committee; ``nobody`` of this committee with no role.
    """
    year = year or current_year()
    committee = Committee.objects.create(
        name="测试市直机关工委", short_name="测试工委", code="test"
    )
    other = Committee.objects.create(name="另一区直机关工委", short_name="区工委", code="other")
    office = Department.objects.create(
        committee=committee, name="组织部", is_meeting_office=True, sort_order=1
    )
    department = Department.objects.create(committee=committee, name="宣传部", sort_order=2)
    groups = [
        Group.objects.create(committee=committee, number=1, name="第一组"),
        Group.objects.create(committee=committee, number=2, name="第二组"),
    ]
    units = [make_unit(committee, f"测试单位{i}", i) for i in range(4)]
    other_unit = make_unit(other, "外区单位", 0)
    group_years = []
    for n, group in enumerate(groups):
        gy = GroupYear.objects.create(committee=committee, group=group, year=year)
        group_years.append(gy)
        for i, unit in enumerate(units[2 * n : 2 * n + 2]):
            GroupMembership.objects.create(
                committee=committee,
                group_year=gy,
                unit=unit,
                year=year,
                is_lead=(n == 0 and i == 0),
            )
    world = World(committee, other, office, department, groups, group_years, units, other_unit)
    u = world.users
    u["leader"] = make_user(committee, "leader", "李领导")
    grant(u["leader"], Role.COMMITTEE_LEADER)
    group_years[0].liaison_leader = u["leader"]
    group_years[0].save(update_fields=["liaison_leader"])
    u["staff"] = make_user(committee, "staff", "王处员")
    grant(u["staff"], Role.COMMITTEE_STAFF, department=department)
    u["office"] = make_user(committee, "office", "赵办公室")
    grant(u["office"], Role.COMMITTEE_STAFF, department=office)
    grant(u["office"], Role.MEETING_OFFICE)
    for role in (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR):
        u[role.value] = make_user(committee, role.value, str(role.label))
        grant(u[role.value], role)
    for index, roles in ((0, ("leadership", "secretary", "staff")), (2, ("secretary", "staff"))):
        for r in roles:
            name = f"unit{index}_{r}"
            u[name] = make_user(committee, name, name)
            grant(u[name], f"unit_{r}", unit=units[index])
    for index in (0, 2):
        org = units[index].organ_party_org
        org.secretary = u[f"unit{index}_secretary"]
        org.save(update_fields=["secretary"])
    u["outsider"] = make_user(other, "outsider", "外区人员")
    grant(u["outsider"], Role.COMMITTEE_LEADER)
    u["nobody"] = make_user(committee, "nobody", "无角色")
    return world


def build_sized_committee(n_units: int, year: int | None = None, groups: int = 8) -> Committee:
    """A committee of ``n_units`` units in ``groups`` groups, made with bulk inserts.

    Every unit has its organ party organisation, a secretary and a staff member, and
    belongs to a group this year; each group has two lead units. Used by query-count
    tests and benchmarks at two data sizes.
    """
    year = year or current_year()
    code = f"sized{n_units}"
    committee = Committee.objects.create(
        name=f"规模测试工委{n_units}", short_name="规模工委", code=code
    )
    Department.objects.create(committee=committee, name="组织部", is_meeting_office=True)
    group_objs = Group.objects.bulk_create(
        Group(committee=committee, number=i + 1, name=f"第{i + 1}组") for i in range(groups)
    )
    group_years = GroupYear.objects.bulk_create(
        GroupYear(
            committee=committee, group=g, year=year, leads_status=GroupYear.LeadsStatus.CONFIRMED
        )
        for g in group_objs
    )
    units = Unit.objects.bulk_create(
        Unit(committee=committee, name=f"单位{i:05d}", short_name=f"单位{i}", sort_order=i)
        for i in range(n_units)
    )
    users = User.objects.bulk_create(
        User(
            committee=committee,
            username=f"{code}_{i}_{kind}",
            full_name=f"人员{i}{kind}",
            password=password_hash(),
        )
        for i in range(n_units)
        for kind in ("sec", "staff")
    )
    OrganPartyOrg.objects.bulk_create(
        OrganPartyOrg(committee=committee, unit=u, name=f"{u.name}机关党委", secretary=users[2 * i])
        for i, u in enumerate(units)
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(committee=committee, user=users[2 * i + k], role=role, unit=u)
        for i, u in enumerate(units)
        for k, role in ((0, Role.UNIT_SECRETARY), (1, Role.UNIT_STAFF))
    )
    per_group: dict[int, int] = {}
    memberships = []
    for i, unit in enumerate(units):
        g = i % groups
        per_group[g] = per_group.get(g, 0) + 1
        memberships.append(
            GroupMembership(
                committee=committee,
                group_year=group_years[g],
                unit=unit,
                year=year,
                is_lead=per_group[g] <= 2,
            )
        )
    GroupMembership.objects.bulk_create(memberships)
    return committee


def verify_otp(client: Client, user: User) -> None:
    """Mark the client's signed-in session as having passed the second factor.

    ``force_login`` skips the whole sign-in, password included; this skips the code as
    well, the way ``django_otp.login`` records it (the device's id in the session). An
    administrator needs a device to be verified with, so one is made if missing: the
    sign-in flow itself is tested with real codes in heli/accounts/tests.
    """
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from heli.accounts.models import ADMIN_ROLES

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        if not RoleAssignment.objects.filter(user=user, role__in=ADMIN_ROLES).exists():
            return
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def in_ci() -> bool:
    """Whether the tests run in CI (``CI=true``), where every system service is installed."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def service_missing(reason: str) -> NoReturn:
    """Skip a test whose system service (ClamAV, Redis) is missing here — fail it in CI.

    ``.ci/run`` installs and starts every service the tests use, so in CI a missing one
    means a broken setup, and a skip would hide that the test did not run.
    """
    import pytest

    if in_ci():
        pytest.fail(f"{reason} (CI=true: CI must provide it)")
    pytest.skip(reason)


_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class AuditedPage:
    """A page of the accessibility walk (heli/lib/tests/test_accessibility.py).

    Each area lists its pages in ``<area>/tests/a11y_pages.py`` as ``PAGES`` (what is
    audited) and ``NOT_PAGES`` (every other URL name, with why it is no page: a download,
    a POST-only step, a fragment that a page loads). ``args`` returns the URL's arguments
    in the demonstration committee, looked up after it is loaded; ``query`` is added to
    the address. Every demonstration role opens the page; those it answers with a page are
    audited, and at least one must be (or the one ``session`` given).
    """

    name: str
    args: Callable[[], Sequence[object]] | None = None
    query: str = ""
    note: str = ""
    # A page seen in one state of signing in rather than by each role: a function that
    # prepares the state and returns the session cookie's value ("" for signed out).
    session: Callable[[], str] | None = None

    def __str__(self) -> str:
        return (
            self.name
            + (f"?{self.query}" if self.query else "")
            + (f" ({self.note})" if self.note else "")
        )


# The demonstration secretary's unit (heli/org/demo.py): the walk opens what this unit has
# a part in, so that its secretary's and its staff's pages are audited as well as the
# committee's.
DEMO_UNIT = "市国资委"


def demo_pick(objects: QuerySet[_M], unit_lookup: str, what: str, *, newest: bool = False) -> _M:
    """For an area's ``PAGES``: the first (or ``newest``) of ``objects`` that the
    demonstration's ``DEMO_UNIT`` has a part in through ``unit_lookup`` (a lookup ending
    in the unit's short name, such as ``"lead_unit__short_name"``), else the first of
    them all. Fails, naming ``what``, when the demonstration has none."""
    order = "-pk" if newest else "pk"
    chosen = (
        objects.filter(**{unit_lookup: DEMO_UNIT}).order_by(order).first()
        or objects.order_by(order).first()
    )
    assert chosen is not None, f"the demonstration has no {what}"
    return chosen
