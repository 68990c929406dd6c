"""What the coverage board adds to the shared pages: its menu entry under "liaison", a
home-page card for the committee's people with this year's coverage, and the coverage
reminder (imported here so that it registers).

The card counts two years' boards; its numbers are kept in the cache under the
committee's *generation* and the day, and every write that can move them (a contact, the
units it reached, a unit, the rule, the settings) starts a new generation at once and
again on commit (:func:`connect`), as the wall chart does. Rows inserted in bulk send no
signal: call :func:`forget` after them."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.audit import events
from heli.audit.models import AuditEvent
from heli.liaison import coverage, coverage_reminders
from heli.liaison.access import edits_settings
from heli.liaison.board_views import board_url, forecast_sentence, sees_board
from heli.liaison.models import Contact, ContactUnit, LiaisonSettings
from heli.lib.ui import HOME_CARDS, MENU_ENTRIES, HomeCard, MenuEntry
from heli.org.models import Committee, Unit

# Registered by importing it (the @reminder decorator).
REMINDERS = (coverage_reminders.KIND,)


# How long a card's counts are kept at most; every write that changes them drops them at
# once (:func:`connect`), so this only bounds what a write that sends no signal leaves.
CARD_SECONDS = 600
# The audited changes that can move the counts: a change written by an ``update()`` (a
# contact or a unit edited through ``update_versioned``) sends no signal but is always
# audited; an import or a restore can change anything.
_AUDITED_TYPES = ("org.unit", "org.committee")
_AUDITED_WRITES = (
    events.RECORD_CREATED,
    events.RECORD_UPDATED,
    events.RECORD_DELETED,
    events.BULK_UPDATE,
    events.SETTINGS_CHANGED,
)
_AUDITED_ANYTHING = (events.IMPORT, events.RESTORE)


def _generation_key(committee_id: int | None) -> str:
    return f"liaison:coverage-card:generation:{committee_id or 0}"


def forget(committee_id: int | None) -> None:
    """Drop the committee's coverage counts: the next home page counts them again."""
    cache.set(_generation_key(committee_id), uuid.uuid4().hex, None)


def _generation(committee_id: int | None) -> str:
    key = _generation_key(committee_id)
    found = cache.get(key)
    if found is None:
        # A cache that lost the generation (restarted, evicted) starts a new one.
        cache.add(key, uuid.uuid4().hex, None)
        found = cache.get(key)
    return str(found)


@dataclass(frozen=True)
class CardCounts:
    """What the card shows, in numbers: the same for every reader of the committee's
    coverage (the board's readers see every unit), words put in when it is shown."""

    covered: int
    total: int
    counts: dict[str, int]
    forecast: coverage.Forecast
    last_missed: int


def card_counts(committee: Any, year: int, today: datetime.date) -> CardCounts:
    """This year's and last year's coverage in numbers, from the cache when it is current
    (the committee's generation and the day are in the key), else from the two boards."""
    key = f"liaison:coverage-card:{committee.pk}:{_generation(committee.pk)}:{year}:{today}"
    found = cache.get(key)
    if isinstance(found, CardCounts):
        return found
    liaison_settings = coverage.settings_for(committee)
    board = coverage.build_board(committee, year, today, liaison_settings=liaison_settings)
    last = coverage.build_board(committee, year - 1, today, liaison_settings=liaison_settings)
    counts = board.counts
    made = CardCounts(
        covered=board.covered,
        total=board.total,
        counts=counts,
        forecast=board.forecast(),
        last_missed=last.counts[coverage.MISSED],
    )
    cache.set(key, made, CARD_SECONDS)
    return made


def coverage_card(request: Any) -> dict[str, Any] | None:
    """This year's coverage: covered N of M, how many amber and red, each count opening
    the board filtered to exactly those units."""
    if not sees_board(request.user):
        return None
    today = timezone.localdate()
    year = today.year
    found = card_counts(request.committee, year, today)
    return {
        "year": year,
        "covered": found.covered,
        "total": found.total,
        "percent": found.forecast.percent,
        "items": [
            {
                "key": colour,
                "label": coverage.COLOUR_LABELS[colour],
                "count": found.counts[colour],
                "url": board_url(year=year, colour=colour),
            }
            for colour in (coverage.MET, coverage.AT_RISK, coverage.PENDING)
        ],
        "last_year": year - 1,
        "last_missed": found.last_missed,
        "last_missed_url": board_url(year=year - 1, colour=coverage.MISSED),
        "sentence": forecast_sentence(found.forecast),
        "url": reverse("liaison:board"),
    }


def _committee_of(instance: Any) -> int | None:
    if isinstance(instance, Committee):
        return instance.pk
    return getattr(instance, "committee_id", None)


def _forget_on_write(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender is LiaisonSettings and kwargs.get("created"):
        # Made with the defaults on first use, by the very count that reads them.
        return
    committee_id = _committee_of(instance)
    forget(committee_id)
    transaction.on_commit(lambda: forget(committee_id), robust=True)


def _forget_on_audit(
    sender: Any, instance: AuditEvent, created: bool = False, **kwargs: Any
) -> None:
    if not created or instance.result != AuditEvent.Result.SUCCESS:
        return
    kind = instance.object_type
    if instance.event in _AUDITED_ANYTHING or (
        instance.event in _AUDITED_WRITES
        and (kind.startswith("liaison.") or kind in _AUDITED_TYPES)
    ):
        _forget_on_write(sender, instance)


def connect() -> None:
    """Forget the committee's card counts whenever what they count is written: a contact
    and the units it reached, a unit, the rule (the committee) or the settings — saved,
    deleted, or changed by an update that the audit log records."""
    for model in (Contact, ContactUnit, Unit, Committee, LiaisonSettings):
        for signal in (post_save, post_delete):
            signal.connect(
                _forget_on_write, sender=model, dispatch_uid=f"coverage-card-{model.__name__}"
            )
    post_save.connect(_forget_on_audit, sender=AuditEvent, dispatch_uid="coverage-card-audit")


def register() -> None:
    connect()
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
