"""What replies and sign-in add to the shared pages: the meeting page's panel of seats
(replies and sign-in) and its buttons (answer the notice, the sign-in sheet, the QR code),
and the home card of the notices waiting for a unit's answer."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from heli.accounts.models import Role
from heli.accounts.policy import scope_of
from heli.lib.ui import (
    HOME_CARDS,
    RECORD_ACTIONS,
    RECORD_PANELS,
    HomeCard,
    RecordAction,
    RecordPanel,
)
from heli.meetings import attendance
from heli.meetings.access import answers_for, manages
from heli.meetings.models import JointMeeting

TARGET = "meetings.jointmeeting"
# The home card lists this many notices; the rest are counted.
HOME_NOTICES = 5


def seats_panel(request: Any, meeting: JointMeeting) -> dict[str, Any] | None:
    """Every seat of the meeting — unit, person, reply, sign-in — with the counts, for
    whoever sees the meeting; nothing before the notice makes the seats. One query."""
    seats = list(attendance.seats_of(meeting))
    if not seats:
        return None
    counts = attendance.count_seats(seats)
    context: dict[str, Any] = {
        "seats": seats,
        "counts": counts,
        "signed": counts["unsigned"] < counts["expected"]
        or meeting.status != JointMeeting.Status.NOTICE_SENT,
    }
    user = request.user
    if manages(user, meeting) and meeting.status in attendance.SIGN_IN_STATUSES:
        context["more_url"] = reverse("meetings:attendance", args=[meeting.pk])
        context["more_label"] = gettext("Sign-in sheet")
    elif not attendance.reply_refusal(meeting) and any(answers_for(user, seat) for seat in seats):
        context["more_url"] = reverse("meetings:reply", args=[meeting.pk])
        context["more_label"] = gettext("Answer the notice")
    return context


def _answer_url(user: Any, meeting: JointMeeting) -> str:
    if attendance.reply_refusal(meeting):
        return ""
    if not attendance.answerable_seats(user, meeting):
        return ""
    return reverse("meetings:reply", args=[meeting.pk])


def _sheet_url(user: Any, meeting: JointMeeting) -> str:
    if meeting.status not in attendance.SIGN_IN_STATUSES or not manages(user, meeting):
        return ""
    return reverse("meetings:attendance", args=[meeting.pk])


def _qr_url(user: Any, meeting: JointMeeting) -> str:
    if not meeting.checkin_token or not _sheet_url(user, meeting):
        return ""
    return reverse("meetings:checkin_qr", args=[meeting.pk])


def notices_card(request: Any) -> dict[str, Any] | None:
    """A unit's secretary or staff (and the liaison leader): the notices waiting for their
    answer, each opening its reply page. Two queries at most (the seats, and their count
    when there are more than the card lists)."""
    user = request.user
    s = scope_of(user)
    if s.committee_id is None or not (s.editor_unit_ids or Role.COMMITTEE_LEADER in s.roles):
        return None
    pending = attendance.pending_notices(user)
    seats = list(
        pending.select_related("meeting", "unit").order_by(
            "meeting__starts_at", "meeting_id", "id"
        )[: HOME_NOTICES + 1]
    )
    if not seats:
        return None
    total = len(seats) if len(seats) <= HOME_NOTICES else pending.count()
    items = [
        {
            "meeting": seat.meeting,
            "label": attendance.seat_label(seat),
            "starts": attendance.moment(seat.meeting.starts_at),
            "url": reverse("meetings:reply", args=[seat.meeting_id]),
        }
        for seat in seats[:HOME_NOTICES]
    ]
    return {"total": total, "items": items, "more": total - len(items)}


def register() -> None:
    """Register with the lower layers' registries (from ``ready()``)."""
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.attendance",
            TARGET,
            _("Replies and sign-in"),
            "meetings/attendance_panel.html",
            seats_panel,
            order=20,
        )
    )
    for code, label, url, icon, order in (
        ("meetings.reply", _("Answer the notice"), _answer_url, "bi-reply", 20),
        ("meetings.attendance", _("Sign-in sheet"), _sheet_url, "bi-list-check", 21),
        ("meetings.checkin_qr", _("QR sign-in"), _qr_url, "bi-qr-code", 22),
    ):
        RECORD_ACTIONS.register(RecordAction(code, TARGET, label, url, icon=icon, order=order))
    HOME_CARDS.register(
        HomeCard("meetings.notices", "meetings/attendance_home_card.html", notices_card, 25)
    )
