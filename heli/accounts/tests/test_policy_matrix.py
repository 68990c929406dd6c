"""The access policy, cell by cell: every person × every kind of object × every action.

The tables at the top of this file are the specification. They are written out by
hand from the roles table of DESIGN.md, not derived from ``heli.accounts.policy``:
where the policy disagrees with them a test fails.

Negative cases come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.apps.registry import Apps
from django.contrib.auth.models import AnonymousUser, Permission
from django.contrib.sessions.models import Session
from django.db import models
from django.db.models import Model

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import Action, can, permissions, visible, visible_ids
from heli.lib.dates import current_year
from heli.org.models import (
    Committee,
    Department,
    Group,
    GroupMembership,
    GroupYear,
    LeadOverride,
    OrganPartyOrg,
    Unit,
)
from heli.testing import WORLD_USERS, World, build_world, grant, make_user

# --- The cast ------------------------------------------------------------------------

# The people under test: every user of the shared world, an inactive committee leader
# and an anonymous visitor.
SUBJECTS = (*WORLD_USERS, "inactive", "anonymous")

# Every person stored in the cast (objects as well as subjects) and the roles they hold.
# unit1_staff and unit3_staff exist so that "another unit's people" is never empty.
PEOPLE: dict[str, tuple[str, ...]] = {
    "leader": ("committee_leader",),
    "staff": ("committee_staff",),
    "office": ("committee_staff", "meeting_office"),
    "sysadmin": ("sysadmin",),
    "secadmin": ("secadmin",),
    "auditor": ("auditor",),
    "unit0_leadership": ("unit_leadership",),
    "unit0_secretary": ("unit_secretary",),
    "unit0_staff": ("unit_staff",),
    "unit1_staff": ("unit_staff",),
    "unit2_secretary": ("unit_secretary",),
    "unit2_staff": ("unit_staff",),
    "unit3_staff": ("unit_staff",),
    "nobody": (),
    "inactive": ("committee_leader",),
    "outsider": ("committee_leader",),  # of the other committee
}


def people(*names: str) -> frozenset[str]:
    """The labels of these people's user rows and role assignments."""
    labels = {f"user:{n}" for n in names}
    labels |= {f"ra:{n}/{role}" for n in names for role in PEOPLE[n]}
    return frozenset(labels)


def users(*names: str) -> frozenset[str]:
    return frozenset(f"user:{n}" for n in names)


def role_assignments(*names: str) -> frozenset[str]:
    return frozenset(f"ra:{n}/{role}" for n in names for role in PEOPLE[n])


# Every row of every kind the policy knows, by label. ``other:`` rows belong to the other
# committee. units[0] and units[1] form group 1 (units[0] leads it this year); units[2]
# and units[3] form group 2, which units[2] led last year.
KINDS: dict[type[Model], tuple[str, ...]] = {
    Committee: ("committee", "other:committee"),
    Department: ("dept:office", "dept:propaganda", "other:dept"),
    Unit: ("unit0", "unit1", "unit2", "unit3", "other:unit"),
    OrganPartyOrg: ("org0", "org1", "org2", "org3", "other:org"),
    Group: ("group1", "group2", "other:group"),
    GroupYear: ("gy1", "gy2", "gy2:last_year", "other:gy"),
    GroupMembership: ("m0", "m1", "m2", "m3", "m2:last_year", "m3:last_year", "other:m"),
    LeadOverride: ("override1", "override2", "other:override"),
    User: tuple(sorted(users(*PEOPLE))),
    RoleAssignment: tuple(sorted(role_assignments(*PEOPLE))),
}
ALL_KINDS = frozenset(KINDS)
NON_VIEW_ACTIONS = tuple(a for a in Action if a is not Action.VIEW)

OURS = tuple(n for n in PEOPLE if n != "outsider")
OTHER_COMMITTEE = frozenset(
    {
        "other:committee",
        "other:dept",
        "other:unit",
        "other:org",
        "other:group",
        "other:gy",
        "other:m",
        "other:override",
    }
) | people("outsider")
REGISTRY = frozenset(
    {
        "committee",
        "dept:office",
        "dept:propaganda",
        *("unit0", "unit1", "unit2", "unit3"),
        *("org0", "org1", "org2", "org3"),
        *("group1", "group2"),
        *("gy1", "gy2", "gy2:last_year"),
    }
)
THIS_COMMITTEE = (
    REGISTRY
    | {"m0", "m1", "m2", "m3", "m2:last_year", "m3:last_year", "override1", "override2"}
    | people(*OURS)
)

