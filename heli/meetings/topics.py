"""Topic intake (议题征集): proposing topics, and the joint-meeting office's decisions.

Committee departments, leaders and the office propose topics; a group proposes through
the secretary of one of its lead units, in the year it leads. The office works one
queue: it accepts a topic, returns it with a reason, merges a duplicate into another
topic (whose proposers then include the merged one's), or schedules it into a meeting of
its year that has not been noticed yet. Every decision is one transaction that ends with
its audit row and tells every proposer (:func:`proposers_of`); a new proposal tells the
office. A refusal is a ``ValidationError`` whose message says, in Chinese, what is wrong,
and changes nothing.

:func:`schedule` and :func:`unschedule` are also what the meeting plan calls to put a
topic on an agenda or take it off.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.accounts.models import Role, RoleAssignment, User
from heli.accounts.policy import scope_of, visible
from heli.audit import events
from heli.audit.actions import record, record_hidden_lookup
from heli.audit.models import AuditEvent
from heli.files.actions import CheckedUpload, keep_upload
from heli.files.models import Attachment
from heli.lib.dates import format_date
from heli.meetings import people
from heli.meetings.access import is_office, manages, proposes
from heli.meetings.models import AgendaItem, AgendaKind, JointMeeting, Topic
from heli.notifications.actions import notify
from heli.org.models import Committee, Department, Group, GroupMembership, GroupYear, Unit

S = Topic.Status
M = JointMeeting.Status

KIND_PROPOSED = "meetings.topic_proposed"
KIND_ACCEPTED = "meetings.topic_accepted"
KIND_RETURNED = "meetings.topic_returned"
KIND_MERGED = "meetings.topic_merged"
KIND_SCHEDULED = "meetings.topic_scheduled"
KIND_UNSCHEDULED = "meetings.topic_unscheduled"

# A topic the office may still decide on: return, merge or schedule it.
DECIDABLE = (S.PROPOSED, S.ACCEPTED)
# A topic another may be merged into: one still on its way to a meeting.
OPEN = (S.PROPOSED, S.ACCEPTED, S.SCHEDULED)
# A meeting whose agenda may still change: its notice has not gone out.
AGENDA_OPEN = (M.PLANNED, M.PLAN_APPROVED)
# The record kinds a topic may come from.
ORIGIN_CONTACT = "liaison.contact"
TITLE_MAX = 200
DESCRIPTION_MAX = 5000
REASON_MAX = 2000


# --- Who proposes, as whom ------------------------------------------------------------------


@dataclass(frozen=True)
class Proposer:
    """In whose name a person proposes: a department, a group's lead unit, or themselves
    as a committee leader. ``code`` is what the form sends."""

    code: str
    label: str
    department: Department | None = None
    unit: Unit | None = None
    group_year: GroupYear | None = None

    @property
    def group(self) -> Group | None:
        return self.group_year.group if self.group_year is not None else None


def proposer_options(user: Any) -> list[Proposer]:
    """Everyone this person may propose for: each of their departments (the office's own
    when they hold no other), themselves as a leader, and the group of each lead unit
    whose secretary they are, in the year it leads."""
    if not proposes(user):
        return []
    s = scope_of(user)
    if s.committee_id is None:
        return []
    options: list[Proposer] = []
    departments = Department.objects.filter(
        committee_id=s.committee_id, pk__in=s.department_ids
    ).order_by("sort_order", "id")
    if not s.department_ids and Role.MEETING_OFFICE in s.roles:
        departments = Department.objects.filter(
            committee_id=s.committee_id, is_meeting_office=True
        ).order_by("sort_order", "id")
    for department in departments:
        options.append(Proposer(f"d{department.pk}", department.name, department=department))
    if Role.COMMITTEE_LEADER in s.roles:
        label = _("%(name)s (committee leader)") % {"name": people.name_of(user)}
        options.append(Proposer("leader", label))
    if s.lead_group_year_ids:
        mine = RoleAssignment.objects.filter(
            user_id=user.pk, role=Role.UNIT_SECRETARY, unit__isnull=False
        ).values("unit_id")
        leads = (
            GroupMembership.objects.filter(
                group_year_id__in=s.lead_group_year_ids, is_lead=True, unit_id__in=mine
            )
            .select_related("unit", "group_year__group")
            .order_by("group_year__group__number", "unit__sort_order")
        )
        for m in leads:
            label = _("%(unit)s, lead unit of %(group)s") % {
                "unit": m.unit.name,
                "group": m.group_year.group.name,
            }
            options.append(Proposer(f"u{m.pk}", label, unit=m.unit, group_year=m.group_year))
    return options


def proposer_label(topic: Topic) -> str:
    """Who proposed the topic, as lists and pages name them (needs the proposer rows
    selected with it)."""
    if topic.proposer_unit_id is not None and topic.proposer_unit is not None:
        return topic.proposer_unit.short_name or topic.proposer_unit.name
    if topic.proposer_department_id is not None and topic.proposer_department is not None:
        return topic.proposer_department.name
    return people.name_of(topic.proposed_by)


def mine_q(user: Any) -> Q:
    """The topics that are this person's: proposed by them, by their department or unit,
    and those such topics were merged into (the target keeps every proposer)."""
    s = scope_of(user)
    own = Q(proposed_by_id=user.pk)
    if s.department_ids:
        own |= Q(proposer_department_id__in=s.department_ids)
    if s.unit_ids:
        own |= Q(proposer_unit_id__in=s.unit_ids)
    into = Topic.objects.filter(own, merged_into__isnull=False).values("merged_into_id")
    return own | Q(pk__in=into)


def proposers_of(topic: Topic) -> list[User]:
    """Who follows the topic: its own proposer and the proposers of every topic merged
    into it, each once, in the order they proposed."""
    found: list[User] = [topic.proposed_by]
    merged = (
        Topic.objects.filter(merged_into_id=topic.pk)
        .select_related("proposed_by")
        .order_by("created_at", "id")
    )
    for other in merged:
        if other.proposed_by not in found:
            found.append(other.proposed_by)
    return found


# --- Where a topic comes from -----------------------------------------------------------------


@dataclass(frozen=True)
class Origin:
    """The record a topic is proposed from, and what the form takes from it."""

    type: str
    id: int
    label: str
    url: str
    title: str = ""
    text: str = ""

    @property
    def value(self) -> str:
        return f"{self.type}:{self.id}"


class OriginNotFound(Exception):
    """The record named as a topic's origin is not one this person may see."""


