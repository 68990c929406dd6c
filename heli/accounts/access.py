"""Fetching accounts for an administrator: the account, or 404 if it may not be reached."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from heli.accounts.models import User
from heli.accounts.policy import Action, can, permissions, visible
from heli.org.access import Access


def keeps_accounts(user: Any) -> bool:
    """The people pages are the sysadmin's (accounts) and the secadmin's (roles)."""
    return can(user, Action.MANAGE_ACCOUNTS, User) or can(user, Action.MANAGE_ROLES, User)


def get_person_for_user(user: Any, pk: int) -> Access[User]:
    """An account of the user's committee, with what the administrator may do to it."""
    if not keeps_accounts(user):
        raise Http404
    person = visible(user, User).filter(pk=pk).first()
    if person is None:
        raise Http404
    return Access(person, permissions(user, person))