# --- The specification ---------------------------------------------------------------

# What each subject sees (``visible`` and ``can(VIEW)`` alike).
UNIT0_CIRCLE = frozenset(
    {"committee", "dept:office", "dept:propaganda", "unit0", "org0"}
    | {"group1", "gy1", "m0", "m1", "override1"}
) | people("unit0_leadership", "unit0_secretary", "unit0_staff")
UNIT2_CIRCLE = frozenset(
    {"committee", "dept:office", "dept:propaganda", "unit2", "org2"}
    | {"group2", "gy2", "gy2:last_year", "m2", "m3", "m2:last_year", "m3:last_year", "override2"}
) | people("unit2_secretary", "unit2_staff")
NOTHING: frozenset[str] = frozenset()

VISIBLE: dict[str, frozenset[str]] = {
    "leader": THIS_COMMITTEE,
    "staff": THIS_COMMITTEE,
    "office": THIS_COMMITTEE,
    "sysadmin": THIS_COMMITTEE,
    "secadmin": THIS_COMMITTEE,
    "auditor": THIS_COMMITTEE,
    "unit0_leadership": UNIT0_CIRCLE,
    # The secretary of this year's lead unit of group 1 also sees the other unit of the group.
    "unit0_secretary": UNIT0_CIRCLE | {"unit1", "org1"} | people("unit1_staff"),
    "unit0_staff": UNIT0_CIRCLE,
    # units[2] led group 2 last year: that gives nothing this year.
    "unit2_secretary": UNIT2_CIRCLE,
    "unit2_staff": UNIT2_CIRCLE,
    "outsider": OTHER_COMMITTEE,
    "nobody": frozenset({"committee"}),
    "inactive": NOTHING,
    "anonymous": NOTHING,
}

# Which objects each subject may act on, per action other than VIEW (absent: none).
ALLOWED_ON_OBJECTS: dict[Action, dict[str, frozenset[str]]] = {
    Action.CHANGE: {
        "sysadmin": REGISTRY | (users(*OURS) - users("secadmin", "auditor")),
        "office": REGISTRY,
        "secadmin": role_assignments(*OURS) - role_assignments("secadmin"),
        "unit0_secretary": frozenset({"org0"}),
        "unit0_staff": frozenset({"org0"}),
        "unit2_secretary": frozenset({"org2"}),
        "unit2_staff": frozenset({"org2"}),
    },
    # Importing is asked of a kind, never of one object.
    Action.IMPORT: {},
    Action.MANAGE_LEADS: {"office": frozenset({"group1", "group2", "gy1", "gy2", "gy2:last_year"})},
    # The sysadmin keeps accounts, but not those of the other two administrators.
    Action.MANAGE_ACCOUNTS: {"sysadmin": users(*OURS) - users("secadmin", "auditor")},
    Action.MANAGE_ROLES: {"secadmin": people(*OURS) - people("secadmin")},
    # The committee's security policy and its sign-in lockouts: asked of the committee.
    Action.MANAGE_SECURITY: {"secadmin": frozenset({"committee"})},
}

# Which kinds each subject may act on as a whole (``can(user, action, Model)``).
WITH_A_ROLE = (
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
    "outsider",  # in its own committee
)
REGISTRY_KINDS = frozenset({Committee, Department, Unit, OrganPartyOrg, Group, GroupYear})
IMPORTABLE_KINDS = frozenset({Department, Unit, OrganPartyOrg, Group, GroupYear, GroupMembership})
ALLOWED_ON_KINDS: dict[Action, dict[str, frozenset[type[Model]]]] = {
    Action.VIEW: {name: ALL_KINDS for name in WITH_A_ROLE},
    Action.CHANGE: {
        "sysadmin": REGISTRY_KINDS | {User},
        "office": REGISTRY_KINDS,
        "secadmin": frozenset({RoleAssignment}),
        "unit0_secretary": frozenset({OrganPartyOrg}),
        "unit0_staff": frozenset({OrganPartyOrg}),
        "unit2_secretary": frozenset({OrganPartyOrg}),
        "unit2_staff": frozenset({OrganPartyOrg}),
    },
    # The registry import, and for the sysadmin the accounts it keeps (without roles); role
    # grants are the secadmin's alone, imported too but previewed and confirmed, and lead
    # units the meeting office's (三员分立).
    Action.IMPORT: {
        "sysadmin": IMPORTABLE_KINDS | {User},
        "office": IMPORTABLE_KINDS,
        "secadmin": frozenset({RoleAssignment}),
    },
    # The three functions below are asked as "does this person hold the function at all"
    # (views ask ``can(user, MANAGE_LEADS, GroupYear)``): the kind does not narrow them.
    Action.MANAGE_LEADS: {"office": ALL_KINDS},
    Action.MANAGE_ACCOUNTS: {"sysadmin": ALL_KINDS},
    Action.MANAGE_ROLES: {"secadmin": ALL_KINDS},
    Action.MANAGE_SECURITY: {"secadmin": ALL_KINDS},
}