def find_origin(user: Any, value: str) -> Origin:
    """The record ``value`` ("liaison.contact:12") names, if this person sees it."""
    kind, sep, raw = value.partition(":")
    if kind != ORIGIN_CONTACT or not sep or not raw.isascii() or not raw.isdigit():
        raise OriginNotFound(value)
    if len(raw) > 18:
        raise OriginNotFound(value)
    try:
        model = apps.get_model("liaison", "Contact")
    except LookupError as missing:
        raise OriginNotFound(value) from missing
    pk = int(raw)
    contact = visible(user, model).filter(pk=pk).first()
    if contact is None:
        record_hidden_lookup(user, model, pk)
        raise OriginNotFound(value)
    with translation.override(settings.LANGUAGE_CODE):
        label = _("Liaison contact of %(date)s: %(title)s") % {
            "date": format_date(contact.date),
            "title": contact.title,
        }
    return Origin(
        ORIGIN_CONTACT,
        contact.pk,
        label[:250],
        contact.get_absolute_url()[:250],
        title=str(contact.title),
        text=str(contact.summary or ""),
    )


def origin_link(user: Any, topic: Topic) -> str:
    """The address of the record the topic came from, if this person may open it."""
    if not topic.origin_type or topic.origin_id is None or not topic.origin_url:
        return ""
    try:
        model = apps.get_model(topic.origin_type)
    except (LookupError, ValueError):
        return ""
    return topic.origin_url if visible(user, model).filter(pk=topic.origin_id).exists() else ""


# --- Proposing ------------------------------------------------------------------------------


