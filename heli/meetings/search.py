"""Topics and joint meetings as search documents (:mod:`heli.lib.search`).

A topic is found by its title, description, agenda kind, proposer and origin; a meeting by
its title, group, host, place, plan, minutes, agenda topics and their outcomes, decisions
and what others may learn from it. The search area answers a query through the policy
(``visible_ids``), so a unit outside the group finds a meeting only once it is shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.lib.search import SEARCH_SOURCES, SearchDocument, SearchSource
from heli.meetings.models import AgendaItem, AgendaKind, Decision, JointMeeting, Topic

CHUNK = 500


def _kind_label(code: str) -> str:
    return str(dict(AgendaKind.choices).get(code, code))


def topic_document(topic: Topic) -> SearchDocument:
    """A topic: its title; in the body its kind, proposer, description and origin."""
    proposer = topic.proposer_department or topic.proposer_unit
    parts = [
        _kind_label(topic.kind),
        str(proposer) if proposer is not None else "",
        topic.description,
        topic.origin_label,
        topic.return_reason,
    ]
    return SearchDocument(
        model=Topic._meta.label_lower,
        pk=topic.pk,
        committee_id=topic.committee_id,
        title=topic.title,
        body="\n".join(p for p in parts if p),
        url=reverse("meetings:topic_detail", args=[topic.pk]),
        date=timezone.localdate(topic.created_at) if topic.created_at else None,
    )


def _topics(qs: QuerySet[Topic]) -> QuerySet[Topic]:
    return qs.select_related("proposer_department", "proposer_unit")


def topic_documents(committee_id: int) -> Iterator[SearchDocument]:
    for topic in _topics(Topic.objects.filter(committee_id=committee_id).order_by("id")).iterator(
        chunk_size=CHUNK
    ):
        yield topic_document(topic)


def meeting_document(meeting: JointMeeting) -> SearchDocument:
    """A meeting: its title; in the body its group, host and place, the plan, the agenda
    with each topic's outcome, the minutes, the decisions and the sharing note."""
    parts: list[str] = [meeting.group.name, meeting.host.name, meeting.place, meeting.plan_notes]
    for item in meeting.agenda.all():
        parts += [item.topic.title, item.reporter_note, item.materials_note, item.outcome_text]
    parts.append(meeting.minutes)
    for decision in meeting.decisions.all():
        parts += [decision.number, decision.title, decision.content]
    parts.append(meeting.shared_note if meeting.shared_at is not None else "")
    return SearchDocument(
        model=JointMeeting._meta.label_lower,
        pk=meeting.pk,
        committee_id=meeting.committee_id,
        title=meeting.title,
        body="\n".join(p for p in parts if p),
        url=reverse("meetings:meeting_detail", args=[meeting.pk]),
        date=timezone.localdate(meeting.starts_at),
    )


def _meetings(qs: QuerySet[JointMeeting]) -> QuerySet[JointMeeting]:
    return qs.select_related("group", "host").prefetch_related(
        Prefetch(
            "agenda",
            queryset=AgendaItem.objects.select_related("topic").order_by("order", "id"),
        ),
        Prefetch(
            "decisions",
            queryset=Decision.objects.select_related("group").order_by("serial"),
        ),
    )


def meeting_documents(committee_id: int) -> Iterator[SearchDocument]:
    meetings = _meetings(JointMeeting.objects.filter(committee_id=committee_id).order_by("id"))
    for meeting in meetings.iterator(chunk_size=CHUNK):
        yield meeting_document(meeting)


def _meeting_document(record: Any) -> SearchDocument:
    """One meeting's document, read with its parts (when the index is told it changed)."""
    found = _meetings(JointMeeting.objects.filter(pk=record.pk)).first()
    return meeting_document(found if found is not None else record)


def register() -> None:
    SEARCH_SOURCES.register(
        SearchSource(
            "meetings.topic",
            _("Meeting topics"),
            Topic._meta.label_lower,
            documents=topic_documents,
            document=topic_document,
            order=30,
        )
    )
    SEARCH_SOURCES.register(
        SearchSource(
            "meetings.meeting",
            _("Joint meetings"),
            JointMeeting._meta.label_lower,
            documents=meeting_documents,
            document=_meeting_document,
            order=35,
        )
    )
