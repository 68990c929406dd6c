"""The minutes of a meeting (会议纪要): writing them, approving them, carrying topics over.

Minutes exist for a held meeting only. Whoever manages the meeting (the joint-meeting
office, or a lead unit's secretary of the group in the year it leads) writes the summary
and, for every topic on the agenda, its outcome — agreed, discussed, decided (with its
decisions, :mod:`heli.meetings.decisions`) or not reached. The office or a committee
leader approves them, once every topic has an outcome and every "decided" topic has a
decision; approved minutes are locked, and every write path refuses with a message.

On approval the topics dealt with become "discussed"; a topic not reached goes back to
the office's queue ("accepted", carried over from this meeting) and, when the group
already has a next meeting still being planned, onto that meeting's agenda.

Each action is one transaction ending with its audit row; the people concerned are told
in it (delivery after the commit), once per meeting.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from heli.audit import events
from heli.audit.actions import record
from heli.lib.dates import format_date
from heli.meetings import access, people
from heli.meetings.models import AgendaItem, Decision, JointMeeting, Topic
from heli.notifications.actions import notify
from heli.org.models import Committee

S = JointMeeting.Status
Outcome = AgendaItem.Outcome

KIND_READY = "meetings.minutes_ready"
KIND_APPROVED = "meetings.minutes_approved"
KIND_CARRIED = "meetings.topic_carried_over"

# The longest summary and outcome text the minutes keep.
MAX_SUMMARY = 20000
MAX_OUTCOME_TEXT = 5000


# --- What may be written --------------------------------------------------------------------


def locked_message(meeting: JointMeeting) -> str:
    when = (
        format_date(timezone.localdate(meeting.minutes_approved_at))
        if meeting.minutes_approved_at
        else ""
    )
    return _(
        "The minutes of this meeting were approved on %(date)s and are locked: the summary, "
        "the outcomes and the decisions can no longer be changed. A decision made by "
        "mistake is withdrawn through its task on the battle map."
    ) % {"date": when}


def check_writable(meeting: JointMeeting) -> None:
    """Refuse any change to the minutes unless the meeting is held and not yet approved."""
    if meeting.status == S.HELD:
        return
    if meeting.status == S.MINUTES_APPROVED:
        raise ValidationError(locked_message(meeting), code="locked")
    if meeting.status == S.CANCELLED:
        raise ValidationError(
            _("This meeting was cancelled: it has no minutes and no decisions."),
            code="cancelled",
        )
    raise ValidationError(
        _(
            "The minutes can be written only for a meeting that has been held. This meeting "
            "is “%(status)s”: mark it held on the meeting's page once it has taken place."
        )
        % {"status": meeting.get_status_display()},
        code="not_held",
    )


def lock_meeting(meeting: JointMeeting) -> JointMeeting:
    """The meeting's row, locked until the transaction ends."""
    return JointMeeting.objects.select_for_update().get(pk=meeting.pk)


def agenda_of(meeting: JointMeeting) -> QuerySet[AgendaItem]:
    return (
        AgendaItem.objects.filter(meeting_id=meeting.pk)
        .select_related("topic", "reporter_unit")
        .order_by("order", "id")
    )


def all_recorded(items: Iterable[AgendaItem]) -> bool:
    return all(item.outcome for item in items)


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeEntry:
    outcome: str
    text: str


class StaleMinutes(ValidationError):
    """The minutes changed since the form was opened; what was typed is not saved."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else saved these minutes while you were writing. Nothing of yours "
                "was saved: what you typed is still below — compare it with the minutes now "
                "saved (open the page in another tab), then save again."
            ),
            code="stale",
        )


def _approvers(meeting: JointMeeting) -> list[Any]:
    found = people.office(meeting.committee_id)
    for leader in people.liaison_leader(meeting.group_year):
        if leader not in found:
            found.append(leader)
    return found


def _tell(
    meeting: JointMeeting,
    kind: str,
    key: str,
    recipients: Iterable[Any],
    by: Any,
    *,
    title: str,
    body: str,
    url: str,
) -> None:
    shown = [p for p in recipients if by is None or p.pk != by.pk]
    if shown:
        notify(
            Committee(pk=meeting.committee_id),
            kind,
            key,
            shown,
            title=title,
            body=body,
            url=url,
        )


def _minutes_url(meeting: JointMeeting) -> str:
    from django.urls import reverse

    return reverse("meetings:minutes", args=[meeting.pk])


def save_minutes(
    meeting: JointMeeting,
    by: Any,
    *,
    version: int | None,
    summary: str,
    outcomes: Mapping[int, OutcomeEntry],
    request: HttpRequest | None = None,
) -> JointMeeting:
    """Write the summary and the outcomes of the agenda's topics (by agenda item id).

    ``version`` is the meeting's version the form was opened at: a save over someone
    else's newer one is refused (:class:`StaleMinutes`). Once every topic has an outcome
    the approvers (the office and the group's liaison leader) are told, once.
    """
    if not access.manages(by, meeting):
        raise ValidationError(
            _(
                "Only the joint-meeting office and the secretaries of this year's lead units "
                "of the group can write the minutes of its meetings."
            ),
            code="not_allowed",
        )
    check_writable(meeting)
    summary = summary.strip()
    if len(summary) > MAX_SUMMARY:
        raise ValidationError(
            {"summary": [_("Keep the summary to %(n)s characters at most.") % {"n": MAX_SUMMARY}]}
        )
    for entry in outcomes.values():
        if entry.outcome not in Outcome.values:
            raise ValidationError(_("Choose each topic's outcome from the list."), code="outcome")
    with transaction.atomic():
        locked = lock_meeting(meeting)
        check_writable(locked)
        if version is not None and version != locked.version:
            raise StaleMinutes()
        items = list(agenda_of(locked))
        changed_items: list[AgendaItem] = []
        changes: dict[str, Any] = {}
        for item in items:
            sent = outcomes.get(item.pk)
            if sent is None:
                continue
            text = sent.text.strip()
            if item.outcome != sent.outcome or item.outcome_text != text:
                changes[f"item {item.pk}"] = [item.outcome, sent.outcome]
                item.outcome, item.outcome_text = sent.outcome, text
                changed_items.append(item)
        if changed_items:
            AgendaItem.objects.bulk_update(changed_items, ["outcome", "outcome_text"])
        if summary != locked.minutes:
            changes["minutes"] = [len(locked.minutes), len(summary)]
        JointMeeting.objects.filter(pk=locked.pk).update(
            minutes=summary, version=F("version") + 1, updated_at=timezone.now()
        )
        locked.refresh_from_db()
        if items and all_recorded(items):
            with translation.override(settings.LANGUAGE_CODE):
                values = {"title": locked.title, "who": people.name_of(by)}
                _tell(
                    locked,
                    KIND_READY,
                    f"{KIND_READY}:{locked.pk}",
                    _approvers(locked),
                    by,
                    title=_("Minutes ready for approval: %(title)s") % values,
                    body=_(
                        "%(who)s recorded an outcome for every topic of “%(title)s”. Read the "
                        "minutes and approve them on their page."
                    )
                    % values,
                    url=_minutes_url(locked),
                )
        record(
            events.RECORD_UPDATED,
            request=request,
            user=by,
            obj=locked,
            detail={"step": "minutes_saved", "changes": changes},
        )
    return locked


# --- Approving ------------------------------------------------------------------------------


def approval_errors(meeting: JointMeeting, items: list[AgendaItem] | None = None) -> list[str]:
    """Why the minutes cannot be approved yet (nothing when they can)."""
    items = items if items is not None else list(agenda_of(meeting))
    errors: list[str] = []
    if not meeting.minutes.strip():
        errors.append(_("Write the summary of the minutes first."))
    missing = [item.topic.title for item in items if not item.outcome]
    if missing:
        errors.append(
            _("These topics have no outcome yet: %(topics)s. Record an outcome for each.")
            % {"topics": "、".join(f"“{t}”" for t in missing)}
        )
    decided = [item for item in items if item.outcome == Outcome.DECIDED]
    if decided:
        with_decision = set(
            Decision.objects.filter(agenda_item__in=decided).values_list(
                "agenda_item_id", flat=True
            )
        )
        lacking = [item.topic.title for item in decided if item.pk not in with_decision]
        if lacking:
            errors.append(
                _(
                    "These topics are marked “decided” but have no decision: %(topics)s. "
                    "Record their decisions, or choose another outcome."
                )
                % {"topics": "、".join(f"“{t}”" for t in lacking)}
            )
    return errors


def next_meeting_of(meeting: JointMeeting) -> JointMeeting | None:
    """The group's next meeting still being planned, if there is one."""
    return (
        JointMeeting.objects.filter(
            committee_id=meeting.committee_id,
            group_id=meeting.group_id,
            starts_at__gt=meeting.starts_at,
            status__in=[S.PLANNED, S.PLAN_APPROVED],
        )
        .order_by("starts_at", "id")
        .first()
    )


@dataclass
class Approved:
    meeting: JointMeeting
    discussed: list[Topic]
    carried: list[Topic]
    next_meeting: JointMeeting | None


def _carry_over(
    meeting: JointMeeting, topics: list[Topic], now: datetime.datetime
) -> JointMeeting | None:
    """Topics not reached go back to the queue and, when the group has a next meeting
    still being planned, onto its agenda."""
    if not topics:
        return None
    target = next_meeting_of(meeting)
    ids = [t.pk for t in topics]
    Topic.objects.filter(pk__in=ids).update(
        carried_from=meeting,
        status=Topic.Status.ACCEPTED,
        version=F("version") + 1,
        updated_at=now,
    )
    if target is None:
        return None
    already = set(
        AgendaItem.objects.filter(meeting=target, topic_id__in=ids).values_list(
            "topic_id", flat=True
        )
    )
    last = AgendaItem.objects.filter(meeting=target).aggregate(last=Max("order"))["last"] or 0
    new_items = []
    for topic in topics:
        if topic.pk in already:
            continue
        last += 1
        new_items.append(
            AgendaItem(committee_id=meeting.committee_id, meeting=target, topic=topic, order=last)
        )
    AgendaItem.objects.bulk_create(new_items)
    Topic.objects.filter(pk__in=ids).update(status=Topic.Status.SCHEDULED)
    return target


def _proposers(topics: list[Topic]) -> dict[int, list[Any]]:
    """Each topic's proposers: its own, and those of the topics merged into it."""
    from heli.accounts.models import User

    found: dict[int, list[Any]] = {t.pk: [t.proposed_by] for t in topics}
    merged = Topic.objects.filter(merged_into__in=topics).values_list(
        "merged_into_id", "proposed_by"
    )
    user_ids = {uid for _t, uid in merged}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)}
    for topic_id, user_id in merged:
        user = users.get(user_id)
        if user is not None and user not in found[topic_id]:
            found[topic_id].append(user)
    return found


def approve_minutes(
    meeting: JointMeeting, by: Any, *, request: HttpRequest | None = None
) -> Approved:
    """Approve the minutes (irreversible): they are locked, the topics dealt with become
    "discussed" and those not reached carry over; the member units are told."""
    if not access.approves(by) or by.committee_id != meeting.committee_id:
        raise ValidationError(
            _("Only the joint-meeting office and committee leaders can approve minutes."),
            code="not_allowed",
        )
    if meeting.status == S.MINUTES_APPROVED:
        raise ValidationError(locked_message(meeting), code="locked")
    check_writable(meeting)
    with transaction.atomic():
        locked = lock_meeting(meeting)
        if locked.status == S.MINUTES_APPROVED:
            raise ValidationError(locked_message(locked), code="locked")
        check_writable(locked)
        items = list(agenda_of(locked).select_related("topic__proposed_by"))
        errors = approval_errors(locked, items)
        if errors:
            raise ValidationError(errors, code="incomplete")
        now = timezone.now()
        JointMeeting.objects.filter(pk=locked.pk).update(
            status=S.MINUTES_APPROVED,
            minutes_approved_at=now,
            minutes_approved_by=by,
            version=F("version") + 1,
            updated_at=now,
        )
        locked.refresh_from_db()
        discussed = [i.topic for i in items if i.outcome != Outcome.NOT_REACHED]
        carried = [i.topic for i in items if i.outcome == Outcome.NOT_REACHED]
        Topic.objects.filter(pk__in=[t.pk for t in discussed]).update(
            status=Topic.Status.DISCUSSED, version=F("version") + 1, updated_at=now
        )
        target = _carry_over(locked, carried, now)
        _approved_notices(locked, by, carried, target)
        record(
            events.RECORD_UPDATED,
            request=request,
            user=by,
            obj=locked,
            detail={
                "step": "minutes_approved",
                "discussed": [t.pk for t in discussed],
                "carried_over": [t.pk for t in carried],
                "carried_to": target.pk if target is not None else None,
            },
        )
    return Approved(locked, discussed, carried, target)


def _approved_notices(
    meeting: JointMeeting, by: Any, carried: list[Topic], target: JointMeeting | None
) -> None:
    units = access.member_unit_ids(meeting)
    recipients = people.units_people(meeting.committee_id, units)
    for leader in people.liaison_leader(meeting.group_year):
        if leader not in recipients:
            recipients.append(leader)
    url = _minutes_url(meeting)
    with translation.override(settings.LANGUAGE_CODE):
        values = {"title": meeting.title, "who": people.name_of(by)}
        _tell(
            meeting,
            KIND_APPROVED,
            f"{KIND_APPROVED}:{meeting.pk}",
            recipients,
            by,
            title=_("Minutes approved: %(title)s") % values,
            body=_(
                "%(who)s approved the minutes of “%(title)s”. Read the outcomes and the "
                "decisions on the minutes' page; the decisions are tasks on the battle map."
            )
            % values,
            url=url,
        )
        proposers = _proposers(carried)
        for topic in carried:
            topic_values = {"topic": topic.title, "title": meeting.title}
            if target is not None:
                body = _(
                    "The topic “%(topic)s” was not reached at “%(title)s”. It is carried over "
                    "to the group's next meeting, “%(next)s”."
                ) % {**topic_values, "next": target.title}
            else:
                body = (
                    _(
                        "The topic “%(topic)s” was not reached at “%(title)s”. It is back in the "
                        "joint-meeting office's queue for the group's next meeting."
                    )
                    % topic_values
                )
            _tell(
                meeting,
                KIND_CARRIED,
                f"{KIND_CARRIED}:{topic.pk}:{meeting.pk}",
                proposers.get(topic.pk, []),
                by,
                title=_("Topic carried over: %(topic)s") % topic_values,
                body=body,
                url=topic.get_absolute_url(),
            )


# --- For other parts ------------------------------------------------------------------------


def minutes_overdue(committee: Committee, held_before: datetime.date) -> QuerySet[JointMeeting]:
    """Meetings held on or before ``held_before`` whose minutes are not approved yet (for
    the reminders)."""
    return JointMeeting.objects.filter(
        committee=committee, status=S.HELD, starts_at__date__lte=held_before
    ).order_by("starts_at", "id")


def waiting_for_approval(meetings: QuerySet[JointMeeting]) -> QuerySet[JointMeeting]:
    """Held meetings whose minutes record an outcome for every topic: ready to approve."""
    unrecorded = AgendaItem.objects.filter(meeting=OuterRef("pk"), outcome="")
    return meetings.filter(status=S.HELD).exclude(Exists(unrecorded)).exclude(minutes="")
