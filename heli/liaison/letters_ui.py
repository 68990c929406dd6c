"""What the letters add to the shared pages: menu entries under 沟通联系, the unit's home
card of letters waiting for it (to sign for, to answer), and the letters' reminders."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can, scope_of
from heli.liaison.access import reads_all, records
from heli.liaison.models import Letter
from heli.lib.ui import HOME_CARDS, MENU_ENTRIES, HomeCard, MenuEntry


def sees_letters(user: Any) -> bool:
    return can(user, Action.VIEW, Letter)


def sends_letters(user: Any) -> bool:
    return records(scope_of(user))


def waiting_card(request: Any) -> dict[str, Any] | None:
    """A unit's letters waiting for it: to sign for and to answer, each count opening
    exactly those letters. Two queries; nothing for the committee's people."""
    from heli.liaison.letter_views import WAITING, my_receipts, waiting_labels, waiting_url

    s = scope_of(request.user)
    if not s.unit_ids or reads_all(s) or not sees_letters(request.user):
        return None
    labels = waiting_labels()
    counts = []
    for key, condition in WAITING.items():
        letters = my_receipts(request).filter(condition).values("letter_id").distinct()
        counts.append(
            {"key": key, "label": labels[key], "count": letters.count(), "url": waiting_url(key)}
        )
    return {"counts": counts}


def register() -> None:
    """Register this part's entries with the shared registries (from ``ready()``)."""
    from heli.liaison import letter_reminders  # noqa: F401 (registers the reminders)

    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.letters",
            _("Letters and receipts"),
            "liaison:letter_list",
            "liaison",
            "bi-envelope-paper",
            30,
            sees_letters,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "liaison.letter_template",
            _("Letter template"),
            "liaison:letter_template",
            "liaison",
            "bi-file-earmark-word",
            35,
            sends_letters,
        )
    )
    HOME_CARDS.register(
        HomeCard("liaison.letters_waiting", "liaison/letter_home_card.html", waiting_card, 20)
    )
