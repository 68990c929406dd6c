"""The one access policy of Heli.

Two questions, answered here and nowhere else:

* ``can(user, action, obj)`` — may this user do this action on this object
  (or, given a model class, on that kind of object in general, e.g. import)?
* ``visible(user, Model)`` — which objects of this kind may this user see,
  as a query filtered in the database.

Everything is scoped by the user's committee (the tenant). Objects a user may
not see are reported by views as 404, never 403.

The rules of each kind of object live with the area that owns it: an area subclasses
:class:`Rules` for its models in ``heli/<area>/access.py`` and registers them from its
``AppConfig.ready()`` with :func:`register`; rows that hang off a parent (a task's
progress reports, a meeting's attendance) are registered with :class:`ChildOf` and see
exactly what their parent sees. The registry's own kinds (committee, departments, units,
party bodies, groups, accounts and roles) are ruled here. A kind nobody registered is
closed to everyone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, QuerySet

from heli.accounts.models import Role, RoleAssignment, User
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


class Action(enum.StrEnum):
    VIEW = "view"
    CHANGE = "change"
    IMPORT = "import"  # bulk import of the registry from Excel
    MANAGE_LEADS = "manage_leads"  # generate, override and confirm lead units
    MANAGE_ACCOUNTS = "manage_accounts"  # create and disable accounts, reset passwords
    MANAGE_ROLES = "manage_roles"  # grant and revoke roles
    MANAGE_SECURITY = "manage_security"  # the security policy; unlocking locked sign-ins


# Roles that read the whole registry of their committee.
REGISTRY_READERS = frozenset(
    {
        Role.COMMITTEE_LEADER,
        Role.COMMITTEE_STAFF,
        Role.MEETING_OFFICE,
        Role.SYSADMIN,
        Role.SECADMIN,
        Role.AUDITOR,
    }
)
# Roles that maintain the registry (units, party bodies, groups).
REGISTRY_EDITORS = frozenset({Role.SYSADMIN, Role.MEETING_OFFICE})
# Unit roles that may keep their own unit's party body details up to date.
UNIT_EDITORS = frozenset({Role.UNIT_SECRETARY, Role.UNIT_STAFF})


@dataclass(frozen=True)
class Scope:
    """What one user holds: roles and the departments, units and groups they reach."""

    committee_id: int | None
    roles: frozenset[str] = frozenset()
    department_ids: frozenset[int] = frozenset()
    unit_ids: frozenset[int] = frozenset()  # units where the user holds any unit role
    editor_unit_ids: frozenset[int] = frozenset()  # units where the user is secretary or staff
    group_ids: frozenset[int] = frozenset()  # groups the user's units belong to (any year)
    lead_group_year_ids: frozenset[int] = frozenset()  # this year's groups the user leads
    lead_unit_ids: frozenset[int] = field(default=frozenset())  # units of those groups

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def reads_registry(self) -> bool:
        return bool(self.roles & REGISTRY_READERS)

    @property
    def edits_registry(self) -> bool:
        return bool(self.roles & REGISTRY_EDITORS)


EMPTY = Scope(committee_id=None)


def scope_of(user: Any) -> Scope:
    """The user's scope, computed once per request (cached on the user object)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return EMPTY
    cached = getattr(user, "_heli_scope", None)
    if cached is not None:
        return cached
    scope = _build_scope(user)
    user._heli_scope = scope
    return scope


def forget_scope(user: Any) -> None:
    """Drop the cached scope after the user's roles changed."""
    if hasattr(user, "_heli_scope"):
        del user._heli_scope


def _build_scope(user: User) -> Scope:
    if user.committee_id is None:
        return EMPTY
    rows = list(
        RoleAssignment.objects.filter(user=user, committee_id=user.committee_id).values_list(
            "role", "department_id", "unit_id"
        )
    )
    roles = frozenset(r for r, _d, _u in rows)
    department_ids = frozenset(d for _r, d, _u in rows if d is not None)
    unit_ids = frozenset(u for _r, _d, u in rows if u is not None)
    editor_unit_ids = frozenset(u for r, _d, u in rows if u is not None and r in UNIT_EDITORS)
    secretary_unit_ids = frozenset(
        u for r, _d, u in rows if u is not None and r == Role.UNIT_SECRETARY
    )
    group_ids: frozenset[int] = frozenset()
    lead_group_year_ids: frozenset[int] = frozenset()
    lead_unit_ids: frozenset[int] = frozenset()
    if unit_ids:
        year = current_year()
        memberships = list(
            GroupMembership.objects.filter(
                committee_id=user.committee_id, unit_id__in=unit_ids
            ).values_list("group_year__group_id", "group_year_id", "year", "is_lead", "unit_id")
        )
        group_ids = frozenset(g for g, _gy, _y, _l, _u in memberships)
        # A lead unit's secretary gains rights over the group in the year it leads.
        lead_group_year_ids = frozenset(
            gy
            for _g, gy, y, lead, u in memberships
            if lead and y == year and u in secretary_unit_ids
        )
        if lead_group_year_ids:
            lead_unit_ids = frozenset(
                GroupMembership.objects.filter(group_year_id__in=lead_group_year_ids).values_list(
                    "unit_id", flat=True
                )
            )
    return Scope(
        committee_id=user.committee_id,
        roles=roles,
        department_ids=department_ids,
        unit_ids=unit_ids,
        editor_unit_ids=editor_unit_ids,
        group_ids=group_ids,
        lead_group_year_ids=lead_group_year_ids,
        lead_unit_ids=lead_unit_ids,
    )