def check_topic(committee: Committee | int, data: dict[str, Any], proposer: Proposer) -> None:
    """Refusals about a proposal's own fields, each next to the field it concerns."""
    committee_id = getattr(committee, "pk", committee)
    errors: dict[str, list[str]] = {}
    year = data.get("year")
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        errors["year"] = [_("Choose a work year from 2000 to 2100.")]
    elif proposer.group_year is not None and year != proposer.group_year.year:
        errors["year"] = [
            _("A lead unit proposes topics for the year it leads: %(year)s.")
            % {"year": proposer.group_year.year}
        ]
    if data.get("kind") not in AgendaKind.values:
        errors["kind"] = [_("Choose which of the five kinds of business the topic is.")]
    title = (data.get("title") or "").strip()
    if not title:
        errors["title"] = [_("Give the topic a title.")]
    elif len(title) > TITLE_MAX:
        errors["title"] = [_("Keep the title to 200 characters at most.")]
    if not (data.get("description") or "").strip():
        errors["description"] = [_("Describe the topic: what the meeting should discuss, and why.")]
    group: Group | None = data.get("group")
    if group is not None and group.committee_id != committee_id:
        raise ValueError("the group belongs to another committee")
    if proposer.group is not None and group is not None and group.pk != proposer.group.pk:
        errors["group"] = [
            _("A lead unit proposes topics for its own group, %(group)s.")
            % {"group": proposer.group.name}
        ]
    if errors:
        raise ValidationError(errors)


def _recipients(users: Iterable[User], by: Any) -> list[User]:
    return [u for u in users if u.pk != getattr(by, "pk", None)]


def _notify(
    topic: Topic, kind: str, key: str, users: Iterable[User], by: Any, *, title: str, body: str
) -> None:
    recipients = _recipients(users, by)
    if recipients:
        notify(
            Committee(pk=topic.committee_id),
            kind,
            key,
            recipients,
            title=title,
            body=body,
            url=topic.get_absolute_url(),
        )


@transaction.atomic
def propose(
    committee: Committee,
    data: dict[str, Any],
    by: Any,
    *,
    proposer: Proposer,
    origin: Origin | None = None,
    uploads: Sequence[CheckedUpload] = (),
) -> Topic:
    """Propose a topic: ``data`` holds ``year``, ``kind``, ``title``, ``description`` and
    ``group``; ``proposer`` is one of :func:`proposer_options` of ``by``."""
    if proposer.code not in {p.code for p in proposer_options(by)}:
        raise PermissionDenied
    check_topic(committee, data, proposer)
    group = proposer.group if proposer.group is not None else data.get("group")
    topic = Topic.objects.create(
        committee=committee,
        year=data["year"],
        kind=data["kind"],
        title=data["title"].strip(),
        description=data["description"].strip(),
        proposed_by=by,
        proposer_department=proposer.department,
        proposer_unit=proposer.unit,
        group=group,
        origin_type=origin.type if origin else "",
        origin_id=origin.id if origin else None,
        origin_label=origin.label if origin else "",
        origin_url=origin.url if origin else "",
    )
    files = []
    for checked in uploads:
        checked.belongs_to = topic
        files.append(keep_upload(checked))
    record(
        events.RECORD_CREATED,
        user=by,
        obj=topic,
        detail={
            "status": topic.status,
            "year": topic.year,
            "kind": topic.kind,
            "group": topic.group_id,
            "proposer_department": topic.proposer_department_id,
            "proposer_unit": topic.proposer_unit_id,
            "origin_type": topic.origin_type,
            "origin_id": topic.origin_id,
            "files": [f.pk for f in files],
        },
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "title": topic.title,
            "who": people.name_of(by),
            "proposer": proposer.label,
            "year": topic.year,
            "kind": AgendaKind(topic.kind).label,
        }
        title = _("New topic proposed: %(title)s") % values
        body = (
            _(
                "%(proposer)s: %(who)s proposed a topic for %(year)s (%(kind)s). Accept, "
                "merge, return or schedule it in the topic queue."
            )
            % values
        )
    _notify(
        topic,
        KIND_PROPOSED,
        f"{KIND_PROPOSED}:{topic.pk}",
        people.office(topic.committee_id),
        by,
        title=title,
        body=body,
    )
    return topic


# --- The office's decisions ---------------------------------------------------------------------


def _require_office(by: Any) -> None:
    if not is_office(by):
        raise PermissionDenied


def _locked(topic: Topic, version: int | None) -> Topic:
    locked = Topic.objects.select_for_update().get(pk=topic.pk)
    if version is not None and locked.version != version:
        raise ValidationError(
            _("Someone else decided on this topic meanwhile. Look at it again, then decide."),
            code="stale",
        )
    return locked


