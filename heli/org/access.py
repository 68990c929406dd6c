"""Fetching registry objects for a user: the object, or 404 if the user may not see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from heli.accounts.policy import permissions, visible
from heli.audit.actions import record_hidden_lookup
from heli.org.models import Group, GroupYear, Unit

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Access(Generic[M]):
    """An object the user may see, with the actions they may take on it."""

    obj: M
    perms: frozenset[str]

    def __contains__(self, action: object) -> bool:
        return action in self.perms


def _get(user: Any, queryset: QuerySet[M], pk: int) -> Access[M]:
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        # Still a 404 to the user, so existence does not leak; the auditor sees a refusal.
        record_hidden_lookup(user, queryset.model, pk)
        raise Http404
    return Access(obj, permissions(user, obj))


def get_unit_for_user(user: Any, pk: int) -> Access[Unit]:
    qs = visible(user, Unit).select_related("successor", "organ_party_org__secretary")
    return _get(user, qs, pk)


def get_group_for_user(user: Any, pk: int) -> Access[Group]:
    return _get(user, visible(user, Group), pk)


def get_group_year_for_user(user: Any, pk: int) -> Access[GroupYear]:
    return _get(user, visible(user, GroupYear).select_related("group"), pk)
