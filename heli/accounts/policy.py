"""The one access policy of Heli.

Two questions, answered here and nowhere else:

* ``can(user, action, obj)`` — may this user do this action on this object
  (or, given a model class, on that kind of object in general, e.g. import)?
* ``visible(user, Model)`` — which objects of this kind may this user see,
  as a query filtered in the database.

Everything is scoped by the user's committee (the tenant). Objects a user may
not see are reported by views as 404, never 403.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from heli.accounts.models import ADMIN_ROLES, Role, RoleAssignment, User
from heli.audit.models import AuditEvent
from heli.files.models import Attachment
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


# The committee's group robots (heli.notifications), named so this module need not import it.
ROBOT_LABEL = "notifications.WebhookRobot"

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
# Committee roles that read every business file of the committee, and those that add
# files to any unit's records. The three administrators are in neither (三员分立).
FILE_READERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})
FILE_WRITERS = frozenset({Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})


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


# --- Which objects may this user see ------------------------------------------------


# Kinds the registry readers see in full; anything not listed here is seen by no one
# until the policy names it (business records stay closed to the three administrators).
REGISTRY_MODELS: tuple[type[Model], ...] = (
    Department,
    Unit,
    OrganPartyOrg,
    Group,
    GroupYear,
    GroupMembership,
    LeadOverride,
    RoleAssignment,
    User,
)
# Kinds the Excel import writes, and the accounts kind the sysadmin alone imports.
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


def visible(user: Any, model: type[Model]) -> QuerySet[Any]:
    """The objects of ``model`` that ``user`` may see, filtered in the query."""
    s = scope_of(user)
    qs: QuerySet[Any] = model._default_manager.all()  # type: ignore[attr-defined]
    if s.committee_id is None:
        return qs.none()
    if model is Committee:
        return qs.filter(pk=s.committee_id)
    if model is AuditEvent:
        return _visible_audit_events(s, qs)
    if model is Attachment:
        return _visible_attachments(s, qs)
    if model._meta.label == "notifications.Notification":
        # A person's notifications are theirs alone, whatever their roles.
        return qs.filter(committee_id=s.committee_id, recipient_id=user.pk)
    if model._meta.label == ROBOT_LABEL:
        return qs.filter(committee_id=s.committee_id) if s.has(Role.SYSADMIN) else qs.none()
    if model._meta.app_label == "tracking":
        from heli.tracking.access import visible_tracking  # the app imports this module

        return visible_tracking(s, model, qs)
    if model not in REGISTRY_MODELS:
        return qs.none()
    qs = qs.filter(committee_id=s.committee_id)
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
    if isinstance(obj, type):
        return _can_on_kind(s, action, obj)
    if isinstance(obj, AuditEvent):
        # Read by the auditor, changed by no one; platform rows belong to no committee.
        return action is Action.VIEW and visible(user, AuditEvent).filter(pk=obj.pk).exists()
    if _committee_of(obj) != s.committee_id:
        return False
    if action is Action.VIEW:
        return visible(user, type(obj)).filter(pk=obj.pk).exists()
    return _can_change(s, user, action, obj)


def _committee_of(obj: Any) -> int | None:
    if isinstance(obj, Committee):
        return obj.pk
    return getattr(obj, "committee_id", None)


def _can_on_kind(s: Scope, action: Action, model: type[Model]) -> bool:
    if model._meta.app_label == "tracking":
        from heli.tracking.access import tracking_can_on_kind

        return tracking_can_on_kind(s, action, model)
    if model is AuditEvent:
        return action is Action.VIEW and s.has(Role.AUDITOR)
    if action is Action.IMPORT:
        if model is User:
            return s.has(Role.SYSADMIN)
        return model in IMPORTABLE_MODELS and s.edits_registry
    if action is Action.MANAGE_LEADS:
        return s.has(Role.MEETING_OFFICE)
    if action is Action.MANAGE_ACCOUNTS:
        return s.has(Role.SYSADMIN)
    if action is Action.MANAGE_ROLES:
        return s.has(Role.SECADMIN)
    if action is Action.MANAGE_SECURITY:
        return s.has(Role.SECADMIN)
    if model._meta.label == ROBOT_LABEL:
        # Group robots are system configuration: the system administrator's (三员分立).
        return action in (Action.VIEW, Action.CHANGE) and s.has(Role.SYSADMIN)
    if action is Action.CHANGE:
        if model in (Unit, Group, GroupYear, Department, Committee):
            return s.edits_registry
        if model is OrganPartyOrg:
            return s.edits_registry or bool(s.editor_unit_ids)
        if model is User:
            return s.has(Role.SYSADMIN)
        if model is RoleAssignment:
            return s.has(Role.SECADMIN)
        if model is Attachment:
            return _handles_files(s)
    if action is Action.VIEW:
        if model is Attachment:
            return _handles_files(s)
        known = model is Committee or model in REGISTRY_MODELS
        return known and (s.reads_registry or bool(s.unit_ids))
    return False


def _can_change(s: Scope, user: Any, action: Action, obj: Any) -> bool:
    if action is Action.MANAGE_LEADS:
        return isinstance(obj, GroupYear | Group) and s.has(Role.MEETING_OFFICE)
    if action is Action.MANAGE_ACCOUNTS:
        return isinstance(obj, User) and _sysadmin_may_manage(s, obj)
    if action is Action.MANAGE_ROLES:
        return isinstance(obj, User | RoleAssignment) and _secadmin_may_grant(s, user, obj)
    if action is Action.MANAGE_SECURITY:
        # Asked of the committee: its policy and its lockouts are the secadmin's.
        return isinstance(obj, Committee) and s.has(Role.SECADMIN)
    if getattr(getattr(obj, "_meta", None), "label", None) == ROBOT_LABEL:
        return action is Action.CHANGE and s.has(Role.SYSADMIN)
    if getattr(getattr(obj, "_meta", None), "app_label", None) == "tracking":
        from heli.tracking.access import tracking_can

        return tracking_can(s, action, obj)
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
    if isinstance(obj, Attachment):
        return _may_add_files(s, obj.unit_id)
    return False


# --- Files ---------------------------------------------------------------------------
# A file is seen by whoever may see the record it belongs to. Until business records
# own files, that record is its unit (or, with no unit, the committee itself).


def _visible_attachments(s: Scope, qs: QuerySet[Any]) -> QuerySet[Any]:
    if s.roles & ADMIN_ROLES:
        return qs.none()
    qs = qs.filter(committee_id=s.committee_id)
    if s.roles & FILE_READERS:
        return qs
    if s.unit_ids:
        return qs.filter(unit_id__in=s.unit_ids)
    return qs.none()


def _handles_files(s: Scope) -> bool:
    """Whether the user reads or adds files at all (the menu and the upload form ask)."""
    return not s.roles & ADMIN_ROLES and bool(s.roles & FILE_READERS or s.unit_ids)


def _may_add_files(s: Scope, unit_id: int | None) -> bool:
    """Adding a file to a unit's records (or, with no unit, to the committee's)."""
    if s.roles & ADMIN_ROLES:
        return False
    if s.roles & FILE_WRITERS:
        return True
    return unit_id is not None and unit_id in s.unit_ids


# --- The audit log -------------------------------------------------------------------


def _visible_audit_events(s: Scope, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The audit administrator's alone (三员分立), and never changed by anyone.

    It reads its committee's rows and the platform's rows that belong to no committee:
    sign-in attempts under unknown names, retention pruning.
    """
    if not s.has(Role.AUDITOR):
        return qs.none()
    return qs.filter(Q(committee_id=s.committee_id) | Q(committee_id__isnull=True))


def _sysadmin_may_manage(s: Scope, account: User) -> bool:
    """The sysadmin keeps accounts, but not those of the other two administrators."""
    if not s.has(Role.SYSADMIN):
        return False
    return not RoleAssignment.objects.filter(user=account, role__in=OTHER_ADMINS).exists()


def _secadmin_may_grant(s: Scope, user: Any, obj: User | RoleAssignment) -> bool:
    """The secadmin grants roles, but never to itself: no one widens their own rights."""
    target = obj.pk if isinstance(obj, User) else obj.user_id
    return s.has(Role.SECADMIN) and target != user.pk


def permissions(user: Any, obj: Any) -> frozenset[str]:
    """Every action the user may take on ``obj`` (for templates: ``'change' in perms``)."""
    return frozenset(a.value for a in Action if a is not Action.VIEW and can(user, a, obj))