# --- The registry of rules -------------------------------------------------------------


class Rules:
    """The access rules of one kind of object. Everything is refused unless overridden.

    ``visible`` narrows a query of the kind to the rows the scope sees; the policy has
    already limited it to the scope's committee (unless ``cross_committee``). ``can``
    answers the actions other than viewing on one row of the user's committee (viewing a
    row means finding it in ``visible``). ``can_on_kind`` answers actions on the kind as a
    whole: may this user see such records at all (the menu asks), create one, import them.
    """

    # Rows that belong to no committee are read too (the platform's audit rows).
    cross_committee = False

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs.none()

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return False

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        return False


class ChildOf(Rules):
    """Rows that hang off a parent row through the foreign key ``parent`` (a report off its
    task): a user sees them exactly when they see the parent, and sees the kind when they
    see the parent's kind. No one changes them through the policy; their area's actions do.
    """

    def __init__(self, parent: str) -> None:
        self.parent = parent

    def _parent_model(self, model: type[Model]) -> type[Model]:
        related = model._meta.get_field(self.parent).related_model
        if not isinstance(related, type):
            raise TypeError(f"{model._meta.label}.{self.parent} is not a foreign key")
        return related

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        parents = visible(user, self._parent_model(qs.model))
        if parents.query.is_empty():
            return qs.none()
        return qs.filter(**{f"{self.parent}__in": parents.values("pk")})

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is not Action.VIEW:
            return False
        parent = self._parent_model(model)
        rules = rules_for(parent)
        return rules is not None and rules.can_on_kind(s, action, parent)


_RULES: dict[str, Rules] = {}


def register(model: type[Model], rules: Rules) -> Rules:
    """Give ``model`` its rules (from the owning app's ``ready()``); again replaces them."""
    _RULES[model._meta.label] = rules
    return rules


def unregister(model: type[Model]) -> None:
    _RULES.pop(model._meta.label, None)


def rules_for(model: type[Model]) -> Rules | None:
    """The registered rules of a kind, or None: a kind nobody registered is closed."""
    return _RULES.get(model._meta.label)


def registered() -> list[str]:
    """The labels of every kind with rules, sorted (for the documentation and tests)."""
    return sorted(_RULES)


# --- Which objects may this user see ------------------------------------------------


def visible(user: Any, model: type[Model]) -> QuerySet[Any]:
    """The objects of ``model`` that ``user`` may see, filtered in the query."""
    s = scope_of(user)
    qs: QuerySet[Any] = model._default_manager.all()  # type: ignore[attr-defined]
    rules = rules_for(model)
    if s.committee_id is None or rules is None:
        return qs.none()
    if not rules.cross_committee and _has_committee(model):
        # The tenant boundary is the policy's, whatever the area's rules say.
        qs = qs.filter(committee_id=s.committee_id)
    return rules.visible(s, user, qs)


def _has_committee(model: type[Model]) -> bool:
    return any(f.name == "committee" for f in model._meta.concrete_fields)


def visible_ids(user: Any, model: type[Model], ids: Iterable[int]) -> set[int]:
    """Which of ``ids`` the user may see, in one query."""
    return set(visible(user, model).filter(pk__in=list(ids)).values_list("pk", flat=True))


# --- May this user do this action ---------------------------------------------------


def can(user: Any, action: Action | str, obj: Any) -> bool:
    """May ``user`` do ``action`` on ``obj`` (an instance, or a model class for kind-wide actions)."""
    s = scope_of(user)
    if s.committee_id is None:
        return False
    action = Action(action)
    model = obj if isinstance(obj, type) else type(obj)
    if not issubclass(model, Model):
        return False
    rules = rules_for(model)
    if rules is None:
        return False
    if isinstance(obj, type):
        return rules.can_on_kind(s, action, model)
    if not rules.cross_committee and _committee_of(obj) != s.committee_id:
        return False
    if action is Action.VIEW:
        return visible(user, model).filter(pk=obj.pk).exists()
    return rules.can(s, user, action, obj)


def _committee_of(obj: Any) -> int | None:
    if isinstance(obj, Committee):
        return obj.pk
    return getattr(obj, "committee_id", None)


def permissions(user: Any, obj: Any) -> frozenset[str]:
    """Every action the user may take on ``obj`` (for templates: ``'change' in perms``)."""
    return frozenset(a.value for a in Action if a is not Action.VIEW and can(user, a, obj))


