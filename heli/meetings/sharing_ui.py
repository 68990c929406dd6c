"""What sharing brings to the shared pages: the "Shared practice" entry of the joint
meetings menu, the sharing panel and the "share with all groups" button on a meeting's
page, and (through :mod:`heli.meetings.search`) topics and meetings as search documents."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can
from heli.lib.ui import (
    MENU_ENTRIES,
    RECORD_ACTIONS,
    RECORD_PANELS,
    MenuEntry,
    RecordAction,
    RecordPanel,
)
from heli.meetings import search, sharing
from heli.meetings.models import JointMeeting

TARGET = JointMeeting._meta.label_lower


def sees_meetings(user: Any) -> bool:
    return can(user, Action.VIEW, JointMeeting)


def _share_button(user: Any, meeting: JointMeeting) -> str:
    if not sharing.offers_share(user, meeting):
        return ""
    return reverse("meetings:share", args=[meeting.pk])


def sharing_panel(request: Any, meeting: JointMeeting) -> dict[str, Any] | None:
    """The meeting's sharing status and note: for everyone once it is shared; before, only
    for those who may share it (what sharing means, and when it becomes possible)."""
    manager = sharing.may_share(request.user, meeting)
    if meeting.shared_at is None and not manager:
        return None
    return {
        "title": _("Shared with all groups")
        if meeting.shared_at is not None
        else _("Sharing with all groups"),
        "meeting": meeting,
        "shared": meeting.shared_at is not None,
        "manager": manager,
        "can_be_shared": sharing.can_be_shared(meeting),
        "share_url": reverse("meetings:share", args=[meeting.pk]) if manager else "",
        "more_url": reverse("meetings:shared"),
        "more_label": _("Shared practice of all groups"),
    }


def register() -> None:
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.shared",
            _("Shared practice"),
            "meetings:shared",
            "meetings",
            "bi-share",
            80,
            sees_meetings,
        )
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.share",
            TARGET,
            _("Share with all groups"),
            _share_button,
            icon="bi-share",
            order=50,
        )
    )
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.sharing",
            TARGET,
            _("Shared with all groups"),
            "meetings/shared_panel.html",
            sharing_panel,
            order=50,
        )
    )
    search.register()