# Apps that will hold business records; the three administrators see none of them.
BUSINESS_APPS = ("liaison", "meetings", "tracking", "review", "publishing")
ADMINS = ("sysadmin", "secadmin", "auditor")


def may_see(subject: str, label: str) -> bool:
    return label in VISIBLE[subject]


def may_do(subject: str, action: Action, label: str) -> bool:
    if action is Action.VIEW:
        return may_see(subject, label)
    return label in ALLOWED_ON_OBJECTS[action].get(subject, NOTHING)


def may_do_on_kind(subject: str, action: Action, model: type[Model]) -> bool:
    return model in ALLOWED_ON_KINDS[action].get(subject, frozenset())


# --- Fixture -------------------------------------------------------------------------


@dataclass
class Cast:
    world: World
    subjects: dict[str, Any]
    objects: dict[str, Model]
    labels: dict[tuple[type[Model], int], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.labels = {(type(obj), obj.pk): label for label, obj in self.objects.items()}

    def user(self, name: str) -> Any:
        return self.subjects[name]

    def label(self, model: type[Model], pk: int) -> str:
        return self.labels.get((model, pk), f"unlabelled {model.__name__} #{pk}")

    def seen(self, subject: str, model: type[Model]) -> set[str]:
        pks = visible(self.user(subject), model).values_list("pk", flat=True)
        return {self.label(model, pk) for pk in pks}


@pytest.fixture
def cast(db: None) -> Cast:
    world = build_world()
    year = current_year()
    committee, other = world.committee, world.other_committee
    units, u = world.units, world.users
    u["inactive"] = make_user(committee, "inactive", is_active=False)
    grant(u["inactive"], Role.COMMITTEE_LEADER)
    for index in (1, 3):
        u[f"unit{index}_staff"] = make_user(committee, f"unit{index}_staff")
        grant(u[f"unit{index}_staff"], Role.UNIT_STAFF, unit=units[index])
    gy1, gy2 = world.group_years
    gy2_last_year = GroupYear.objects.create(
        committee=committee, group=world.groups[1], year=year - 1
    )
    other_dept = Department.objects.create(committee=other, name="组织部", is_meeting_office=True)
    other_group = Group.objects.create(committee=other, number=1, name="第一组")
    other_gy = GroupYear.objects.create(committee=other, group=other_group, year=year)

    def member(gy: GroupYear, unit: Unit, lead: bool = False) -> GroupMembership:
        return GroupMembership.objects.get_or_create(
            committee=gy.committee,
            group_year=gy,
            unit=unit,
            year=gy.year,
            defaults={"is_lead": lead},
        )[0]

    def override(gy: GroupYear, replaced: Unit, chosen: Unit, by: User) -> LeadOverride:
        return LeadOverride.objects.create(
            committee=gy.committee,
            group_year=gy,
            replaced_unit=replaced,
            chosen_unit=chosen,
            reason="轮换调整",
            created_by=by,
        )

    objects: dict[str, Model] = {
        "committee": committee,
        "other:committee": other,
        "dept:office": world.office,
        "dept:propaganda": world.department,
        "other:dept": other_dept,
        **{f"unit{i}": unit for i, unit in enumerate(units)},
        "other:unit": world.other_unit,
        **{f"org{i}": unit.organ_party_org for i, unit in enumerate(units)},
        "other:org": world.other_unit.organ_party_org,
        "group1": world.groups[0],
        "group2": world.groups[1],
        "other:group": other_group,
        "gy1": gy1,
        "gy2": gy2,
        "gy2:last_year": gy2_last_year,
        "other:gy": other_gy,
        "m0": member(gy1, units[0]),
        "m1": member(gy1, units[1]),
        "m2": member(gy2, units[2]),
        "m3": member(gy2, units[3]),
        "m2:last_year": member(gy2_last_year, units[2], lead=True),
        "m3:last_year": member(gy2_last_year, units[3]),
        "other:m": member(other_gy, world.other_unit, lead=True),
        "override1": override(gy1, units[1], units[0], u["office"]),
        "override2": override(gy2, units[3], units[2], u["office"]),
        "other:override": override(other_gy, world.other_unit, world.other_unit, u["outsider"]),
    }
    for name, user in u.items():
        objects[f"user:{name}"] = user
    for ra in RoleAssignment.objects.select_related("user"):
        objects[f"ra:{ra.user.username}/{ra.role}"] = ra
    subjects: dict[str, Any] = {name: u[name] for name in SUBJECTS if name != "anonymous"}
    subjects["anonymous"] = AnonymousUser()
    return Cast(world, subjects, objects)


def _is_none(queryset: Any) -> bool:
    """True if the query is ``.none()``: empty whatever rows the table holds."""
    return bool(queryset.query.is_empty())


# --- Negative cases ------------------------------------------------------------------


def test_anonymous_visitor_can_do_nothing(cast: Cast) -> None:
    anonymous = cast.user("anonymous")
    for model, labels in KINDS.items():
        assert _is_none(visible(anonymous, model)), model
        for action in Action:
            assert not can(anonymous, action, model), (action, model)
            for label in labels:
                assert not can(anonymous, action, cast.objects[label]), (action, label)


def test_inactive_user_sees_nothing(cast: Cast) -> None:
    # A disabled committee leader: the strongest business role, switched off.
    inactive = cast.user("inactive")
    for model, labels in KINDS.items():
        assert _is_none(visible(inactive, model)), model
        for action in Action:
            assert not can(inactive, action, model), (action, model)
            for label in labels:
                assert not can(inactive, action, cast.objects[label]), (action, label)


def test_user_without_a_role_sees_only_the_committee(cast: Cast) -> None:
    nobody = cast.user("nobody")
    for model in KINDS:
        expected = {"committee"} if model is Committee else set()
        assert cast.seen("nobody", model) == expected, model
        for action in Action:
            assert not can(nobody, action, model), (action, model)
    for label in THIS_COMMITTEE | OTHER_COMMITTEE:
        may_view = label == "committee"
        assert can(nobody, Action.VIEW, cast.objects[label]) is may_view, label
        for action in NON_VIEW_ACTIONS:
            assert not can(nobody, action, cast.objects[label]), (action, label)


def test_outsider_sees_nothing_of_this_committee(cast: Cast) -> None:
    outsider = cast.user("outsider")  # a leader of the other committee: sees all of *that* one
    for model in KINDS:
        assert not cast.seen("outsider", model) & THIS_COMMITTEE, model
    for label in THIS_COMMITTEE:
        for action in Action:
            assert not can(outsider, action, cast.objects[label]), (action, label)


def test_no_one_of_this_committee_sees_the_other_committee(cast: Cast) -> None:
    for subject in SUBJECTS:
        if subject == "outsider":
            continue
        user = cast.user(subject)
        for model in KINDS:
            assert not cast.seen(subject, model) & OTHER_COMMITTEE, (subject, model)
        for label in OTHER_COMMITTEE:
            for action in Action:
                assert not can(user, action, cast.objects[label]), (subject, action, label)


def test_a_role_recorded_across_committees_gives_nothing(cast: Cast) -> None:
    world = cast.world
    # A row of this committee that names the outsider, and a unit role of this committee
    # that points at the other committee's unit: neither opens a door across the tenants.
    outsider = User.objects.get(username="outsider")
    RoleAssignment.objects.create(
        user=outsider, committee=world.committee, role=Role.UNIT_STAFF, unit=world.units[0]
    )
    nobody = User.objects.get(username="nobody")
    RoleAssignment.objects.create(
        user=nobody, committee=world.committee, role=Role.UNIT_STAFF, unit=world.other_unit
    )
    for model in KINDS:
        seen_by_outsider = set(visible(outsider, model).values_list("pk", flat=True))
        seen_by_nobody = set(visible(nobody, model).values_list("pk", flat=True))
        assert not {cast.label(model, pk) for pk in seen_by_outsider} & THIS_COMMITTEE, model
        assert not {cast.label(model, pk) for pk in seen_by_nobody} & OTHER_COMMITTEE, model
    for action in Action:
        assert not can(outsider, action, world.units[0]), action
        assert not can(outsider, action, world.units[0].organ_party_org), action
        assert not can(nobody, action, world.other_unit), action
        assert not can(nobody, action, world.other_unit.organ_party_org), action


def test_unit_staff_cannot_see_other_unit(cast: Cast) -> None:
    for subject, own in (("unit2_staff", 2), ("unit0_staff", 0), ("unit0_leadership", 0)):
        user = cast.user(subject)
        assert cast.seen(subject, Unit) == {f"unit{own}"}, subject
        assert cast.seen(subject, OrganPartyOrg) == {f"org{own}"}, subject
        for index in range(4):
            if index == own:
                continue
            for label in (f"unit{index}", f"org{index}"):
                for action in Action:
                    assert not can(user, action, cast.objects[label]), (subject, action, label)
        assert visible_ids(user, Unit, [u.pk for u in cast.world.units]) == {
            cast.world.units[own].pk
        }


def test_unit_roles_cannot_see_other_units_people(cast: Cast) -> None:
    committee_people = people("leader", "staff", "office", "sysadmin", "secadmin", "auditor")
    committee_people |= people("nobody", "inactive")
    for subject, strangers in (
        ("unit2_staff", ("unit0_leadership", "unit0_secretary", "unit0_staff", "unit3_staff")),
        ("unit2_secretary", ("unit0_secretary", "unit1_staff", "unit3_staff")),
        ("unit0_staff", ("unit1_staff", "unit2_secretary", "unit2_staff", "unit3_staff")),
        ("unit0_leadership", ("unit1_staff", "unit2_secretary", "unit3_staff")),
        ("unit0_secretary", ("unit2_secretary", "unit2_staff", "unit3_staff")),
    ):
        user = cast.user(subject)
        hidden = people(*strangers) | committee_people
        assert not (cast.seen(subject, User) | cast.seen(subject, RoleAssignment)) & hidden
        for label in hidden:
            assert not can(user, Action.VIEW, cast.objects[label]), (subject, label)


def test_unit_roles_cannot_see_groups_their_unit_is_not_in(cast: Cast) -> None:
    group1 = {"group1", "gy1", "m0", "m1", "override1"}
    group2 = {"group2", "gy2", "gy2:last_year", "m2", "m3", "m2:last_year", "m3:last_year"}
    group2 |= {"override2"}
    for subject, hidden in (
        ("unit0_leadership", group2),
        ("unit0_secretary", group2),
        ("unit0_staff", group2),
        ("unit2_secretary", group1),
        ("unit2_staff", group1),
    ):
        user = cast.user(subject)
        for label in hidden:
            assert not can(user, Action.VIEW, cast.objects[label]), (subject, label)
        for model in (Group, GroupYear, GroupMembership, LeadOverride):
            assert not cast.seen(subject, model) & hidden, (subject, model)


def test_unit_roles_change_only_their_own_party_body(cast: Cast) -> None:
    for subject in ("unit0_leadership", "unit0_secretary", "unit0_staff", "unit2_secretary"):
        user = cast.user(subject)
        own = "org2" if subject.startswith("unit2") else "org0"
        for label in THIS_COMMITTEE:
            if label == own and subject != "unit0_leadership":
                continue
            for action in NON_VIEW_ACTIONS:
                assert not can(user, action, cast.objects[label]), (subject, action, label)
        for model in ALL_KINDS - {OrganPartyOrg}:
            for action in NON_VIEW_ACTIONS:
                assert not can(user, action, model), (subject, action, model)
    # The unit's party group leads; keeping the organ party body's records is not its job.
    assert not can(cast.user("unit0_leadership"), Action.CHANGE, cast.objects["org0"])
    assert not can(cast.user("unit0_leadership"), Action.CHANGE, OrganPartyOrg)


def test_lead_unit_rights_go_to_the_secretary_only(cast: Cast) -> None:
    for subject in ("unit0_staff", "unit0_leadership"):
        user = cast.user(subject)
        for label in ("unit1", "org1", "user:unit1_staff", "ra:unit1_staff/unit_staff"):
            assert not can(user, Action.VIEW, cast.objects[label]), (subject, label)
        assert "unit1" not in cast.seen(subject, Unit)


def test_lead_unit_rights_end_with_the_year(cast: Cast) -> None:
    # units[2] led group 2 last year; this year its secretary is an ordinary member.
    secretary = cast.user("unit2_secretary")
    for label in ("unit3", "org3", "user:unit3_staff", "ra:unit3_staff/unit_staff"):
        assert not can(secretary, Action.VIEW, cast.objects[label]), label
    assert cast.seen("unit2_secretary", Unit) == {"unit2"}


def test_lead_unit_secretary_cannot_change_the_units_it_leads(cast: Cast) -> None:
    secretary = cast.user("unit0_secretary")
    for label in ("unit1", "org1", "user:unit1_staff", "ra:unit1_staff/unit_staff", "gy1"):
        for action in NON_VIEW_ACTIONS:
            assert not can(secretary, action, cast.objects[label]), (action, label)


def test_auditor_can_change_nothing(cast: Cast) -> None:
    auditor = cast.user("auditor")
    for model, labels in KINDS.items():
        for action in NON_VIEW_ACTIONS:
            assert not can(auditor, action, model), (action, model)
        for label in labels:
            obj = cast.objects[label]
            for action in NON_VIEW_ACTIONS:
                assert not can(auditor, action, obj), (action, label)
            assert permissions(auditor, obj) == frozenset(), label


def test_sysadmin_cannot_read_business_records(cast: Cast) -> None:
    sysadmin = cast.user("sysadmin")
    # What exists today: the business functions of the registry are not the sysadmin's.
    for action in (Action.MANAGE_LEADS, Action.MANAGE_ROLES, Action.MANAGE_SECURITY):
        for model, labels in KINDS.items():
            assert not can(sysadmin, action, model), (action, model)
            for label in labels:
                assert not can(sysadmin, action, cast.objects[label]), (action, label)
    # What is coming: every model of the business apps, once they are installed.
    examined = list(apps.get_models())
    business = [m for m in examined if m._meta.app_label in BUSINESS_APPS]
    for admin in ADMINS:
        for model in business:
            assert _is_none(visible(cast.user(admin), model)), (admin, model)
    # The loop above ran over the installed models, not over an empty list by mistake.
    # (That the policy refuses a kind it does not know is tested further down.)
    assert Unit in examined
    assert Session in examined


# A tenant-owned model of a business app the policy has never heard of, registered in a
# throw-away app registry so the project's registry (and migrations) never see it.
_isolated = Apps()


class FutureContact(models.Model):
    """Stands in for liaison.Contact: a business record owned by a committee."""

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField()

    class Meta:
        app_label = "liaison"
        apps = _isolated

    def __str__(self) -> str:
        return self.summary


def test_administrators_see_nothing_of_a_kind_the_policy_does_not_know(cast: Cast) -> None:
    for admin in ADMINS:
        user = cast.user(admin)
        assert _is_none(visible(user, FutureContact)), admin
        assert not can(user, Action.VIEW, FutureContact), admin
        contact = FutureContact(pk=1, committee=cast.world.committee, summary="座谈会")
        assert not can(user, Action.VIEW, contact), admin


@pytest.mark.parametrize("model", [Session, Permission], ids=["session", "permission"])
def test_policy_answers_none_for_a_model_it_does_not_know(cast: Cast, model: type[Model]) -> None:
    for subject in SUBJECTS:
        assert _is_none(visible(cast.user(subject), model)), subject


def test_each_administrator_holds_only_its_own_function(cast: Cast) -> None:
    own = {"sysadmin": Action.MANAGE_ACCOUNTS, "secadmin": Action.MANAGE_ROLES, "auditor": None}
    for admin in ADMINS:
        user = cast.user(admin)
        for action in (Action.MANAGE_ACCOUNTS, Action.MANAGE_ROLES, Action.MANAGE_LEADS):
            expected = action is own[admin]
            assert can(user, action, User) is expected, (admin, action)
            assert can(user, action, cast.objects["user:unit0_staff"]) is expected, (admin, action)
            assert can(user, action, cast.objects["user:leader"]) is expected, (admin, action)
        # The security policy and lockouts are the secadmin's, asked of the committee.
        expected = admin == "secadmin"
        assert can(user, Action.MANAGE_SECURITY, cast.objects["committee"]) is expected, admin
        assert can(user, Action.MANAGE_SECURITY, Committee) is expected, admin
    assert not can(cast.user("secadmin"), Action.MANAGE_SECURITY, cast.objects["other:committee"])
    # Each administrator reaches the others' accounts or grants only through its own function.
    assert not can(cast.user("sysadmin"), Action.MANAGE_ROLES, cast.objects["ra:auditor/auditor"])
    assert not can(cast.user("sysadmin"), Action.CHANGE, cast.objects["ra:sysadmin/sysadmin"])
    assert not can(cast.user("secadmin"), Action.MANAGE_ACCOUNTS, cast.objects["user:sysadmin"])
    assert not can(cast.user("secadmin"), Action.CHANGE, cast.objects["user:auditor"])


def test_business_roles_manage_no_accounts_and_no_roles(cast: Cast) -> None:
    for subject in SUBJECTS:
        if subject in ("sysadmin", "secadmin"):
            continue
        user = cast.user(subject)
        for action in (Action.MANAGE_ACCOUNTS, Action.MANAGE_ROLES, Action.MANAGE_SECURITY):
            for model in (User, RoleAssignment, Committee):
                assert not can(user, action, model), (subject, action, model)
            assert not can(user, action, cast.objects["committee"]), (subject, action)
            for label in people(*PEOPLE):
                assert not can(user, action, cast.objects[label]), (subject, action, label)
        for label in people(*PEOPLE):
            assert not can(user, Action.CHANGE, cast.objects[label]), (subject, label)


def test_only_the_meeting_office_manages_lead_units(cast: Cast) -> None:
    for subject in SUBJECTS:
        user = cast.user(subject)
        expected = subject == "office"
        assert can(user, Action.MANAGE_LEADS, GroupYear) is expected, subject
        for label in ("gy1", "gy2", "group1", "group2"):
            assert can(user, Action.MANAGE_LEADS, cast.objects[label]) is expected, (subject, label)
        for label in ("other:gy", "other:group", "unit0", "m0", "override1"):
            assert not can(user, Action.MANAGE_LEADS, cast.objects[label]), (subject, label)


def test_memberships_and_overrides_change_only_through_the_rotation(cast: Cast) -> None:
    for subject in SUBJECTS:
        user = cast.user(subject)
        for model in (GroupMembership, LeadOverride):
            assert not can(user, Action.CHANGE, model), (subject, model)
            for label in KINDS[model]:
                assert not can(user, Action.CHANGE, cast.objects[label]), (subject, label)


def test_import_is_never_granted_on_a_single_object(cast: Cast) -> None:
    for subject in SUBJECTS:
        user = cast.user(subject)
        for labels in KINDS.values():
            for label in labels:
                assert not can(user, Action.IMPORT, cast.objects[label]), (subject, label)


def test_secadmin_cannot_manage_its_own_roles(cast: Cast) -> None:
    secadmin = cast.user("secadmin")
    assert not can(secadmin, Action.MANAGE_ROLES, cast.objects["user:secadmin"])
    assert not can(secadmin, Action.MANAGE_ROLES, cast.objects["ra:secadmin/secadmin"])
    assert not can(secadmin, Action.CHANGE, cast.objects["ra:secadmin/secadmin"])
    assert can(secadmin, Action.MANAGE_ROLES, cast.objects["user:leader"])


def test_import_covers_only_the_registry_and_the_importers_own_function(cast: Cast) -> None:
    for model in (RoleAssignment, LeadOverride, Committee):
        for subject in ("office", "sysadmin"):
            assert not can(cast.user(subject), Action.IMPORT, model), (subject, model)
    assert not can(cast.user("office"), Action.IMPORT, User)
    assert can(cast.user("sysadmin"), Action.IMPORT, User)
    assert can(cast.user("office"), Action.IMPORT, Unit)
    # The account keeper grants no role; the role keeper imports nothing else.
    assert can(cast.user("secadmin"), Action.IMPORT, RoleAssignment)
    for kind in (User, Unit, Group, OrganPartyOrg, LeadOverride):
        assert not can(cast.user("secadmin"), Action.IMPORT, kind), kind


def test_sysadmin_cannot_manage_the_other_administrators(cast: Cast) -> None:
    sysadmin = cast.user("sysadmin")
    for other in ("secadmin", "auditor"):
        assert not can(sysadmin, Action.MANAGE_ACCOUNTS, cast.objects[f"user:{other}"])
        assert not can(sysadmin, Action.CHANGE, cast.objects[f"user:{other}"])
    assert can(sysadmin, Action.MANAGE_ACCOUNTS, cast.objects["user:leader"])


# --- Positive cases ------------------------------------------------------------------


def test_committee_roles_see_the_whole_registry_of_their_committee(cast: Cast) -> None:
    for subject in ("leader", "staff", "office", "sysadmin", "secadmin", "auditor"):
        for model, labels in KINDS.items():
            assert cast.seen(subject, model) == set(labels) & THIS_COMMITTEE, (subject, model)


def test_lead_unit_secretary_sees_the_units_of_the_group_it_leads(cast: Cast) -> None:
    secretary = cast.user("unit0_secretary")
    assert can(secretary, Action.VIEW, cast.objects["unit1"])
    assert can(secretary, Action.VIEW, cast.objects["org1"])
    assert can(secretary, Action.VIEW, cast.objects["user:unit1_staff"])
    assert not can(secretary, Action.VIEW, cast.objects["unit2"])
    assert not can(secretary, Action.VIEW, cast.objects["unit3"])
    assert cast.seen("unit0_secretary", Unit) == {"unit0", "unit1"}
    assert cast.seen("unit0_staff", Unit) == {"unit0"}


def test_unit_roles_see_their_unit_its_group_and_its_people(cast: Cast) -> None:
    for subject in ("unit0_leadership", "unit0_staff", "unit2_secretary", "unit2_staff"):
        circle = UNIT0_CIRCLE if subject.startswith("unit0") else UNIT2_CIRCLE
        for label in circle:
            assert can(cast.user(subject), Action.VIEW, cast.objects[label]), (subject, label)


def test_unit_secretary_and_staff_keep_their_party_body_up_to_date(cast: Cast) -> None:
    for subject, label in (
        ("unit0_secretary", "org0"),
        ("unit0_staff", "org0"),
        ("unit2_secretary", "org2"),
        ("unit2_staff", "org2"),
    ):
        assert can(cast.user(subject), Action.CHANGE, cast.objects[label]), subject
        assert permissions(cast.user(subject), cast.objects[label]) == {"change"}, subject


def test_sysadmin_and_meeting_office_maintain_the_registry(cast: Cast) -> None:
    for subject in ("sysadmin", "office"):
        user = cast.user(subject)
        assert can(user, Action.IMPORT, Unit), subject
        for label in REGISTRY:
            assert can(user, Action.CHANGE, cast.objects[label]), (subject, label)


# --- The whole matrix ----------------------------------------------------------------


def test_the_cast_labels_every_row(cast: Cast) -> None:
    for model, labels in KINDS.items():
        stored = set(model._default_manager.values_list("pk", flat=True))
        assert stored == {cast.objects[label].pk for label in labels}, model
        assert all(isinstance(cast.objects[label], model) for label in labels), model


@pytest.mark.parametrize("subject", SUBJECTS)
def test_matrix_of_visible_rows(cast: Cast, subject: str) -> None:
    wrong = {}
    for model, labels in KINDS.items():
        expected = VISIBLE[subject] & set(labels)
        seen = cast.seen(subject, model)
        if seen != expected:
            wrong[model.__name__] = {"unexpected": seen - expected, "missing": expected - seen}
    assert wrong == {}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_matrix_of_actions_on_objects(cast: Cast, subject: str) -> None:
    user = cast.user(subject)
    wrong = []
    for labels in KINDS.values():
        for label in labels:
            for action in Action:
                expected = may_do(subject, action, label)
                if can(user, action, cast.objects[label]) is not expected:
                    wrong.append((action.value, label, "expected" if expected else "refused"))
    assert wrong == []


@pytest.mark.parametrize("subject", SUBJECTS)
def test_matrix_of_actions_on_kinds(cast: Cast, subject: str) -> None:
    user = cast.user(subject)
    wrong = []
    for model in KINDS:
        for action in Action:
            expected = may_do_on_kind(subject, action, model)
            if can(user, action, model) is not expected:
                wrong.append((action.value, model.__name__, "expected" if expected else "refused"))
    assert wrong == []


@pytest.mark.parametrize("subject", SUBJECTS)
def test_permissions_list_the_allowed_actions(cast: Cast, subject: str) -> None:
    user = cast.user(subject)
    for labels in KINDS.values():
        for label in labels:
            expected = {a.value for a in NON_VIEW_ACTIONS if may_do(subject, a, label)}
            assert permissions(user, cast.objects[label]) == expected, label
