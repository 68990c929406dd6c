"""What the minutes bring to the shared pages: the "Minutes" and "Decisions" panels and
the "write" and "approve" buttons on a meeting's page, and the approvers' home card of
minutes waiting for them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.accounts.policy import visible
from heli.lib.ui import (
    HOME_CARDS,
    RECORD_ACTIONS,
    RECORD_PANELS,
    HomeCard,
    RecordAction,
    RecordPanel,
)
from heli.meetings import access, minutes
from heli.meetings.models import JointMeeting

TARGET = "meetings.jointmeeting"
S = JointMeeting.Status
WITH_MINUTES = (S.HELD, S.MINUTES_APPROVED)


def _sees(request: Any, meeting: JointMeeting) -> bool:
    return bool(visible(request.user, JointMeeting).filter(pk=meeting.pk).exists())


def minutes_panel(request: Any, meeting: JointMeeting) -> dict[str, Any] | None:
    """Each topic's outcome, once the meeting is held. Two queries."""
    if meeting.status not in WITH_MINUTES or not _sees(request, meeting):
        return None
    items = list(minutes.agenda_of(meeting))
    writes = meeting.status == S.HELD and access.manages(request.user, meeting)
    return {
        "meeting": meeting,
        "items": items,
        "recorded": sum(1 for i in items if i.outcome),
        "approved": meeting.status == S.MINUTES_APPROVED,
        "more_url": reverse("meetings:minutes", args=[meeting.pk]),
        "more_label": _("Write the minutes") if writes else _("Open the minutes"),
    }


def decisions_panel(request: Any, meeting: JointMeeting) -> dict[str, Any] | None:
    """The meeting's decisions: numbers, titles and their tasks' states. Four queries,
    however many decisions."""
    from heli.meetings.minutes_views import decision_rows, records_decisions

    if meeting.status not in WITH_MINUTES or not _sees(request, meeting):
        return None
    rows = decision_rows(request, meeting)
    records = meeting.status == S.HELD and records_decisions(request.user, meeting)
    return {
        "rows": rows,
        "approved": meeting.status == S.MINUTES_APPROVED,
        "today": timezone.localdate(),
        "new_url": reverse("meetings:decision_new", args=[meeting.pk]) if records else "",
        "more_url": reverse("meetings:minutes", args=[meeting.pk]) + "#decisions",
        "more_label": _("All in the minutes"),
    }


def _write_url(user: Any, meeting: JointMeeting) -> str:
    if meeting.status != S.HELD or not access.manages(user, meeting):
        return ""
    return reverse("meetings:minutes", args=[meeting.pk])


def _approve_url(user: Any, meeting: JointMeeting) -> str:
    if meeting.status != S.HELD or not access.approves(user):
        return ""
    if getattr(user, "committee_id", None) != meeting.committee_id:
        return ""
    return reverse("meetings:minutes", args=[meeting.pk]) + "#approve"


def waiting_card(request: Any) -> dict[str, Any] | None:
    """For the approvers: how many minutes wait for approval (the count opens exactly
    their list). Three queries at most; nothing when none wait."""
    if not access.approves(request.user):
        return None
    count = minutes.waiting_for_approval(visible(request.user, JointMeeting)).count()
    if not count:
        return None
    return {"count": count, "url": reverse("meetings:minutes_waiting")}


def register() -> None:
    """Register with the lower layers' registries (from ``ready()``)."""
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.minutes",
            TARGET,
            gettext_lazy("Minutes"),
            "meetings/minutes_panel.html",
            minutes_panel,
            order=30,
        )
    )
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.decisions",
            TARGET,
            gettext_lazy("Decisions"),
            "meetings/decision_panel.html",
            decisions_panel,
            order=40,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.write_minutes",
            TARGET,
            gettext_lazy("Write the minutes"),
            _write_url,
            icon="bi-journal-text",
            order=30,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.approve_minutes",
            TARGET,
            gettext_lazy("Approve the minutes"),
            _approve_url,
            icon="bi-journal-check",
            order=31,
        )
    )
    HOME_CARDS.register(
        HomeCard("meetings.minutes_waiting", "meetings/minutes_home_card.html", waiting_card, 25)
    )
