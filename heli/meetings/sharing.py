"""Sharing a meeting with all groups (互相学习): good practice travels between the groups.

A manager of the meeting (the office, or a lead unit's secretary of its group in the year
it leads) shares a meeting whose minutes are approved, with a note on what the other
groups may learn from it. From then on every unit of the committee reads the meeting —
its minutes, agenda, materials and decisions (``MeetingRules`` treats ``shared_at`` as
visible to all) — and the lead units of every other group are told. Sharing can be taken
back with a reason; both steps are audited.

Each action is one transaction; a refusal is a ``ValidationError`` whose message says
what is wrong and how to put it right, and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.audit import events
from heli.audit.actions import record
from heli.lib.dates import current_year
from heli.lib.versioning import StaleEdit, update_versioned
from heli.meetings import people
from heli.meetings.access import manages
from heli.meetings.models import JointMeeting
from heli.notifications.actions import notify
from heli.org.models import Committee, GroupYear

KIND_SHARED = "meetings.shared"
NOTE_MAX = 2000
REASON_MAX = 1000


def may_share(user: Any, meeting: JointMeeting) -> bool:
    """Whether ``user`` may share (or stop sharing) this meeting: its managers."""
    return manages(user, meeting)


def can_be_shared(meeting: JointMeeting) -> bool:
    """Only a meeting whose minutes are approved has something to share."""
    return meeting.status == JointMeeting.Status.MINUTES_APPROVED


def offers_share(user: Any, meeting: JointMeeting) -> bool:
    """Whether the "share with all groups" button is for this person now."""
    return meeting.shared_at is None and can_be_shared(meeting) and may_share(user, meeting)


def _check_manager(meeting: JointMeeting, by: Any) -> None:
    if not may_share(by, meeting):
        raise ValidationError(
            _(
                "Only the joint-meeting office and the secretaries of this group's lead units "
                "of the year can share its meetings with all groups."
            ),
            code="not_allowed",
        )


def _locked(meeting: JointMeeting, version: int | None) -> JointMeeting:
    locked = (
        JointMeeting.objects.select_for_update()
        .select_related("group", "group_year")
        .get(pk=meeting.pk)
    )
    if version is not None and locked.version != version:
        raise StaleEdit()
    return locked


def recipients(meeting: JointMeeting) -> list[Any]:
    """Whom a share is told: the secretaries and staff of every other group's lead units
    in the current work year (the year's own, when that year has no groups yet)."""
    year = current_year()
    group_years = GroupYear.objects.filter(committee_id=meeting.committee_id, year=year)
    if not group_years.exists():
        group_years = GroupYear.objects.filter(committee_id=meeting.committee_id, year=meeting.year)
    found: list[Any] = []
    for gy in group_years.exclude(group_id=meeting.group_id).order_by("group__number"):
        found.extend(p for p in people.lead_people(gy) if p not in found)
    return found


def _tell(meeting: JointMeeting, by: Any) -> None:
    told = [p for p in recipients(meeting) if p.pk != getattr(by, "pk", None)]
    if not told:
        return
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "group": meeting.group.name,
            "title": meeting.title,
            "who": people.name_of(by),
        }
        title = _("%(group)s shared a meeting with all groups: %(title)s") % values
        body = (
            _(
                "%(who)s shared the minutes and materials of “%(title)s” so that every group "
                "can learn from them. What others may learn:"
            )
            % values
            + "\n"
            + meeting.shared_note
        )
    notify(
        Committee(pk=meeting.committee_id),
        KIND_SHARED,
        f"{KIND_SHARED}:{meeting.pk}",
        told,
        title=title,
        body=body,
        url=meeting.get_absolute_url(),
    )


def share_meeting(
    meeting: JointMeeting,
    by: Any,
    note: str,
    *,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Share the meeting with all groups, saying what others may learn from it."""
    _check_manager(meeting, by)
    note = (note or "").strip()
    if not note:
        raise ValidationError(
            {
                "note": [
                    _(
                        "Say what the other groups may learn from this meeting: a practice, "
                        "a method or a result worth copying."
                    )
                ]
            },
            code="no_note",
        )
    if len(note) > NOTE_MAX:
        raise ValidationError(
            {"note": [_("The note is at most %(max)s characters.") % {"max": NOTE_MAX}]},
            code="long_note",
        )
    with transaction.atomic():
        locked = _locked(meeting, version)
        if not can_be_shared(locked):
            raise ValidationError(
                _(
                    "Only a meeting whose minutes are approved can be shared. Approve the "
                    "minutes first, then share the meeting."
                ),
                code="not_approved",
            )
        if locked.shared_at is not None:
            raise ValidationError(
                _("This meeting is already shared with all groups."), code="already_shared"
            )
        update_versioned(
            locked,
            locked.version,
            {"shared_at": timezone.now(), "shared_by": by, "shared_note": note},
        )
        record(
            events.RECORD_UPDATED,
            request=request,
            user=by,
            obj=locked,
            detail={"step": "shared", "note": note},
        )
        _tell(locked, by)
    return locked


def unshare_meeting(
    meeting: JointMeeting,
    by: Any,
    reason: str,
    *,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Stop sharing the meeting: the other groups' units no longer read it. The note is
    kept, for sharing again."""
    _check_manager(meeting, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {
                "reason": [
                    _(
                        "Say why the meeting is no longer shared; the reason is kept in the "
                        "audit log."
                    )
                ]
            },
            code="no_reason",
        )
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("The reason is at most %(max)s characters.") % {"max": REASON_MAX}]},
            code="long_reason",
        )
    with transaction.atomic():
        locked = _locked(meeting, version)
        if locked.shared_at is None:
            raise ValidationError(
                _("This meeting is not shared with the other groups."), code="not_shared"
            )
        shared_at, shared_by = locked.shared_at, locked.shared_by_id
        update_versioned(locked, locked.version, {"shared_at": None, "shared_by": None})
        record(
            events.RECORD_UPDATED,
            request=request,
            user=by,
            obj=locked,
            detail={
                "step": "unshared",
                "reason": reason,
                "shared_at": shared_at,
                "shared_by": shared_by,
            },
        )
    return locked
