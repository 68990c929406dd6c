"""What the topic intake brings to the shared pages: "Topics" and "Topic queue" under the
joint meetings' menu section, the office's and the proposers' home cards, and — on a
liaison contact's page — the button "Propose as a meeting topic" and the list of the
topics proposed from it. The contact is known only by its model label: this area reads
no liaison code."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from heli.accounts.policy import Action, can, scope_of, visible
from heli.lib.ui import (
    HOME_CARDS,
    MENU_ENTRIES,
    RECORD_ACTIONS,
    RECORD_PANELS,
    HomeCard,
    MenuEntry,
    RecordAction,
    RecordPanel,
)
from heli.meetings import topics
from heli.meetings.access import is_office, proposes
from heli.meetings.models import Topic

S = Topic.Status
# How many of their recently decided topics a proposer's home card names.
HOME_TOPICS = 5
# What counts as recent on that card.
RECENT_DAYS = 30


def sees_topics(user: Any) -> bool:
    return can(user, Action.VIEW, Topic)


def queue_url(**filters: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    base = reverse("meetings:topic_queue")
    return f"{base}?{query}" if query else base


def office_card(request: Any) -> dict[str, Any] | None:
    """The office: how many proposals wait for a decision, and how many accepted topics
    wait for a meeting, each opening exactly those rows of the queue (one query)."""
    if not is_office(request.user):
        return None
    counts = (
        visible(request.user, Topic)
        .filter(status__in=topics.DECIDABLE)
        .aggregate(
            proposed=Count("id", filter=Q(status=S.PROPOSED)),
            accepted=Count("id", filter=Q(status=S.ACCEPTED)),
        )
    )
    if not counts["proposed"] and not counts["accepted"]:
        return None
    return {
        "proposed": counts["proposed"],
        "accepted": counts["accepted"],
        "proposed_url": queue_url(status=S.PROPOSED),
        "accepted_url": queue_url(status=S.ACCEPTED),
        "queue_url": queue_url(),
    }


def proposer_card(request: Any) -> dict[str, Any] | None:
    """A proposer: their topics returned or put on an agenda in the last days (one
    query), or nothing."""
    user = request.user
    if not proposes(user):
        return None
    rows = list(
        visible(user, Topic)
        .filter(topics.mine_q(user))
        .filter(
            status__in=(S.RETURNED, S.SCHEDULED), decided_at__gte=topics.recent_since(RECENT_DAYS)
        )
        .order_by("-decided_at", "-id")[:HOME_TOPICS]
    )
    if not rows:
        return None
    return {"topics": rows, "list_url": reverse("meetings:topic_list")}


def _propose_from_contact(user: Any, contact: Any) -> str:
    if not proposes(user) or scope_of(user).committee_id != contact.committee_id:
        return ""
    return f"{reverse('meetings:topic_new')}?origin={topics.ORIGIN_CONTACT}:{contact.pk}"


def contact_topics_panel(request: Any, contact: Any) -> dict[str, Any] | None:
    """The topics proposed from this contact that the reader sees, with their status."""
    if not sees_topics(request.user):
        return None
    rows = list(
        visible(request.user, Topic)
        .filter(origin_type=topics.ORIGIN_CONTACT, origin_id=contact.pk)
        .order_by("created_at", "id")
    )
    if not rows:
        return None
    return {"topics": rows}


def register() -> None:
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.topics",
            _("Topics"),
            "meetings:topic_list",
            "meetings",
            "bi-lightbulb",
            10,
            sees_topics,
        )
    )
    MENU_ENTRIES.register(
        MenuEntry(
            "meetings.topic_queue",
            _("Topic queue"),
            "meetings:topic_queue",
            "meetings",
            "bi-inboxes",
            15,
            is_office,
        )
    )
    HOME_CARDS.register(
        HomeCard("meetings.topic_queue", "meetings/topic_home_office.html", office_card, 35)
    )
    HOME_CARDS.register(
        HomeCard("meetings.my_topics", "meetings/topic_home_mine.html", proposer_card, 36)
    )
    RECORD_ACTIONS.register(
        RecordAction(
            "meetings.propose_topic",
            topics.ORIGIN_CONTACT,
            _("Propose as a meeting topic"),
            _propose_from_contact,
            icon="bi-megaphone",
            order=30,
        )
    )
    RECORD_PANELS.register(
        RecordPanel(
            "meetings.contact_topics",
            topics.ORIGIN_CONTACT,
            _("Meeting topics proposed from this contact"),
            "meetings/topic_contact_panel.html",
            contact_topics_panel,
            order=50,
        )
    )
