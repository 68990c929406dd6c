"""Who sees which contacts, letters and receipts, and who may change them.

Committee leaders, departments and the joint-meeting office read every contact of their
committee; a unit's leadership, secretary and staff read the contacts that reached their
unit, and of a letter only their own unit's receipt. Departments and leaders record
contacts and send letters; a unit's secretary and staff sign for and answer their unit's
receipts. The three administrators read none of it (三员分立).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet

from heli.accounts import policy
from heli.accounts.models import ADMIN_ROLES, Role
from heli.accounts.policy import Action, ChildOf, Rules, Scope, scope_of
from heli.liaison.models import Contact, ContactPerson, ContactUnit, Letter, LetterReceipt
from heli.org.models import Department

# Committee roles that read every contact, letter and receipt of the committee.
READERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})
# Committee roles that record contacts and send letters.
RECORDERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF})


def reads_all(s: Scope) -> bool:
    return not s.roles & ADMIN_ROLES and bool(s.roles & READERS)


def records(s: Scope) -> bool:
    return not s.roles & ADMIN_ROLES and bool(s.roles & RECORDERS)


def organization_department_ids(committee_id: int) -> set[int]:
    """The Organization Department: the department that hosts the joint-meeting office."""
    return set(
        Department.objects.filter(committee_id=committee_id, is_meeting_office=True).values_list(
            "pk", flat=True
        )
    )


def edits_settings(user: Any) -> bool:
    """Who changes the liaison settings: committee leaders and the staff of the
    Organization Department (which hosts the joint-meeting office and keeps the ledger)."""
    s = scope_of(user)
    if s.committee_id is None or s.roles & ADMIN_ROLES:
        return False
    if Role.COMMITTEE_LEADER in s.roles:
        return True
    if Role.COMMITTEE_STAFF not in s.roles or not s.department_ids:
        return False
    return bool(s.department_ids & organization_department_ids(s.committee_id))


class ContactRules(Rules):
    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if s.roles & ADMIN_ROLES:
            return qs.none()
        if s.roles & READERS:
            return qs
        if not s.unit_ids:
            return qs.none()
        reached = ContactUnit.objects.filter(unit_id__in=s.unit_ids).values("contact_id")
        return qs.filter(pk__in=reached)

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and records(s)

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.VIEW:
            return reads_all(s) or (not s.roles & ADMIN_ROLES and bool(s.unit_ids))
        if action is Action.CHANGE:
            return records(s)
        return False


class ReceiptRules(Rules):
    """A unit sees its own receipt of a letter, never another addressee's."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if s.roles & ADMIN_ROLES:
            return qs.none()
        if s.roles & READERS:
            return qs
        if not s.unit_ids:
            return qs.none()
        return qs.filter(unit_id__in=s.unit_ids)

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        # Signing for and answering: the unit's secretary and staff.
        return action is Action.CHANGE and obj.unit_id in s.editor_unit_ids

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.VIEW:
            return reads_all(s) or (not s.roles & ADMIN_ROLES and bool(s.unit_ids))
        return False


def register() -> None:
    """Give the policy the rules of the liaison models (from ``ready()``)."""
    policy.register(Contact, ContactRules())
    policy.register(ContactUnit, ChildOf("contact"))
    policy.register(ContactPerson, ChildOf("contact"))
    policy.register(Letter, ChildOf("contact"))
    policy.register(LetterReceipt, ReceiptRules())
