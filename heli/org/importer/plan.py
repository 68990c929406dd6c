"""What a registry workbook asks for, and what applying it changed."""

from __future__ import annotations

from dataclasses import dataclass, field

from heli.accounts.models import User
from heli.lib.sheets import Problem, in_sheet_order
from heli.org.importer.specs import SHEET_NAMES
from heli.org.models import Committee


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
    unit_name: str
    role: str
    title: str | None
    phone: str | None


@dataclass
class ImportPlan:
    """What a workbook asks for, or why it cannot be imported.

    Empty cells of optional columns are ``None``: keep the existing value (or the
    default, for a new record).
    """

    committee: Committee
    groups: list[GroupRow] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def file_problems(self) -> list[Problem]:
        return [p for p in self.problems if not p.sheet]

    @property
    def sheet_problems(self) -> list[Problem]:
        return in_sheet_order(self.problems, SHEET_NAMES)


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


@dataclass
class ImportSummary:
    """What an import changed."""

    year: int
    groups: Tally = field(default_factory=Tally)
    units: Tally = field(default_factory=Tally)
    people: Tally = field(default_factory=Tally)
    group_years_created: int = 0
    memberships_added: int = 0
    memberships_moved: int = 0
    memberships_unchanged: int = 0
    roles_granted: int = 0
    secretaries_set: int = 0
    new_accounts: list[User] = field(default_factory=list)  # they have no password yet

    @property
    def memberships_set(self) -> int:
        return self.memberships_added + self.memberships_moved


class ImportApplyError(Exception):
    """The registry changed between checking and applying; nothing was written."""
