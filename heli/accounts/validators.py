"""Password rules that follow the user's committee policy (等保 2.0 三级 by default).

Django runs these through ``AUTH_PASSWORD_VALIDATORS``. Each reads the policy of the
committee of the user the password is for, or the defaults when there is no user or
no policy row.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import (
    CommonPasswordValidator as DjangoCommonPasswordValidator,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from heli.accounts.models import PasswordHistory, SecurityPolicy, policy_for_user

# The four kinds of character a password draws on.
CLASSES = 4


def character_classes(password: str) -> int:
    """How many of: lower-case letters, upper-case letters, digits, anything else."""
    lower = any(c in string.ascii_lowercase for c in password)
    upper = any(c in string.ascii_uppercase for c in password)
    digit = any(c in string.digits for c in password)
    other = any(not (c in string.ascii_letters or c in string.digits) for c in password)
    return sum((lower, upper, digit, other))


def rules_text(policy: SecurityPolicy) -> list[str]:
    """The rules a new password must follow, one sentence each, for the forms."""
    return [
        _("At least %(count)d characters.") % {"count": policy.min_length},
        _(
            "At least %(count)d of these four kinds: lower-case letters, upper-case "
            "letters, digits, other characters."
        )
        % {"count": policy.min_classes},
        _("Must not contain your username."),
        _("Must not be a common password, with or without digits or symbols added."),
        _("Must differ from your last %(count)d passwords.") % {"count": policy.history},
        _("Expires after %(days)d days.") % {"days": policy.max_age_days},
    ]


class PolicyMinimumLengthValidator:
    """At least the committee's minimum number of characters (8 by default)."""

    def validate(self, password: str, user: Any = None) -> None:
        minimum = policy_for_user(user).min_length
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d "
                    "character.",
                    "This password is too short. It must contain at least %(min_length)d "
                    "characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        return _("At least %(count)d characters.") % {"count": SecurityPolicy().min_length}


class CharacterClassesValidator:
    """Characters from at least the committee's number of classes (3 of 4 by default)."""

    def validate(self, password: str, user: Any = None) -> None:
        required = policy_for_user(user).min_classes
        found = character_classes(password)
        if found < required:
            raise ValidationError(
                _(
                    "This password uses %(found)d kinds of character. Use at least "
                    "%(required)d of these four: lower-case letters, upper-case letters, "
                    "digits, other characters."
                ),
                code="password_too_few_classes",
                params={"found": found, "required": required},
            )

    def get_help_text(self) -> str:
        return _(
            "At least %(count)d of these four kinds: lower-case letters, upper-case "
            "letters, digits, other characters."
        ) % {"count": SecurityPolicy().min_classes}


class NotContainingUsernameValidator:
    """The password may not contain the username, in any mix of cases."""

    def validate(self, password: str, user: Any = None) -> None:
        username = user.get_username() if user is not None else ""
        if username and username.casefold() in password.casefold():
            raise ValidationError(
                _("The password must not contain the username."),
                code="password_contains_username",
            )

    def get_help_text(self) -> str:
        return _("Must not contain your username.")


class PasswordHistoryValidator:
    """Not the current password, nor one of the user's last N (5 by default).

    The history holds every password set through ``set_password`` (the current one
    included); see ``User.save``. Accounts made in bulk (the demonstration data) have no
    history yet, so the current password is checked on its own as well: a password
    cannot be "changed" to itself.
    """

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        count = policy_for_user(user).history
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                :count
            ]
        )
        current = getattr(user, "password", "")
        if current and current not in hashes and check_password(password, current):
            raise ValidationError(
                _("This is your current password. Choose a new one."),
                code="password_unchanged",
            )
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                # The policy keeps at least 5 (a database check), so always plural.
                _(
                    "This password is one of your last %(count)d passwords. Choose one "
                    "you have not used."
                ),
                code="password_reused",
                params={"count": count},
            )

    def get_help_text(self) -> str:
        return _("Must differ from your last %(count)d passwords.") % {
            "count": SecurityPolicy().history
        }


# What people add around a common password to pass the character-class rules.
_DECORATION = string.digits + string.punctuation + " "
# A common word with only digits and symbols added counts from this length on.
_SHORTEST_BASE = 4


def common_password_candidates(password: str) -> set[str]:
    """The forms of ``password`` looked up in the common-password list.

    The list (Django's, of 20,000 passwords from public breach corpora, updated with
    Django) holds them in lower case and mostly bare: ``passw0rd``, ``qwerty123``. The
    rules here make people add capitals, digits and symbols, so ``Passw0rd!`` and
    ``Qwerty123!`` would slip through a plain lookup. So: case folded; symbols at either
    end removed; and the word left once digits and symbols at either end are removed.
    """
    folded = password.casefold()
    candidates = {folded, folded.strip(string.punctuation + " ")}
    base = folded.strip(_DECORATION)
    if len(base) >= _SHORTEST_BASE:
        candidates.add(base)
    return candidates


class CommonPasswordValidator(DjangoCommonPasswordValidator):
    """Not a common password, nor one with only digits or symbols added around one."""

    def validate(self, password: str, user: Any = None) -> None:
        if common_password_candidates(password) & self.passwords:
            raise ValidationError(
                _(
                    "This password is too common: it is a well-known password, or one with "
                    "only capitals, digits or symbols added. Choose one that is harder to "
                    "guess, for example several unrelated words."
                ),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Must not be a common password.")


# No look-alikes (0/O, 1/l/I) in passwords an administrator reads out to someone.
_ALPHABETS = (
    "abcdefghijkmnpqrstuvwxyz",
    "ABCDEFGHJKLMNPQRSTUVWXYZ",
    "23456789",
    "@#%+=?!",
)


def generate_password(policy: SecurityPolicy, username: str = "") -> str:
    """A random one-time password that meets ``policy``: every class, at least 12 long."""
    length = max(policy.min_length, 12)
    everything = "".join(_ALPHABETS)
    while True:
        chars = [secrets.choice(alphabet) for alphabet in _ALPHABETS]
        chars += [secrets.choice(everything) for _ in range(length - len(chars))]
        # Fisher-Yates with a cryptographic source: the class order must not be fixed.
        for i in range(len(chars) - 1, 0, -1):
            j = secrets.randbelow(i + 1)
            chars[i], chars[j] = chars[j], chars[i]
        password = "".join(chars)
        if not username or username.casefold() not in password.casefold():
            return password
