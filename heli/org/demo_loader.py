"""The registry's demonstration data, row by row (the committee of ``heli.org.demo_data``).

Every row is found by its natural key and only created when missing or saved when it
differs, so a second run writes nothing; see ``heli.org.demo`` for what is loaded.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models
from django.db.models import Count

from heli.accounts.models import (
    DEPARTMENT_SCOPED,
    UNIT_SCOPED,
    PasswordHistory,
    Role,
    RoleAssignment,
    User,
)
from heli.lib import demo
from heli.lib.dates import current_year
from heli.org import demo_data as data
from heli.org.actions import confirm_leads, lead_history, propose_leads
from heli.org.demo_people import DEMO_LOGINS, DEMO_PASSWORD, development_run
from heli.org.models import (
    Committee,
    Department,
    Group,
    GroupMembership,
    GroupYear,
    OrganPartyOrg,
    Unit,
)

# Organ party organisation by size: kind, members (low, high), branches (low, high).
_ORG_SIZES: dict[str, tuple[str, tuple[int, int], tuple[int, int] | None]] = {
    data.L: (OrganPartyOrg.Kind.COMMITTEE, (800, 2400), (30, 80)),
    data.M: (OrganPartyOrg.Kind.COMMITTEE, (120, 480), (6, 20)),
    data.S: (OrganPartyOrg.Kind.GENERAL_BRANCH, (35, 90), (3, 6)),
    data.X: (OrganPartyOrg.Kind.BRANCH, (12, 45), None),
}
_ORG_SUFFIX: dict[str, str] = {
    OrganPartyOrg.Kind.COMMITTEE: "机关委员会",
    OrganPartyOrg.Kind.GENERAL_BRANCH: "机关总支部委员会",
    OrganPartyOrg.Kind.BRANCH: "机关支部委员会",
}
_ORG_SHORT: dict[str, str] = {
    OrganPartyOrg.Kind.COMMITTEE: "机关党委",
    OrganPartyOrg.Kind.GENERAL_BRANCH: "机关总支",
    OrganPartyOrg.Kind.BRANCH: "机关支部",
}
_STAFF_TITLE: dict[str, str] = {
    OrganPartyOrg.Kind.COMMITTEE: "机关党委专职副书记",
    OrganPartyOrg.Kind.GENERAL_BRANCH: "机关总支组织委员",
    OrganPartyOrg.Kind.BRANCH: "机关支部组织委员",
}


class DemoConflict(Exception):
    """The database holds something the demonstration data cannot take over."""


@dataclass(frozen=True)
class _UnitPeople:
    """The generated people of one active unit."""

    index: int  # 1-based, as in the unit code BJ001
    unit: data.UnitData
    group: int
    kind: str
    org_name: str
    member_count: int
    branch_count: int | None
    secretary: data.PersonData
    staff: data.PersonData


def _org_name(unit: data.UnitData, kind: str) -> str:
    if unit.name in data.ORG_NAMES:
        return data.ORG_NAMES[unit.name]
    base = unit.name.removesuffix("机关")
    if not base.startswith("中共"):
        base = "中共" + base
    return base + _ORG_SUFFIX[kind]


def _plan_units() -> list[_UnitPeople]:
    """Every active unit with its organisation and people; the same on every call."""
    # Fixed seeds: the demonstration must be the same on every load (not for security).
    names = random.Random(data.NAME_SEED)  # noqa: S311
    sizes = random.Random(data.NAME_SEED + "-orgs")  # noqa: S311
    fixed: list[data.PersonData | data.LeaderData] = [*data.LEADERS, *data.ADMINS]
    fixed += [data.STAFF, data.OFFICE, data.UNIT_LEADER, data.SECRETARY, data.UNIT_STAFF]
    used = {p.full_name for p in fixed}

    def person_name() -> str:
        while True:
            given = "".join(
                names.choice(data.GIVEN_NAME_CHARS) for _ in range(names.choice((1, 2, 2, 2)))
            )
            name = names.choice(data.SURNAMES) + given
            if name not in used:
                used.add(name)
                return name

    plans: list[_UnitPeople] = []
    index = 0
    for group in data.GROUPS:
        for unit in group.units:
            index += 1
            kind, (low, high), branches = _ORG_SIZES[unit.size]
            member_count = sizes.randint(low, high)
            branch_count = sizes.randint(*branches) if branches else None
            short = _ORG_SHORT[kind]
            secretary = data.PersonData(f"u{index:03d}_secretary", person_name(), f"{short}书记")
            staff = data.PersonData(f"u{index:03d}_staff", person_name(), _STAFF_TITLE[kind])
            if unit.name == data.DEMO_UNIT:
                secretary, staff = data.SECRETARY, data.UNIT_STAFF
            plans.append(
                _UnitPeople(
                    index,
                    unit,
                    group.number,
                    kind,
                    _org_name(unit, kind),
                    member_count,
                    branch_count,
                    secretary,
                    staff,
                )
            )
    return plans


M = TypeVar("M", bound=models.Model)


class _Loader:
    def __init__(self, run: demo.DemoRun) -> None:
        self.run_state = run
        self.say = run.say
        self.created = run.created
        self.updated = run.updated
        self.confirmed = 0
        self._password_hash = ""

    def password_hash(self) -> str:
        # Hashed once, and only when an account is actually created.
        if not self._password_hash:
            self._password_hash = make_password(DEMO_PASSWORD)
        return self._password_hash

    def sync(self, obj: models.Model, values: dict[str, Any], key: str) -> None:
        """Save ``values`` on ``obj`` if any differs; counts it as updated."""
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if not changed:
            return
        for name in changed:
            setattr(obj, name, values[name])
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            changed.append("updated_at")
        obj.save(update_fields=changed)
        self.updated[key] += 1

    def create(self, model: type[M], rows: list[M], key: str) -> list[M]:
        if rows:
            rows = model._default_manager.bulk_create(rows)
            self.created[key] += len(rows)
        return rows

    # -- the steps ------------------------------------------------------------

    def run(self) -> None:
        year = current_year()
        years = [year - 2, year - 1, year]
        plans = _plan_units()
        committee = self.load_committee()
        departments = self.load_departments(committee)
        units = self.load_units(committee, plans, years[0])
        users = self.load_users(committee, plans)
        self.load_roles(committee, plans, users, departments, units)
        self.load_orgs(committee, plans, users, units)
        groups = self.load_groups(committee)
        self.load_years(committee, years, plans, groups, units, users)
        self.run_state.committee = committee
        self.run_state.results["org"] = {"year": year, "years": years, "confirmed": self.confirmed}

    def load_committee(self) -> Committee:
        values = {"name": data.COMMITTEE.name, "short_name": data.COMMITTEE.short_name}
        committee = Committee.objects.filter(code=data.COMMITTEE.code).first()
        if committee is None:
            committee = Committee.objects.create(code=data.COMMITTEE.code, **values)
            self.created["committee"] += 1
        else:
            self.sync(committee, values, "committee")
        self.say(f"工委：{committee.name}（{committee.code}）")
        return committee

    def load_departments(self, committee: Committee) -> dict[str, Department]:
        office = next(d.name for d in data.DEPARTMENTS if d.is_meeting_office)
        # Only one department may host the meeting office.
        moved = (
            Department.objects.filter(committee=committee, is_meeting_office=True)
            .exclude(name=office)
            .update(is_meeting_office=False)
        )
        self.updated["department"] += moved
        existing = {d.name: d for d in Department.objects.filter(committee=committee)}
        new = []
        for number, item in enumerate(data.DEPARTMENTS, start=1):
            values = {
                "sort_order": number,
                "is_meeting_office": item.is_meeting_office,
                "duties": item.duties,
            }
            if item.name in existing:
                self.sync(existing[item.name], values, "department")
            else:
                new.append(Department(committee=committee, name=item.name, **values))
        for department in self.create(Department, new, "department"):
            existing[department.name] = department
        return existing

    def load_units(
        self, committee: Committee, plans: list[_UnitPeople], first_year: int
    ) -> dict[str, Unit]:
        existing = {u.name: u for u in Unit.objects.filter(committee=committee)}
        new = []
        for plan in plans:
            values = {
                "short_name": plan.unit.short_name,
                "code": f"BJ{plan.index:03d}",
                "leading_body": plan.unit.leading_body,
                "sort_order": plan.index * 10,
            }
            unit = existing.get(plan.unit.name)
            if unit is None:
                new.append(Unit(committee=committee, name=plan.unit.name, **values))
            else:
                # The status is left alone: a merger recorded since is real history.
                self.sync(unit, values, "unit")
        for unit in self.create(Unit, new, "unit"):
            existing[unit.name] = unit
        # Merged and abolished units; once present they are history and left as they are.
        history = []
        for item in data.HISTORY_UNITS:
            if item.name in existing:
                continue
            successor = existing[item.successor] if item.successor else None
            history.append(
                Unit(
                    committee=committee,
                    name=item.name,
                    short_name=item.short_name,
                    code=item.code,
                    leading_body=item.leading_body,
                    status=item.status,
                    status_date=datetime.date(item.year or first_year, item.month, item.day),
                    successor=successor,
                    sort_order=existing[item.after].sort_order + 5,
                    notes=item.notes,
                )
            )
        for unit in self.create(Unit, history, "unit"):
            existing[unit.name] = unit
        active = sum(1 for u in existing.values() if u.status == Unit.Status.ACTIVE)
        self.say(f"单位：{active} 个在册，{len(existing) - active} 个已撤并")
        return existing

    def load_users(self, committee: Committee, plans: list[_UnitPeople]) -> dict[str, User]:
        people: list[data.PersonData | data.LeaderData] = [
            *data.LEADERS,
            *data.ADMINS,
            data.STAFF,
            data.OFFICE,
            *(person for person, _department in data.DEPARTMENT_STAFF),
            data.UNIT_LEADER,
        ]
        for plan in plans:
            people += [plan.secretary, plan.staff]
        existing = {
            u.username: u for u in User.objects.filter(username__in=[p.username for p in people])
        }
        # Outside a development run the published password must be replaced at once.
        must_change = not development_run()
        new = []
        for person in people:
            values = {"full_name": person.full_name, "title": person.title}
            user = existing.get(person.username)
            if user is None:
                new.append(
                    User(
                        username=person.username,
                        password=self.password_hash(),
                        committee=committee,
                        must_change_password=must_change,
                        **values,
                    )
                )
            elif user.committee_id != committee.pk:
                raise DemoConflict(
                    f"用户名“{person.username}”已被不属于{committee.short_name}的账号使用，"
                    "示例数据未载入。请先将该账号改名后再试。"
                )
            else:
                self.sync(user, values, "user")
        if must_change and existing:
            self.require_own_passwords(list(existing.values()))
        for user in self.create(User, new, "user"):
            existing[user.username] = user
        self.say(f"用户：{len(people)} 个（示例密码相同）")
        return existing

    def require_own_passwords(self, users: list[User]) -> None:
        """Accounts loaded earlier in a development run that still have the published
        password (no password was ever set on them one by one) must replace it too."""
        chose = set(
            PasswordHistory.objects.filter(user__in=users).values_list("user_id", flat=True)
        )
        keeping = [u.pk for u in users if not u.must_change_password and u.pk not in chose]
        if keeping:
            User.objects.filter(pk__in=keeping).update(must_change_password=True)
            self.updated["user"] += len(keeping)

    def load_roles(
        self,
        committee: Committee,
        plans: list[_UnitPeople],
        users: dict[str, User],
        departments: dict[str, Department],
        units: dict[str, Unit],
    ) -> None:
        wanted: list[tuple[str, str, str, str]] = []  # username, role, department, unit
        for leader in data.LEADERS:
            wanted.append((leader.username, Role.COMMITTEE_LEADER, "", ""))
        for login in DEMO_LOGINS:
            for role in login.roles:
                wanted.append(
                    (
                        login.username,
                        role,
                        login.department if role in DEPARTMENT_SCOPED else "",
                        login.unit if role in UNIT_SCOPED else "",
                    )
                )
        for plan in plans:
            wanted.append((plan.secretary.username, Role.UNIT_SECRETARY, "", plan.unit.name))
            wanted.append((plan.staff.username, Role.UNIT_STAFF, "", plan.unit.name))
        existing: set[tuple[int, str, int | None, int | None]] = set(
            RoleAssignment.objects.filter(committee=committee).values_list(
                "user_id", "role", "department_id", "unit_id"
            )
        )
        new = []
        for username, role_name, department_name, unit_name in dict.fromkeys(wanted):
            department = departments[department_name] if department_name else None
            unit = units[unit_name] if unit_name else None
            key = (
                users[username].pk,
                role_name,
                department.pk if department else None,
                unit.pk if unit else None,
            )
            if key in existing:
                continue
            existing.add(key)
            new.append(
                RoleAssignment(
                    user=users[username],
                    committee=committee,
                    role=role_name,
                    department=department,
                    unit=unit,
                )
            )
        self.create(RoleAssignment, new, "role")

    def load_orgs(
        self,
        committee: Committee,
        plans: list[_UnitPeople],
        users: dict[str, User],
        units: dict[str, Unit],
    ) -> None:
        existing = {o.unit_id: o for o in OrganPartyOrg.objects.filter(committee=committee)}
        new = []
        for plan in plans:
            unit = units[plan.unit.name]
            values = {
                "kind": plan.kind,
                "name": plan.org_name,
                "secretary_id": users[plan.secretary.username].pk,
                "member_count": plan.member_count,
                "branch_count": plan.branch_count,
            }
            if unit.pk in existing:
                self.sync(existing[unit.pk], values, "organ_party_org")
            else:
                new.append(OrganPartyOrg(committee=committee, unit=unit, **values))
        self.create(OrganPartyOrg, new, "organ_party_org")

    def load_groups(self, committee: Committee) -> dict[int, Group]:
        existing = {g.number: g for g in Group.objects.filter(committee=committee)}
        new = []
        for item in data.GROUPS:
            values = {"name": item.name, "description": item.description}
            if item.number in existing:
                self.sync(existing[item.number], values, "group")
            else:
                new.append(Group(committee=committee, number=item.number, **values))
        for group in self.create(Group, new, "group"):
            existing[group.number] = group
        return {item.number: existing[item.number] for item in data.GROUPS}

    def load_years(
        self,
        committee: Committee,
        years: list[int],
        plans: list[_UnitPeople],
        groups: dict[int, Group],
        units: dict[str, Unit],
        users: dict[str, User],
    ) -> None:
        leaders = {leader.group: users[leader.username] for leader in data.LEADERS}
        confirmer = users[data.OFFICE.username]
        # Lead units depend on the years before: once a year's leads are proposed
        # again, every later year's are too.
        redo_following = False
        for year in years:
            # A unit is a member up to the year it was merged or abolished.
            members: dict[int, list[Unit]] = {number: [] for number in groups}
            placed = [(plan.group, units[plan.unit.name]) for plan in plans]
            placed += [(h.group, units[h.name]) for h in data.HISTORY_UNITS if h.group]
            for number, unit in placed:
                if unit.is_active or (unit.status_date and unit.status_date.year >= year):
                    members[number].append(unit)
            dirty = self.load_group_years(committee, year, groups, leaders, members)
            group_years = list(
                GroupYear.objects.filter(
                    committee=committee, year=year, group__in=groups.values()
                ).annotate(
                    members=Count("memberships"),
                    leads=Count("memberships", filter=models.Q(memberships__is_lead=True)),
                )
            )
            stale = [
                gy
                for gy in group_years
                if redo_following
                or gy.pk in dirty
                or gy.leads_status != GroupYear.LeadsStatus.CONFIRMED
                or gy.leads != min(committee.leads_per_group, gy.members)  # type: ignore[attr-defined]
            ]
            if not stale:
                continue
            redo_following = True
            history = lead_history(committee, year)
            for group_year in stale:
                group_year.committee = committee
                propose_leads(group_year, history.get(group_year.group_id, []))
            self.confirmed += confirm_leads(committee, year, by=confirmer)
        self.say(f"分组：{len(groups)} 个组，{years[0]}—{years[-1]} 年，各年牵头单位按轮值产生")

    def load_group_years(
        self,
        committee: Committee,
        year: int,
        groups: dict[int, Group],
        leaders: dict[int, User],
        members: dict[int, list[Unit]],
    ) -> set[int]:
        """The year's group years and memberships; returns the ids of those that changed."""
        dirty: set[int] = set()
        existing = {
            gy.group_id: gy for gy in GroupYear.objects.filter(committee=committee, year=year)
        }
        new = []
        for number, group in groups.items():
            leader = leaders.get(number)
            group_year = existing.get(group.pk)
            if group_year is None:
                new.append(
                    GroupYear(committee=committee, group=group, year=year, liaison_leader=leader)
                )
            else:
                self.sync(
                    group_year, {"liaison_leader_id": leader.pk if leader else None}, "group_year"
                )
        for group_year in self.create(GroupYear, new, "group_year"):
            existing[group_year.group_id] = group_year
            dirty.add(group_year.pk)

        memberships = {
            m.unit_id: m for m in GroupMembership.objects.filter(committee=committee, year=year)
        }
        new_members = []
        for number, units in members.items():
            group_year = existing[groups[number].pk]
            for unit in units:
                membership = memberships.get(unit.pk)
                if membership is None:
                    new_members.append(
                        GroupMembership(
                            committee=committee, group_year=group_year, unit=unit, year=year
                        )
                    )
                    dirty.add(group_year.pk)
                elif membership.group_year_id != group_year.pk:
                    dirty |= {membership.group_year_id, group_year.pk}
                    self.sync(
                        membership,
                        {"group_year_id": group_year.pk, "is_lead": False},
                        "membership",
                    )
        self.create(GroupMembership, new_members, "membership")
        return dirty


def refuse_in_production() -> None:
    """Demonstration data, with its published password, never goes into production."""
    if getattr(settings, "HELI_PRODUCTION", False):
        raise DemoConflict(
            "这是生产环境（HELI_PRODUCTION=1），示例数据不能载入：示例账号的密码是公开的。"
            "示例数据只用于演示和开发，请在开发环境中运行 load_demo。"
        )


def load_registry(run: demo.DemoRun) -> None:
    """The registry's demonstration data: the committee and everything the areas build on."""
    refuse_in_production()
    _Loader(run).run()
