"""What the meetings bring to the shared pages: the menu section "meetings" (联席会议) with
the meeting list, "plan a meeting" and the settings; two home cards — the coming meetings
of a person's groups, and the meetings waiting for a manager's or approver's step — and a
panel of the group's meetings of the year on a group's page."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.accounts.models import ADMIN_ROLES
from heli.accounts.policy import Action, can, scope_of, visible
from heli.lib.dates import current_year
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    MENU_SECTIONS,
    RECORD_PANELS,
    HomeCard,
    MenuEntry,
    MenuSection,
    RecordPanel,
)
from heli.meetings import access
from heli.meetings.models import JointMeeting
from heli.org.models import GroupMembership

S = JointMeeting.Status
# How far ahead the home card looks, and how many meetings it names.
UPCOMING_DAYS = 60
UPCOMING_SHOWN = 5
# How many of a group's meetings of the year its page lists.
GROUP_PANEL_SHOWN = 20


def sees_meetings(user: Any) -> bool:
    return can(user, Action.VIEW, JointMeeting)


def plans_meetings(user: Any) -> bool:
    return can(user, Action.CHANGE, JointMeeting)


def upcoming_card(request: Any) -> dict[str, Any] | None:
    """The meetings of the next 60 days of the person's groups: a unit's people see their
    units' groups', a liaison leader the groups they are liaison for. One query."""
    user = request.user
    s = scope_of(user)
    if s.committee_id is None or s.roles & ADMIN_ROLES:
        return None
    now = timezone.now()
    rows = visible(user, JointMeeting).filter(
        starts_at__gte=now - datetime.timedelta(hours=12),
        starts_at__lte=now + datetime.timedelta(days=UPCOMING_DAYS),
        status__in=[S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT],
    )
    if s.unit_ids and not s.roles & access.READERS:
        mine = GroupMembership.objects.filter(unit_id__in=sorted(s.unit_ids)).values(
            "group_year_id"
        )
        rows = rows.filter(group_year_id__in=mine)
    elif s.roles & access.READERS:
        rows = rows.filter(group_year__liaison_leader=user)
    else:
        return None
    shown = list(rows.select_related("group", "host").order_by("starts_at", "id")[:UPCOMING_SHOWN])
    if not shown:
        return None
    return {
        "meetings": shown,
        "days": UPCOMING_DAYS,
        "list_url": reverse("meetings:meeting_list"),
    }


def waiting_card(request: Any) -> dict[str, Any] | None:
    """The meetings waiting for this person's step, each count opening exactly those
    meetings: plans to approve, notices to send, meetings to mark held. One query."""
    from heli.meetings.meeting_views import waiting_filters, waiting_labels, waiting_url

    user = request.user
    waits = waiting_filters(user)
    if not waits:
        return None
    counts = visible(user, JointMeeting).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in waits.items()}
    )
    if not any(counts.values()):
        return None
    labels = waiting_labels()
    return {
        "counts": [
            {"key": key, "label": labels[key], "count": counts[key], "url": waiting_url(key)}
            for key in waits
        ]
    }


def group_panel(request: Any, group: Any) -> dict[str, Any] | None:
    """A group's meetings of this work year, with their status (for those who see them)."""
    user = request.user
    if not sees_meetings(user) or group.committee_id != scope_of(user).committee_id:
        return None
    year = current_year()
    rows = list(
        visible(user, JointMeeting)
        .filter(group_id=group.pk, year=year)
        .select_related("host")
        .order_by("starts_at", "id")[:GROUP_PANEL_SHOWN]
    )
    return {
        "title": _("Joint meetings of %(year)s") % {"year": year},
        "meetings": rows,
        "more_url": f"{reverse('meetings:meeting_list')}?year={year}&group={group.pk}",
        "more_label": _("All the group's meetings"),
        "plan_url": (
            f"{reverse('meetings:meeting_new')}?group={group.pk}&year={year}"
            if plans_meetings(user)
            else ""
        ),
    }


def register() -> None:
    """Register with the lower layers' registries (from ``ready()``)."""
    # Between the liaison's section (order 30) and the battle map's (40).
    MENU_SECTIONS.register(MenuSection("meetings", _("Joint meetings"), order=35))
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.meetings",
            _("Meetings"),
            "meetings:meeting_list",
            "meetings",
            "bi-people",
            10,
            sees_meetings,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.plan",
            _("Plan a meeting"),
            "meetings:meeting_new",
            "meetings",
            "bi-calendar-plus",
            20,
            plans_meetings,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.settings",
            _("Settings"),
            "meetings:settings",
            "meetings",
            "bi-sliders",
            90,
            access.edits_settings,
        )
    )
    HOME_CARDS.register(
        HomeCard("meetings.waiting", "meetings/meeting_home_waiting.html", waiting_card, 15)
    )
    HOME_CARDS.register(
        HomeCard("meetings.upcoming", "meetings/meeting_home_upcoming.html", upcoming_card, 35)
    )
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.group_meetings",
            "org.group",
            _("Joint meetings"),
            "meetings/meeting_group_panel.html",
            group_panel,
            order=30,
        )
    )