# --- The registry's own kinds ---------------------------------------------------------

# Kinds the Excel import writes; accounts (User) are the sysadmin's alone to import, role
# grants (RoleAssignment) the secadmin's alone.
IMPORTABLE_MODELS: tuple[type[Model], ...] = (
    Department,
    Unit,
    OrganPartyOrg,
    Group,
    GroupYear,
    GroupMembership,
)
# Administrators whose accounts the sysadmin may not manage: it could act as them.
OTHER_ADMINS = (Role.SECADMIN, Role.AUDITOR)


class RegistryRules(Rules):
    """The organisation registry and its accounts: read in full by the committee's roles
    (the three administrators included: they keep it), by unit roles as far as their
    units, their groups and the groups their unit leads this year reach."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        model = qs.model
        if model is Committee:
            return qs.filter(pk=s.committee_id)
        if s.reads_registry:
            return qs
        if not s.unit_ids:
            return qs.none()
        units = s.unit_ids | s.lead_unit_ids
        if model is Unit:
            return qs.filter(pk__in=units)
        if model is OrganPartyOrg:
            return qs.filter(unit_id__in=units)
        if model is Group:
            return qs.filter(pk__in=s.group_ids)
        if model is GroupYear:
            return qs.filter(group_id__in=s.group_ids)
        if model in (GroupMembership, LeadOverride):
            return qs.filter(group_year__group_id__in=s.group_ids)
        if model is Department:
            # Departments supervise the units' work; every member of the committee sees them.
            return qs
        if model is RoleAssignment:
            return qs.filter(unit_id__in=units)
        if model is User:
            return qs.filter(role_assignments__unit_id__in=units).distinct()
        return qs.none()

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.IMPORT:
            if model is User:
                # Accounts only: the account keeper grants no role (三员分立).
                return s.has(Role.SYSADMIN)
            if model is RoleAssignment:
                # Role grants, and the secretary a unit secretary's grant registers, are the
                # security administrator's, previewed and confirmed by them.
                return s.has(Role.SECADMIN)
            return model in IMPORTABLE_MODELS and s.edits_registry
        if action is Action.MANAGE_LEADS:
            return s.has(Role.MEETING_OFFICE)
        if action is Action.MANAGE_ACCOUNTS:
            return s.has(Role.SYSADMIN)
        if action in (Action.MANAGE_ROLES, Action.MANAGE_SECURITY):
            return s.has(Role.SECADMIN)
        if action is Action.CHANGE:
            if model in (Unit, Group, GroupYear, Department, Committee):
                return s.edits_registry
            if model is OrganPartyOrg:
                return s.edits_registry or bool(s.editor_unit_ids)
            if model is User:
                return s.has(Role.SYSADMIN)
            if model is RoleAssignment:
                return s.has(Role.SECADMIN)
            return False
        if action is Action.VIEW:
            return s.reads_registry or bool(s.unit_ids)
        return False

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        if action is Action.MANAGE_LEADS:
            return isinstance(obj, GroupYear | Group) and s.has(Role.MEETING_OFFICE)
        if action is Action.MANAGE_ACCOUNTS:
            return isinstance(obj, User) and _sysadmin_may_manage(s, obj)
        if action is Action.MANAGE_ROLES:
            return isinstance(obj, User | RoleAssignment) and _secadmin_may_grant(s, user, obj)
        if action is Action.MANAGE_SECURITY:
            # Asked of the committee: its policy and its lockouts are the secadmin's.
            return isinstance(obj, Committee) and s.has(Role.SECADMIN)
        if action is not Action.CHANGE:
            return False
        if isinstance(obj, OrganPartyOrg):
            return s.edits_registry or obj.unit_id in s.editor_unit_ids
        if isinstance(obj, Unit | Group | GroupYear | Department | Committee):
            return s.edits_registry
        if isinstance(obj, User):
            return _sysadmin_may_manage(s, obj)
        if isinstance(obj, RoleAssignment):
            return _secadmin_may_grant(s, user, obj)
        return False


def _sysadmin_may_manage(s: Scope, account: User) -> bool:
    """The sysadmin keeps accounts, but not those of the other two administrators."""
    if not s.has(Role.SYSADMIN):
        return False
    return not RoleAssignment.objects.filter(user=account, role__in=OTHER_ADMINS).exists()


def _secadmin_may_grant(s: Scope, user: Any, obj: User | RoleAssignment) -> bool:
    """The secadmin grants roles, but never to itself: no one widens their own rights."""
    target = obj.pk if isinstance(obj, User) else obj.user_id
    return s.has(Role.SECADMIN) and target != user.pk


_REGISTRY_RULES = RegistryRules()
_REGISTRY_MODELS: tuple[type[Model], ...] = (
    Committee,
    *IMPORTABLE_MODELS,
    LeadOverride,
    RoleAssignment,
    User,
)
for _model in _REGISTRY_MODELS:
    register(_model, _REGISTRY_RULES)
