"""What the coverage board adds to the shared pages: its menu entry under "liaison", a
home-page card for the committee's people with this year's coverage, and the coverage
reminder (imported here so that it registers)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.liaison import coverage, coverage_reminders
from heli.liaison.access import edits_settings
from heli.liaison.board_views import board_url, forecast_sentence, sees_board
from heli.lib.ui import HOME_CARDS, MENU_ENTRIES, HomeCard, MenuEntry

# Registered by importing it (the @reminder decorator).
REMINDERS = (coverage_reminders.KIND,)


def coverage_card(request: Any) -> dict[str, Any] | None:
    """This year's coverage: covered N of M, how many amber and red, each count opening
    the board filtered to exactly those units."""
    if not sees_board(request.user):
        return None
    today = timezone.localdate()
    year = today.year
    found = coverage.settings_for(request.committee)
    board = coverage.build_board(request.committee, year, today, liaison_settings=found)
    last = coverage.build_board(request.committee, year - 1, today, liaison_settings=found)
    counts = board.counts
    f = board.forecast()
    return {
        "year": year,
        "covered": board.covered,
        "total": board.total,
        "percent": f.percent,
        "items": [
            {
                "key": colour,
                "label": coverage.COLOUR_LABELS[colour],
                "count": counts[colour],
                "url": board_url(year=year, colour=colour),
            }
            for colour in (coverage.MET, coverage.AT_RISK, coverage.PENDING)
        ],
        "last_year": year - 1,
        "last_missed": last.counts[coverage.MISSED],
        "last_missed_url": board_url(year=year - 1, colour=coverage.MISSED),
        "sentence": forecast_sentence(f),
        "url": reverse("liaison:board"),
    }


def register() -> None:
    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.board",
            _("Liaison coverage"),
            "liaison:board",
            "liaison",
            "bi-clipboard-data",
            30,
            sees_board,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.settings",
            _("Liaison settings"),
            "liaison:settings",
            "liaison",
            "bi-gear",
            90,
            edits_settings,
        )
    )
    HOME_CARDS.register(
        HomeCard("liaison.coverage", "liaison/board_home_card.html", coverage_card, 30)
    )
