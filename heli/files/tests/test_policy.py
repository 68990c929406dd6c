"""The policy for files: who sees which attachment, who may add one where."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.models import AnonymousUser

from heli.accounts.models import Role
from heli.accounts.policy import Action, can, permissions, visible
from heli.files.actions import store_upload
from heli.files.models import Attachment
from heli.files.tests import samples
from heli.files.tests.samples import upload
from heli.org.models import Committee, Unit
from heli.testing import WORLD_USERS, World, grant, make_user

SUBJECTS = WORLD_USERS
COMMITTEE_ALL = frozenset({"unit0", "unit1", "unit2", "unit3", "committee"})
# What each person sees. units[0] leads group 1 this year, which gives its secretary the
# registry of units[1] — but not units[1]'s files.
VISIBLE = {
    "leader": COMMITTEE_ALL,
    "staff": COMMITTEE_ALL,
    "office": COMMITTEE_ALL,
    "sysadmin": frozenset(),
    "secadmin": frozenset(),
    "auditor": frozenset(),
    "unit0_leadership": frozenset({"unit0"}),
    "unit0_secretary": frozenset({"unit0"}),
    "unit0_staff": frozenset({"unit0"}),
    "unit2_secretary": frozenset({"unit2"}),
    "unit2_staff": frozenset({"unit2"}),
    "outsider": frozenset({"other"}),
    "nobody": frozenset(),
}
# Where each person may add files (the owner of a new attachment).
ADDS_TO = {
    "staff": COMMITTEE_ALL,
    "office": COMMITTEE_ALL,
    "unit0_leadership": frozenset({"unit0"}),
    "unit0_secretary": frozenset({"unit0"}),
    "unit0_staff": frozenset({"unit0"}),
    "unit2_secretary": frozenset({"unit2"}),
    "unit2_staff": frozenset({"unit2"}),
    # The outsider leads the other committee: leaders read files, they do not add them.
}


def files_by_label(world: World) -> dict[str, Attachment]:
    owners: dict[str, tuple[Committee, Unit | None]] = {
        f"unit{i}": (world.committee, unit) for i, unit in enumerate(world.units)
    }
    owners["committee"] = (world.committee, None)
    owners["other"] = (world.other_committee, world.other_unit)
    return {
        label: store_upload(
            upload(f"{label}.pdf", samples.PDF),
            committee=committee,
            unit=unit,
            by=world.user("outsider" if label == "other" else "staff"),
        )
        for label, (committee, unit) in owners.items()
    }


def test_who_sees_which_file(world: World, storage: Path) -> None:
    files = files_by_label(world)
    labels = {f.pk: label for label, f in files.items()}
    wrong = {}
    for subject in SUBJECTS:
        user = world.user(subject)
        seen = {labels[pk] for pk in visible(user, Attachment).values_list("pk", flat=True)}
        by_can = {label for label, f in files.items() if can(user, Action.VIEW, f)}
        if seen != VISIBLE[subject] or by_can != VISIBLE[subject]:
            wrong[subject] = (seen, by_can)
    assert wrong == {}


def test_who_may_add_files_where(world: World, storage: Path) -> None:
    owners: dict[str, tuple[Committee, Unit | None]] = {
        f"unit{i}": (world.committee, unit) for i, unit in enumerate(world.units)
    }
    owners["committee"] = (world.committee, None)
    owners["other"] = (world.other_committee, world.other_unit)
    wrong = {}
    for subject in SUBJECTS:
        user = world.user(subject)
        allowed = {
            label
            for label, (committee, unit) in owners.items()
            if can(user, Action.CHANGE, Attachment(committee=committee, unit=unit))
        }
        if allowed != ADDS_TO.get(subject, frozenset()):
            wrong[subject] = allowed
    assert wrong == {}


def test_kind_wide_answers(world: World, storage: Path) -> None:
    for subject in SUBJECTS:
        user = world.user(subject)
        handles = subject not in ("sysadmin", "secadmin", "auditor", "nobody")
        assert can(user, Action.VIEW, Attachment) is handles, subject
        assert can(user, Action.CHANGE, Attachment) is handles, subject
        assert not can(user, Action.IMPORT, Attachment), subject
    anonymous = AnonymousUser()
    assert not can(anonymous, Action.VIEW, Attachment)
    assert visible(anonymous, Attachment).query.is_empty()


def test_an_administrator_with_a_business_role_still_reads_no_files(
    world: World, storage: Path
) -> None:
    # 三员分立: holding an administrator role closes the business files, whatever else is held.
    files = files_by_label(world)
    sysadmin = world.user("sysadmin")
    grant(sysadmin, Role.COMMITTEE_LEADER)
    assert not visible(sysadmin, Attachment).exists()
    assert not can(sysadmin, Action.VIEW, files["unit0"])
    assert permissions(sysadmin, files["unit0"]) == frozenset()


def test_an_inactive_user_sees_no_files(world: World, storage: Path) -> None:
    files = files_by_label(world)
    inactive = make_user(world.committee, "gone", is_active=False)
    grant(inactive, Role.COMMITTEE_LEADER)
    assert not visible(inactive, Attachment).exists()
    assert not can(inactive, Action.VIEW, files["committee"])
