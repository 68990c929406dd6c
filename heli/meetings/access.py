"""Who sees which topics and meetings, and who may act on them.

Committee leaders, departments and the joint-meeting office read every topic and meeting
of their committee. A unit reads the meetings of the groups it belongs to in that year,
with their agenda, attendance, minutes and decisions, and the meetings another group has
shared (互相学习) — never another group's closed materials. The joint-meeting office works
the topic queue and manages every group's meetings; a lead unit's secretary manages its
group's meetings of the year it leads, and loses that right when the year ends (the
scope's ``lead_group_year_ids`` hold the current year only). Plans and minutes are
approved by the office or a committee leader. The three administrators read none of it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, Q, QuerySet

from heli.accounts import policy
from heli.accounts.models import ADMIN_ROLES, Role
from heli.accounts.policy import Action, ChildOf, Rules, Scope, scope_of
from heli.meetings.models import (
    AgendaItem,
    Attendance,
    CalendarFeed,
    Decision,
    DecisionUnit,
    JointMeeting,
    Topic,
)
from heli.org.models import GroupMembership

# Topics a meeting's agenda may still take.
PLANNABLE = (Topic.Status.ACCEPTED, Topic.Status.SCHEDULED, Topic.Status.DISCUSSED)

# Committee roles that read every topic and meeting of the committee.
READERS = frozenset({Role.COMMITTEE_LEADER, Role.COMMITTEE_STAFF, Role.MEETING_OFFICE})


def _clean(s: Scope) -> bool:
    return s.committee_id is not None and not s.roles & ADMIN_ROLES


def reads_all(s: Scope) -> bool:
    return _clean(s) and bool(s.roles & READERS)


def is_office(user: Any) -> bool:
    """The joint-meeting office: works the topic queue, manages every group's meetings."""
    s = scope_of(user)
    return _clean(s) and Role.MEETING_OFFICE in s.roles


def approves(user: Any) -> bool:
    """Who approves a meeting's plan and its minutes: the office or a committee leader."""
    s = scope_of(user)
    return _clean(s) and bool(s.roles & {Role.MEETING_OFFICE, Role.COMMITTEE_LEADER})


def manages_group_year(user: Any, group_year_id: int) -> bool:
    """May plan and run the meetings of this group year: the office, or the secretary of
    one of its lead units while the year lasts."""
    s = scope_of(user)
    if not _clean(s):
        return False
    return Role.MEETING_OFFICE in s.roles or group_year_id in s.lead_group_year_ids


def manages(user: Any, meeting: JointMeeting) -> bool:
    return meeting.committee_id == scope_of(user).committee_id and manages_group_year(
        user, meeting.group_year_id
    )


def proposes(user: Any) -> bool:
    """Who proposes topics: committee departments and leaders, the office, and the groups
    through their lead units' secretaries."""
    s = scope_of(user)
    if not _clean(s):
        return False
    return bool(s.roles & READERS) or bool(s.lead_group_year_ids)


def edits_settings(user: Any) -> bool:
    """Who changes the joint meeting settings: the office and committee leaders."""
    return approves(user)


def member_unit_ids(meeting: JointMeeting) -> set[int]:
    """The units of the meeting's group in its year."""
    return set(
        GroupMembership.objects.filter(group_year_id=meeting.group_year_id).values_list(
            "unit_id", flat=True
        )
    )


def answers_for(user: Any, seat: Attendance) -> bool:
    """Who answers a seat's notice: its unit's secretary and staff, or the leader's own."""
    s = scope_of(user)
    if not _clean(s) or seat.committee_id != s.committee_id:
        return False
    if seat.unit_id is None:
        return bool(seat.user_id == getattr(user, "pk", None))
    return seat.unit_id in s.editor_unit_ids


def _member_meetings(s: Scope) -> Q:
    groups = GroupMembership.objects.filter(unit_id__in=s.unit_ids).values("group_year_id")
    return Q(group_year_id__in=groups)


class MeetingRules(Rules):
    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not _clean(s):
            return qs.none()
        if s.roles & READERS:
            return qs
        if not s.unit_ids:
            return qs.none()
        return qs.filter(_member_meetings(s) | Q(shared_at__isnull=False))

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and manages(user, obj)

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.VIEW:
            return reads_all(s) or (_clean(s) and bool(s.unit_ids))
        if action is Action.CHANGE:
            return _clean(s) and (Role.MEETING_OFFICE in s.roles or bool(s.lead_group_year_ids))
        return False


class TopicRules(Rules):
    """Committee readers see every topic; a unit sees its own proposals and the topics they
    were merged into, its groups' topics and the topics on the agenda of meetings it sees;
    a lead unit's secretary also the accepted topics meant for any group, to plan with."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not _clean(s):
            return qs.none()
        if s.roles & READERS:
            return qs
        if not s.unit_ids:
            return qs.none()
        meetings = policy.visible(user, JointMeeting).values("pk")
        on_agenda = AgendaItem.objects.filter(meeting_id__in=meetings).values("topic_id")
        own = Q(proposed_by_id=user.pk) | Q(proposer_unit_id__in=s.unit_ids)
        # A proposer follows the topic its own was merged into.
        merged_into = Topic.objects.filter(own, merged_into__isnull=False).values("merged_into_id")
        seen = own | Q(group_id__in=s.group_ids) | Q(pk__in=on_agenda) | Q(pk__in=merged_into)
        if s.lead_group_year_ids:
            # A lead unit's secretary plans its group's agenda: the topics meant for any group.
            seen |= Q(group__isnull=True, status__in=PLANNABLE)
        return qs.filter(seen)

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        # Deciding on a topic (accept, merge, return, schedule) is the office's.
        return action is Action.CHANGE and _clean(s) and Role.MEETING_OFFICE in s.roles

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        if action is Action.VIEW:
            return reads_all(s) or (_clean(s) and bool(s.unit_ids))
        if action is Action.CHANGE:
            return _clean(s) and (bool(s.roles & READERS) or bool(s.lead_group_year_ids))
        return False


class FeedRules(Rules):
    """A calendar address is its owner's alone."""

    def visible(self, s: Scope, user: Any, qs: QuerySet[Any]) -> QuerySet[Any]:
        if not _clean(s):
            return qs.none()
        return qs.filter(user_id=user.pk)

    def can(self, s: Scope, user: Any, action: Action, obj: Any) -> bool:
        return action is Action.CHANGE and _clean(s) and obj.user_id == user.pk

    def can_on_kind(self, s: Scope, action: Action, model: type[Model]) -> bool:
        return action in (Action.VIEW, Action.CHANGE) and _clean(s)


def register() -> None:
    """Give the policy the rules of the meeting models (from ``ready()``)."""
    policy.register(JointMeeting, MeetingRules())
    policy.register(Topic, TopicRules())
    policy.register(AgendaItem, ChildOf("meeting"))
    policy.register(Attendance, ChildOf("meeting"))
    policy.register(Decision, ChildOf("meeting"))
    policy.register(DecisionUnit, ChildOf("decision"))
    policy.register(CalendarFeed, FeedRules())
