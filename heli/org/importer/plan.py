"""What a registry workbook asks for, who may ask it, and what applying it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import Action, can
from heli.lib.sheets import Problem, in_sheet_order
from heli.org.importer.specs import SHEET_NAMES
from heli.org.models import Committee, Department, OrganPartyOrg, Unit


@dataclass(frozen=True)
class Rights:
    """What one person may import, as the access policy says (三员分立).

    ``registry``: groups and units (the system administrator, the joint-meeting office);
    ``people``: accounts, without roles (the system administrator); ``roles``: role grants,
    previewed and confirmed (the security administrator). ``who`` names the importer's
    function in the reasons a refused sheet is given.
    """

    registry: bool = False
    people: bool = False
    roles: bool = False
    who: str = ""

    @property
    def any(self) -> bool:
        return self.registry or self.people or self.roles


def rights_of(user: Any) -> Rights:
    """The importer's rights; ``who`` is the first of their functions that imports."""
    registry = can(user, Action.IMPORT, Unit)
    people = can(user, Action.IMPORT, User)
    roles = can(user, Action.IMPORT, RoleAssignment)
    who = ""
    if people:
        who = str(Role.SYSADMIN.label)
    elif registry:
        who = str(Role.MEETING_OFFICE.label)
    elif roles:
        who = str(Role.SECADMIN.label)
    return Rights(registry=registry, people=people, roles=roles, who=who)


@dataclass(frozen=True)
class Source:
    """The uploaded file as the audit log names it: its name, SHA-256 and size."""

    name: str
    sha256: str
    size: int

    @classmethod
    def of(cls, name: str, data: bytes) -> Source:
        return cls(name=name[:200], sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def detail(self) -> dict[str, Any]:
        return {"file_name": self.name, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class GroupRow:
    row: int
    number: int
    name: str
    description: str | None


@dataclass(frozen=True)
class UnitRow:
    row: int
    name: str
    short_name: str | None
    code: str | None
    leading_body: str | None
    org_kind: str | None
    org_name: str | None
    member_count: int | None
    group_ref: str | None  # the 所属组 cell as written: a group number or name
    sort_order: int | None
    group_number: int | None = None  # resolved against the file and the registry


@dataclass(frozen=True)
class PersonRow:
    row: int
    full_name: str
    username: str
    title: str | None
    phone: str | None


@dataclass(frozen=True)
class RoleRow:
    """One row of the sheet 角色, as written (kept between the preview and the confirmation)."""

    row: int
    username: str
    full_name: str | None  # to check against the account's name
    role: str
    unit_name: str | None
    department_name: str | None


@dataclass(frozen=True)
class RoleGrant:
    """One row of the sheet 角色 checked against the registry: what confirming it does."""

    row: int
    person: User
    role: str
    unit: Unit | None
    department: Department | None
    held: bool  # the account holds it already: nothing to grant
    org: OrganPartyOrg | None = None  # the unit's party body, when its secretary changes
    secretary_before: User | None = None

    @property
    def changes_secretary(self) -> bool:
        return self.org is not None

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def key(self) -> tuple[Any, ...]:
        """What the grant does, in ids: a confirmation applies only what was previewed."""
        return (
            self.row,
            self.person.pk,
            self.role,
            getattr(self.unit, "pk", None),
            getattr(self.department, "pk", None),
            self.held,
            getattr(self.org, "pk", None),
            getattr(self.secretary_before, "pk", None),
        )


@dataclass
class ImportPlan:
    """What a workbook asks for, or why it cannot be imported.

    Empty cells of optional columns are ``None``: keep the existing value (or the
    default, for a new record).
    """

    committee: Committee
    by: User
    rights: Rights
    source: Source
    groups: list[GroupRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    roles: list[RoleRow] = field(default_factory=list)
    grants: list[RoleGrant] = field(default_factory=list)  # the roles, checked
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def grants_roles(self) -> bool:
        """A role import: it is previewed and applied only once confirmed."""
        return bool(self.roles)

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if not p.sheet]

    @property
    def sheet_problems(self) -> list[Problem]:
        return in_sheet_order(self.problems, SHEET_NAMES)

    @property
    def preview_key(self) -> list[list[Any]]:
        return [list(grant.key) for grant in self.grants]

    @property
    def new_grants(self) -> int:
        return sum(not grant.held for grant in self.grants)

    @property
    def held_grants(self) -> int:
        return sum(grant.held for grant in self.grants)

    @property
    def secretary_changes(self) -> int:
        return sum(grant.changes_secretary for grant in self.grants)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    def detail(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class ImportSummary:
    """What an import changed."""

    year: int
    grants_roles: bool = False  # a role import: its counts are of roles
    groups: Tally = field(default_factory=Tally)
    units: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    group_years_created: int = 0
    memberships_added: int = 0
    memberships_moved: int = 0
    memberships_unchanged: int = 0
    roles_granted: int = 0
    roles_unchanged: int = 0
    secretaries_set: int = 0
    new_accounts: list[User] = field(default_factory=list)  # they have no password yet
    grants: list[RoleGrant] = field(default_factory=list)  # a role import's, as applied

    @property
    def memberships_set(self) -> int:
        return self.memberships_added + self.memberships_moved

    def counts(self) -> dict[str, Any]:
        """The counts the import's audit event carries."""
        if self.grants_roles:
            return {
                "roles_granted": self.roles_granted,
                "roles_unchanged": self.roles_unchanged,
                "secretaries_set": self.secretaries_set,
            }
        return {
            "groups": self.groups.detail(),
            "units": self.units.detail(),
            "people": self.people.detail(),
            "group_years_created": self.group_years_created,
            "memberships": {
                "added": self.memberships_added,
                "moved": self.memberships_moved,
                "unchanged": self.memberships_unchanged,
            },
        }


class ImportApplyError(Exception):
    """The registry changed between checking and applying; nothing was written."""