def _status_label(status: str) -> str:
    return str(S(status).label) if status in S.values else status


def _not_decidable(topic: Topic) -> ValidationError:
    if topic.status == S.SCHEDULED:
        message = _("This topic is on a meeting's agenda already. Take it off the agenda first.")
    elif topic.status == S.MERGED:
        message = _("This topic was merged into another one; decide on that topic instead.")
    elif topic.status == S.RETURNED:
        message = _("This topic was returned to its proposer; nothing more can be decided on it.")
    else:
        message = _(
            "This topic has been discussed at a meeting; nothing more can be decided on it."
        )
    return ValidationError(message, code="status")


def _decided(topic: Topic, by: Any, status: str, **fields: Any) -> None:
    topic.status = status
    topic.decided_by = by
    topic.decided_at = timezone.now()
    topic.version += 1
    for name, value in fields.items():
        setattr(topic, name, value)
    topic.save(
        update_fields=["status", "decided_by", "decided_at", "version", "updated_at", *fields]
    )


def _texts(topic: Topic, by: Any, **extra: Any) -> dict[str, Any]:
    return {"title": topic.title, "who": people.name_of(by), **extra}


@transaction.atomic
def accept(topic: Topic, by: Any, *, version: int | None = None) -> Topic:
    """The office takes the topic up: it waits to be put on a meeting's agenda."""
    _require_office(by)
    locked = _locked(topic, version)
    if locked.status != S.PROPOSED:
        if locked.status == S.ACCEPTED:
            raise ValidationError(_("This topic has been accepted already."), code="status")
        raise _not_decidable(locked)
    before = locked.status
    _decided(locked, by, S.ACCEPTED)
    record(events.RECORD_UPDATED, user=by, obj=locked, detail={"status": [before, S.ACCEPTED]})
    with translation.override(settings.LANGUAGE_CODE):
        values = _texts(locked, by)
        title = _("Your topic was accepted: %(title)s") % values
        body = (
            _(
                "%(who)s of the joint-meeting office accepted the topic. It will be put on "
                "the agenda of a meeting; you will be told when."
            )
            % values
        )
    _notify(
        locked,
        KIND_ACCEPTED,
        f"{KIND_ACCEPTED}:{locked.pk}",
        proposers_of(locked),
        by,
        title=title,
        body=body,
    )
    return locked


@transaction.atomic
def return_topic(topic: Topic, by: Any, *, reason: str, version: int | None = None) -> Topic:
    """The office sends the topic back to its proposers with a reason; it goes no further."""
    _require_office(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": [_("Say why the topic is returned: its proposer reads it.")]}
        )
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("Keep it to 2,000 characters at most.")]})
    locked = _locked(topic, version)
    if locked.status not in DECIDABLE:
        raise _not_decidable(locked)
    before = locked.status
    _decided(locked, by, S.RETURNED, return_reason=reason)
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={"status": [before, S.RETURNED], "return_reason": reason},
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = _texts(locked, by, reason=reason)
        title = _("Your topic was returned: %(title)s") % values
        body = _("%(who)s of the joint-meeting office returned the topic. Reason: %(reason)s") % (
            values
        )
    _notify(
        locked,
        KIND_RETURNED,
        f"{KIND_RETURNED}:{locked.pk}",
        proposers_of(locked),
        by,
        title=title,
        body=body,
    )
    return locked


def merge_candidates(topic: Topic) -> QuerySet[Topic]:
    """The topics ``topic`` may be merged into: open topics of its year and committee."""
    found = Topic.objects.filter(
        committee_id=topic.committee_id, year=topic.year, status__in=OPEN
    ).exclude(pk=topic.pk)
    if topic.group_id is not None:
        found = found.filter(Q(group_id=topic.group_id) | Q(group__isnull=True))
    return found


@transaction.atomic
def merge(topic: Topic, into: Topic, by: Any, *, version: int | None = None) -> Topic:
    """Merge a duplicate ``topic`` into ``into``: it is closed as merged, and its
    proposers (with those of topics merged into it before) follow ``into``."""
    _require_office(by)
    if into.committee_id != topic.committee_id:
        raise ValueError("the topics belong to different committees")
    if into.pk == topic.pk:
        raise ValidationError(
            {"into": [_("A topic cannot be merged into itself; choose another topic.")]}
        )
    # Both rows locked, in the order of their ids, so two merges cannot cross.
    rows = {
        t.pk: t
        for t in Topic.objects.select_for_update().filter(pk__in=[topic.pk, into.pk]).order_by("pk")
    }
    locked, target = rows[topic.pk], rows[into.pk]
    if version is not None and locked.version != version:
        raise ValidationError(
            _("Someone else decided on this topic meanwhile. Look at it again, then decide."),
            code="stale",
        )
    if locked.status not in DECIDABLE:
        raise _not_decidable(locked)
    if target.status not in OPEN:
        raise ValidationError(
            {
                "into": [
                    _(
                        "“%(title)s” is no longer open (%(status)s); choose a topic that is "
                        "still on its way to a meeting."
                    )
                    % {"title": target.title, "status": _status_label(target.status)}
                ]
            }
        )
    if target.year != locked.year:
        raise ValidationError(
            {"into": [_("Choose a topic of the same work year, %(year)s.") % {"year": locked.year}]}
        )
    if locked.group_id is not None and target.group_id not in (None, locked.group_id):
        raise ValidationError(
            {
                "into": [
                    _("“%(title)s” is meant for another group; choose a topic for the same group.")
                    % {"title": target.title}
                ]
            }
        )
    before = locked.status
    followers = proposers_of(locked)
    # Topics merged into this one before now follow the target directly.
    earlier = list(Topic.objects.filter(merged_into_id=locked.pk).values_list("pk", flat=True))
    if earlier:
        Topic.objects.filter(pk__in=earlier).update(merged_into=target)
    _decided(locked, by, S.MERGED, merged_into=target)
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={"status": [before, S.MERGED], "merged_into": target.pk, "moved": earlier},
    )
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=target,
        detail={"merged_from": [locked.pk, *earlier]},
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = _texts(locked, by, into=target.title)
        title = _("Your topic was merged: %(title)s") % values
        body = (
            _(
                "%(who)s of the joint-meeting office merged the topic into “%(into)s”, which "
                "deals with the same matter. You follow that topic from now on, and will be "
                "told what becomes of it."
            )
            % values
        )
    _notify(
        locked, KIND_MERGED, f"{KIND_MERGED}:{locked.pk}", followers, by, title=title, body=body
    )
    return locked


def meeting_label(meeting: JointMeeting) -> str:
    local = timezone.localtime(meeting.starts_at)
    return f"{meeting.title}（{format_date(local.date())}）"


def schedulable_meetings(topic: Topic) -> QuerySet[JointMeeting]:
    """The meetings the topic may be put on: of its committee and year, not yet noticed,
    and of its group if it is meant for one."""
    found = JointMeeting.objects.filter(
        committee_id=topic.committee_id, year=topic.year, status__in=AGENDA_OPEN
    )
    if topic.group_id is not None:
        found = found.filter(group_id=topic.group_id)
    return found.select_related("group").order_by("starts_at", "id")


def check_meeting(topic: Topic, meeting: JointMeeting) -> None:
    """Refusals of putting ``topic`` on ``meeting``'s agenda, next to the meeting."""
    if meeting.committee_id != topic.committee_id:
        raise ValueError("the meeting belongs to another committee")
    if meeting.status not in AGENDA_OPEN:
        if meeting.status == M.CANCELLED:
            message = _("%(meeting)s has been cancelled; choose another meeting.")
        else:
            message = _(
                "The notice of %(meeting)s has gone out: its agenda can no longer change. "
                "Choose a meeting still being planned."
            )
        raise ValidationError({"meeting": [message % {"meeting": meeting.title}]})
    if meeting.year != topic.year:
        raise ValidationError(
            {
                "meeting": [
                    _(
                        "%(meeting)s belongs to the work year %(other)s; this topic is for "
                        "%(year)s. Choose a meeting of %(year)s."
                    )
                    % {"meeting": meeting.title, "other": meeting.year, "year": topic.year}
                ]
            }
        )
    if topic.group_id is not None and meeting.group_id != topic.group_id:
        raise ValidationError(
            {
                "meeting": [
                    _(
                        "This topic is meant for another group than %(meeting)s. Choose a "
                        "meeting of the topic's group."
                    )
                    % {"meeting": meeting.title}
                ]
            }
        )


def _may_plan(by: Any, meeting: JointMeeting) -> None:
    if not (is_office(by) or manages(by, meeting)):
        raise PermissionDenied


@transaction.atomic
def schedule(
    topic: Topic, meeting: JointMeeting, by: Any, *, version: int | None = None
) -> AgendaItem:
    """Put the topic on the meeting's agenda, last: it becomes scheduled. By the office,
    or by whoever manages the meeting (its plan)."""
    _may_plan(by, meeting)
    check_meeting(topic, meeting)
    # The meeting first, then the topic: the agenda's order is taken under its lock.
    held = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    check_meeting(topic, held)
    locked = _locked(topic, version)
    if locked.status not in DECIDABLE:
        if locked.status == S.RETURNED:
            raise ValidationError(
                _("A returned topic cannot be put on an agenda: it went back to its proposer."),
                code="status",
            )
        raise _not_decidable(locked)
    if AgendaItem.objects.filter(meeting=held, topic=locked).exists():
        raise ValidationError(
            {"meeting": [_("The topic is on the agenda of this meeting already.")]}
        )
    last = AgendaItem.objects.filter(meeting=held).aggregate(last=Max("order"))["last"] or 0
    item = AgendaItem.objects.create(
        committee_id=held.committee_id, meeting=held, topic=locked, order=last + 1
    )
    before = locked.status
    _decided(locked, by, S.SCHEDULED)
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={"status": [before, S.SCHEDULED], "meeting": held.pk, "order": item.order},
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = _texts(locked, by, meeting=meeting_label(held))
        title = _("Your topic is on a meeting's agenda: %(title)s") % values
        body = _("%(who)s put the topic on the agenda of %(meeting)s.") % values
    _notify(
        locked,
        KIND_SCHEDULED,
        f"{KIND_SCHEDULED}:{item.pk}",
        proposers_of(locked),
        by,
        title=title,
        body=body,
    )
    return item


@transaction.atomic
def unschedule(item: AgendaItem, by: Any) -> Topic:
    """Take a topic off an agenda whose notice has not gone out: it is accepted again and
    waits for another meeting."""
    meeting = JointMeeting.objects.select_for_update().get(pk=item.meeting_id)
    _may_plan(by, meeting)
    if meeting.status not in AGENDA_OPEN:
        raise ValidationError(
            _("The notice of %(meeting)s has gone out: its agenda can no longer change.")
            % {"meeting": meeting.title},
            code="noticed",
        )
    locked = Topic.objects.select_for_update().get(pk=item.topic_id)
    item_pk = item.pk
    AgendaItem.objects.filter(pk=item_pk).delete()
    before = locked.status
    if locked.status == S.SCHEDULED:
        _decided(locked, by, S.ACCEPTED)
    record(
        events.RECORD_UPDATED,
        user=by,
        obj=locked,
        detail={"status": [before, locked.status], "unscheduled_from": meeting.pk},
    )
    with translation.override(settings.LANGUAGE_CODE):
        values = _texts(locked, by, meeting=meeting_label(meeting))
        title = _("Your topic was taken off an agenda: %(title)s") % values
        body = (
            _(
                "%(who)s took the topic off the agenda of %(meeting)s. It stays accepted and "
                "waits for another meeting."
            )
            % values
        )
    _notify(
        locked,
        KIND_UNSCHEDULED,
        f"{KIND_UNSCHEDULED}:{item_pk}",
        proposers_of(locked),
        by,
        title=title,
        body=body,
    )
    return locked


# --- What became of a topic ---------------------------------------------------------------------


def files_of(topic: Topic) -> QuerySet[Attachment]:
    return Attachment.objects.filter(
        committee_id=topic.committee_id,
        record_type=Topic._meta.label_lower,
        record_id=topic.pk,
    ).order_by("created_at", "id")


def history(topic: Topic) -> list[AuditEvent]:
    """Who proposed the topic and every decision on it, from the audit log."""
    return list(
        AuditEvent.objects.filter(
            committee_id=topic.committee_id,
            object_type=Topic._meta.label_lower,
            object_id=str(topic.pk),
            event__in=(events.RECORD_CREATED, events.RECORD_UPDATED),
        )
        .select_related("user")
        .order_by("created_at", "id")
    )


def recent_since(days: int = 30) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)
