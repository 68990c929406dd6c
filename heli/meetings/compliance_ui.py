"""What the calendar and the compliance view add to the shared pages: their entries in
the "Joint meetings" menu, and a home-page card of the groups behind this year for the
committee's readers and for the people of the lead units."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import scope_of
from heli.lib.ui import HOME_CARDS, MENU_ENTRIES, HomeCard, MenuEntry
from heli.meetings import compliance
from heli.meetings.access import reads_all
from heli.meetings.calendar_views import page_url, sees_calendar
from heli.meetings.compliance_views import sees_compliance
from heli.org.models import GroupMembership


def _lead_group_years(user: Any, committee_id: int, year: int) -> list[int]:
    """The group years of ``year`` that the user's units (as secretary or staff) lead."""
    s = scope_of(user)
    if not s.editor_unit_ids:
        return []
    return list(
        GroupMembership.objects.filter(
            committee_id=committee_id, year=year, unit_id__in=s.editor_unit_ids, is_lead=True
        ).values_list("group_year_id", flat=True)
    )


def behind_card(request: Any) -> dict[str, Any] | None:
    """This year's groups behind (amber) and missed (red), each count opening the
    compliance view filtered to exactly those. For the committee's readers every group;
    for a lead unit's people their group. At most four queries (the settings, the lead
    units, the counts in one aggregate); nothing when no group is behind."""
    user = request.user
    s = scope_of(user)
    if reads_all(s):
        ids: list[int] | None = None
    else:
        if not s.editor_unit_ids:
            return None
        ids = _lead_group_years(user, request.committee.pk, timezone.localdate().year)
        if not ids:
            return None
    today = timezone.localdate()
    counts = compliance.behind_counts(request.committee, today, timezone.now(), group_year_ids=ids)
    if not any(counts.values()):
        return None
    labels = compliance.colour_labels()
    return {
        "year": today.year,
        "mine": ids is not None,
        "items": [
            {
                "key": colour,
                "label": labels[colour],
                "count": counts[colour],
                "url": page_url("meetings:compliance", year=today.year, status=colour),
            }
            for colour in compliance.BEHIND
        ],
        "url": page_url("meetings:compliance", year=today.year),
    }


def register() -> None:
    """Register this part's menu entries and home card (from ``ready()``)."""
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.calendar",
            _("Calendar"),
            "meetings:calendar",
            "meetings",
            "bi-calendar3",
            50,
            sees_calendar,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.compliance",
            _("Compliance"),
            "meetings:compliance",
            "meetings",
            "bi-clipboard-check",
            55,
            sees_compliance,
        )
    )
    HOME_CARDS.register(
        HomeCard("meetings.behind", "meetings/compliance_home_card.html", behind_card, 35)
    )
