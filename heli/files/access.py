"""Who sees and adds files, and fetching a file for a user (or 404).

A file belongs to a record (a task, later a contact or a meeting) and is seen exactly by
those who may see that record: the areas whose records own files register their kinds
with :func:`register_owner`. Files of no record belong to a unit (or the committee): the
committee's business roles read them all, a unit's people their unit's. The three
administrators read no business file (三员分立).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from heli.accounts import policy
from heli.accounts.models import ADMIN_ROLES, Role
from heli.accounts.policy import Action, Rules, Scope, visible
from heli.files.models import Attachment

# Committee roles that read every business file of the committee, and those that add
# files to any unit's records. The three administrators are in neither (三员分立).
FILE_READERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})
FILE_WRITERS = frozenset({Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})

# Labels ("tracking.task") of the kinds of record that own files.
_OWNERS: set[str] = set()


def register_owner(model: type[Model]) -> None:
    """Files of ``model``'s records are seen by whoever sees the record (from ``ready()``)."""
    _OWNERS.add(model._meta.label_lower)


def owners() -> list[str]:
    return sorted(_OWNERS)


class AttachmentRules(Rules):
    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if s.roles & ADMIN_ROLES:
            return qs.none()
        of_records = Q(pk__in=[])
        for label in sorted(_OWNERS):
            seen = visible(user, apps.get_model(label)).values("pk")
            of_records |= Q(record_type=label, record_id__in=seen)
        if s.roles & FILE_READERS:
            loose = Q(record_type="")
        elif s.unit_ids:
            loose = Q(record_type="", unit_id__in=s.unit_ids)
        else:
            loose = Q(pk__in=[])
        return qs.filter(of_records | loose)

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and may_add_files(s, obj.unit_id)

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        return action in (Action.VIEW, Action.CHANGE) and handles_files(s)


def register() -> None:
    policy.register(Attachment, AttachmentRules())


def handles_files(s: Scope) -> bool:
    """Whether the user reads or adds files at all (the menu and the upload form ask)."""
    return not s.roles & ADMIN_ROLES and bool(s.roles & FILE_READERS or s.unit_ids)


def may_add_files(s: Scope, unit_id: int | None) -> bool:
    """Adding a file to a unit's records (or, with no unit, to the committee's)."""
    if s.roles & ADMIN_ROLES:
        return False
    if s.roles & FILE_WRITERS:
        return True
    return unit_id is not None and unit_id in s.unit_ids


def get_attachment_for_user(user: Any, pk: int) -> Attachment:
    attachment = visible(user, Attachment).filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment
