"""What the meeting's documents and the calendar address add to the shared pages: the
download buttons on a meeting's page (the notice and the minutes as Word, the attendance
sheet as Excel, each once the meeting has reached the step it needs), and the menu
entries "My calendar address" and "Document templates" under 联席会议."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.lib.ui import MENU_ENTRIES, RECORD_ACTIONS, MenuEntry, RecordAction
from heli.meetings import documents, sheets
from heli.meetings.access import edits_settings
from heli.meetings.models import JointMeeting

TARGET = JointMeeting._meta.label_lower


def sees_meetings(user: Any) -> bool:
    return can(user, Action.VIEW, JointMeeting)


def _offered(user: Any, meeting: Any, ready: bool, url_name: str) -> str:
    # The meeting's page is shown only to those who see the meeting; the download checks
    # that again. Here: is the document ready, and does this person read meetings at all.
    if not ready or not sees_meetings(user):
        return ""
    return reverse(url_name, args=[meeting.pk])


def notice_url(user: Any, meeting: Any) -> str:
    return _offered(user, meeting, documents.notice_available(meeting), "meetings:notice_docx")


def minutes_url(user: Any, meeting: Any) -> str:
    return _offered(user, meeting, documents.minutes_available(meeting), "meetings:minutes_docx")


def sheet_url(user: Any, meeting: Any) -> str:
    return _offered(user, meeting, sheets.attendance_available(meeting), "meetings:attendance_xlsx")


def register() -> None:
    """Register with the lower layers' registries (from ``ready()``)."""
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.notice_docx",
            TARGET,
            _("Notice (Word)"),
            notice_url,
            icon="bi-file-earmark-word",
            order=60,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.minutes_docx",
            TARGET,
            _("Minutes (Word)"),
            minutes_url,
            icon="bi-file-earmark-word",
            order=61,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.attendance_xlsx",
            TARGET,
            _("Attendance sheet (Excel)"),
            sheet_url,
            icon="bi-file-earmark-excel",
            order=62,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.feed",
            _("My calendar address"),
            "meetings:feed_settings",
            "meetings",
            "bi-calendar-plus",
            80,
            sees_meetings,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.doc_templates",
            _("Document templates"),
            "meetings:doc_templates",
            "meetings",
            "bi-file-earmark-richtext",
            90,
            edits_settings,
        )
    )
