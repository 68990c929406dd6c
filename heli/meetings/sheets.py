"""The meeting's attendance sheet (签到表) as a workbook laid out to be filed, like the battle
map's exports (:class:`heli.lib.xlsx.FiledBook`): a title, the line saying when, by whom and
for which meeting it was made, then one bordered row per seat under a frozen header —
seat, unit, person and post, the reply to the notice, the substitute, the sign-in, and an
empty column for signing on paper. Printed landscape on A4, fitted to the width, the header
row on every page.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from heli.lib import xlsx
from heli.meetings.documents import meeting_name, meeting_time, ordered_seats
from heli.meetings.models import Attendance, JointMeeting

S = JointMeeting.Status
# From the notice on every member unit has its seat; a cancelled meeting has no sheet.
SHEET_FROM = frozenset({S.NOTICE_SENT, S.HELD, S.MINUTES_APPROVED})
# The signature column is wide enough, and every row tall enough, for a name written by
# hand (points).
SIGNATURE_WIDTH = 26
SIGNING_HEIGHT = 36


def attendance_available(meeting: JointMeeting) -> bool:
    return meeting.status in SHEET_FROM


def columns() -> list[xlsx.Column]:
    return [
        xlsx.Column(_("Seat"), 6),
        xlsx.Column(_("Unit"), 24, wrap=True),
        xlsx.Column(_("Person and post"), 20, wrap=True),
        xlsx.Column(_("Reply to the notice"), 12, wrap=True),
        xlsx.Column(_("Substitute and post"), 18, wrap=True),
        xlsx.Column(_("Sign-in"), 12, wrap=True),
        xlsx.Column(_("Signature"), SIGNATURE_WIDTH),
        xlsx.Column(_("Note"), 20, wrap=True),
    ]


def sheet_title(meeting: JointMeeting) -> str:
    return _("Attendance sheet of %(meeting)s") % {"meeting": meeting_name(meeting)}


def _person(name: str, post: str) -> str:
    return "\n".join(part for part in (name, post) if part)


def seat_values(number: int, seat: Attendance) -> list[object]:
    unit = seat.unit.name if seat.unit is not None else _("Committee (liaison leader)")
    name = seat.name or (seat.user.get_full_name() if seat.user is not None else "")
    reply = str(seat.get_reply_display())
    substitute = (
        _person(seat.substitute_name, seat.substitute_post)
        if seat.reply == Attendance.Reply.SUBSTITUTE
        or seat.presence == Attendance.Presence.SUBSTITUTE
        else ""
    )
    presence = str(seat.get_presence_display()) if seat.presence else ""
    note = "；".join(n for n in (seat.reply_note, seat.presence_note) if n)
    return [
        xlsx.Styled(number, alignment=xlsx.CENTRED),
        unit,
        _person(name, seat.post),
        reply,
        substitute,
        presence,
        "",
        note,
    ]


def meeting_facts(meeting: JointMeeting) -> list[tuple[str, str]]:
    """What the "made" line names: the meeting, its time, its place and its host."""
    return [
        (_("Time"), meeting_time(meeting)),
        (_("Place"), meeting.place),
        (_("Host unit"), meeting.host.name),
    ]


def attendance_book(
    meeting: JointMeeting, *, made_by: str = "", made_at: datetime.datetime | None = None
) -> tuple[xlsx.FiledBook, int]:
    """The attendance sheet of ``meeting`` and how many seats it lists."""
    book = xlsx.FiledBook()
    sheet = book.sheet(
        _("Attendance sheet"),
        title=sheet_title(meeting),
        columns=columns(),
        filters=meeting_facts(meeting),
        made_by=made_by,
        made_at=made_at or timezone.now(),
        repeat_first_column=False,
    )
    for number, seat in enumerate(ordered_seats(meeting), start=1):
        sheet.append(seat_values(number, seat), min_height=SIGNING_HEIGHT)
    return book, sheet.rows
