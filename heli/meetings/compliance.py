"""The rule "at least N joint meetings per group per year", and where each group is heading.

The rule is ``Committee.min_meetings_per_year`` meetings (2 by default) for every group
of a work year. For each group year we count, in one query:

* **held**: its meetings marked held or with approved minutes;
* **planned**: its meetings planned, with an approved plan or with the notice sent, that
  start after now and on or before 31 December of the year (a planned meeting whose time
  has passed without being marked held counts as neither: it is shown as *not recorded*
  until someone records it);
* everything recorded for it (cancelled meetings too), to tell "no records" from "none".

**Looking ahead.** ``missing = rule − held − planned`` meetings still have to be found a
date. Counting back from 31 December with ``MeetingSettings.min_gap_days`` (30 by
default) between two of them, the last missing meeting can be held on 31 December, the
one before it ``min_gap_days`` earlier, and so on: the next meeting **must be held by**

    hold_by = 31 December − (missing − 1) × min_gap_days

A meeting not yet planned needs ``MeetingSettings.notice_lead_days`` (7 by default) of
notice, so its notice — and therefore its plan — must go out by

    plan_by = hold_by − notice_lead_days

Meetings already planned keep their dates and are not moved; the gap is kept between
the missing meetings themselves (a planning assumption, not a rule of the source
article, which asks only for the number of meetings).

The colours, the liaison board's, in the order the page shows them:

* **green** (``met``): held ≥ rule.
* **blue-grey** (``in time``): not met yet, and either the planned meetings make up the
  rest (``missing`` is 0) or the missing ones still fit at the usual lead time: today is
  on or before ``plan_by``.
* **amber** (``behind``): the current year, not met, and today is after ``plan_by`` but
  not after ``hold_by``: the missing meetings no longer fit at the usual lead time; they
  still could with a shorter notice. A group turns amber on the day after ``plan_by``.
* **red** (``missed``): not met, and the year is over — or, within the year, ``hold_by``
  has passed (the missing meetings no longer fit before 31 December even at one day's
  notice), or falls before 1 January (the rule asks for more meetings than the year
  holds at ``min_gap_days`` apart).
* **grey** (``no records``): a past year of which the committee has no meeting recorded
  at all (before Heli was used for the joint meetings): nothing to judge.

A future year is judged like the current one: its groups stay blue-grey until ``plan_by``
comes near. The arithmetic is in :func:`outlook`, a pure function of ``today``; the
database is read by :func:`group_facts` in one query whatever the committee's size, and
:func:`build` adds the lead units and each group's last and next meeting in two more.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from heli.accounts import policy
from heli.meetings.models import JointMeeting, MeetingSettings
from heli.org.models import Committee, GroupMembership, GroupYear

S = JointMeeting.Status

GREEN, BLUE, AMBER, RED, GREY = "green", "blue", "amber", "red", "grey"
# In the order the page shows them (summary, legend, filter).
COLOURS: tuple[str, ...] = (GREEN, BLUE, AMBER, RED, GREY)
# The colours of a group that has fallen behind (the reminder, the home card).
BEHIND: tuple[str, ...] = (AMBER, RED)

# Lazy: each is translated when shown, in the language of the request.
COLOUR_LABELS: dict[str, Any] = {
    GREEN: _("Met"),
    BLUE: _("In time"),
    AMBER: _("Behind"),
    RED: _("Missed"),
    GREY: _("No records"),
}

# The meetings that count as held, and those that count as planned when still ahead.
HELD = (S.HELD, S.MINUTES_APPROVED)
PLANNED = (S.PLANNED, S.PLAN_APPROVED, S.NOTICE_SENT)


def colour_labels() -> dict[str, Any]:
    return dict(COLOUR_LABELS)


def year_start(year: int) -> datetime.date:
    return datetime.date(year, 1, 1)


def year_end(year: int) -> datetime.date:
    return datetime.date(year, 12, 31)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())


# --- Pure arithmetic ------------------------------------------------------------------


@dataclass(frozen=True)
class Outlook:
    """Where one group of ``year`` stands on ``today`` and what it must do next."""

    colour: str
    rule: int
    held: int
    planned: int
    # Meetings neither held nor planned that the rule still asks for (0 when met).
    missing: int
    # The latest day the next missing meeting must be held, and its notice sent.
    hold_by: datetime.date | None
    plan_by: datetime.date | None

    @property
    def label(self) -> str:
        return str(COLOUR_LABELS[self.colour])


def hold_by_date(missing: int, year: int, gap_days: int) -> datetime.date:
    """The latest day the next of ``missing`` meetings can be held, counting back from
    31 December with ``gap_days`` between two of them."""
    return year_end(year) - datetime.timedelta(days=max(missing - 1, 0) * gap_days)


def outlook(
    *,
    rule: int,
    held: int,
    planned: int,
    year: int,
    today: datetime.date,
    lead_days: int,
    gap_days: int,
    has_data: bool = True,
) -> Outlook:
    """The colour of a group with ``held`` and ``planned`` meetings in ``year`` seen on
    ``today`` (see the module's docstring). ``has_data``: the committee has any meeting
    recorded in ``year``; without, a past year is grey rather than red."""
    rule = max(rule, 0)
    missing = max(rule - held - planned, 0)
    if held >= rule:
        return Outlook(GREEN, rule, held, planned, 0, None, None)
    if today > year_end(year):
        colour = RED if has_data else GREY
        return Outlook(colour, rule, held, planned, rule - held, None, None)
    if missing == 0:
        return Outlook(BLUE, rule, held, planned, 0, None, None)
    hold_by = hold_by_date(missing, year, gap_days)
    plan_by = hold_by - datetime.timedelta(days=lead_days)
    start = year_start(year)
    if hold_by < max(today, start):
        colour = RED
    elif max(today + datetime.timedelta(days=lead_days), start) > hold_by:
        colour = AMBER
    else:
        colour = BLUE
    return Outlook(colour, rule, held, planned, missing, hold_by, plan_by)


# --- Read from the database -----------------------------------------------------------


@dataclass(frozen=True)
class GroupFacts:
    """What the database says of one group year's meetings."""

    group_year_id: int
    group_id: int
    number: int
    name: str
    liaison_leader_id: int | None
    liaison_leader: str
    held: int
    planned: int
    # Planned meetings whose time has passed without being marked held.
    unrecorded: int
    # Every meeting recorded, cancelled ones included.
    recorded: int


def _count(condition: Q) -> Coalesce:
    rows = (
        JointMeeting.objects.filter(condition, group_year_id=OuterRef("pk"))
        .order_by()
        .values("group_year_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def group_facts(
    committee_id: int,
    year: int,
    now: datetime.datetime,
    *,
    group_year_ids: Iterable[int] | None = None,
) -> list[GroupFacts]:
    """Each group year of ``year`` (by group number) with its meetings counted: one query."""
    next_year = _local_midnight(year_start(year + 1))
    ahead = Q(status__in=PLANNED, starts_at__gt=now, starts_at__lt=next_year)
    qs = GroupYear.objects.filter(committee_id=committee_id, year=year)
    if group_year_ids is not None:
        qs = qs.filter(pk__in=list(group_year_ids))
    rows = (
        qs.annotate(
            n_held=_count(Q(status__in=HELD)),
            n_planned=_count(ahead),
            n_unrecorded=_count(Q(status__in=PLANNED, starts_at__lte=now)),
            n_recorded=_count(Q()),
        )
        .order_by("group__number")
        .values_list(
            "pk", "group_id", "group__number", "group__name", "liaison_leader_id",
            "liaison_leader__full_name", "n_held", "n_planned", "n_unrecorded", "n_recorded",
        )
    )  # fmt: skip
    return [
        GroupFacts(pk, g, number, name, leader, leader_name or "", held, planned, late, recorded)
        for pk, g, number, name, leader, leader_name, held, planned, late, recorded in rows
    ]


@dataclass(frozen=True)
class MeetingRef:
    """A meeting named on the page: its id, start and title."""

    pk: int
    starts_at: datetime.datetime
    title: str
    status: str

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()


@dataclass
class GroupRow:
    facts: GroupFacts
    outlook: Outlook
    lead_units: list[str] = field(default_factory=list)
    last: MeetingRef | None = None
    next: MeetingRef | None = None

    @property
    def colour(self) -> str:
        return self.outlook.colour


@dataclass
class Compliance:
    """The compliance of every group of ``year`` seen on ``today``."""

    committee_id: int
    year: int
    today: datetime.date
    rule: int
    lead_days: int
    gap_days: int
    has_data: bool
    rows: list[GroupRow]

    @property
    def counts(self) -> dict[str, int]:
        return tally(r.colour for r in self.rows)

    def only(self, *, group_id: int | None = None, colour: str | None = None) -> list[GroupRow]:
        return [
            r
            for r in self.rows
            if (group_id is None or r.facts.group_id == group_id)
            and (colour is None or r.colour == colour)
        ]


def tally(colours: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(COLOURS, 0)
    for colour in colours:
        counts[colour] += 1
    return counts


def rule_of(committee: Committee) -> int:
    return max(int(committee.min_meetings_per_year), 0)


def outlooks(
    committee: Committee,
    year: int,
    today: datetime.date,
    now: datetime.datetime,
    *,
    meeting_settings: MeetingSettings | None = None,
    group_year_ids: Iterable[int] | None = None,
) -> list[tuple[GroupFacts, Outlook]]:
    """Each group year's facts and outlook: two queries (the settings and the counts).

    With ``group_year_ids`` only those groups are read; their past years are then never
    grey (the committee-wide "no records" is not known from a part of it), which the
    callers that narrow — the home card and the reminder, both of the current year —
    never meet.
    """
    found = meeting_settings or MeetingSettings.of(committee)
    facts = group_facts(committee.pk, year, now, group_year_ids=group_year_ids)
    has_data = group_year_ids is not None or any(f.recorded for f in facts)
    rule = rule_of(committee)
    return [
        (
            f,
            outlook(
                rule=rule,
                held=f.held,
                planned=f.planned,
                year=year,
                today=today,
                lead_days=found.notice_lead_days,
                gap_days=found.min_gap_days,
                has_data=has_data,
            ),
        )
        for f in facts
    ]


def _lead_units(group_year_ids: list[int]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        GroupMembership.objects.filter(group_year_id__in=group_year_ids, is_lead=True)
        .order_by("unit__sort_order", "unit_id")
        .values_list("group_year_id", "unit__name")
    )
    for gy, name in rows:
        names[gy].append(name)
    return names


def _last_and_next(
    user: Any, group_year_ids: list[int], now: datetime.datetime
) -> tuple[dict[int, MeetingRef], dict[int, MeetingRef]]:
    """Each group year's latest meeting that has begun and its next one (cancelled ones
    left out), among the meetings ``user`` may see: one query."""
    last: dict[int, MeetingRef] = {}
    following: dict[int, MeetingRef] = {}
    rows = (
        policy.visible(user, JointMeeting)
        .filter(group_year_id__in=group_year_ids)
        .exclude(status=S.CANCELLED)
        .order_by("starts_at", "id")
        .values_list("group_year_id", "pk", "starts_at", "title", "status")
    )
    for gy, pk, starts_at, title, status in rows:
        ref = MeetingRef(pk, starts_at, title, status)
        if starts_at <= now:
            last[gy] = ref  # ordered by start: the latest wins
        else:
            following.setdefault(gy, ref)
    return last, following


def build(
    user: Any,
    committee: Committee,
    year: int,
    today: datetime.date,
    now: datetime.datetime,
    *,
    meeting_settings: MeetingSettings | None = None,
) -> Compliance:
    """Every group of ``year`` with its colour, lead units, and last and next meeting, in
    four queries (five when the settings are made on first use)."""
    found = meeting_settings or MeetingSettings.of(committee)
    pairs = outlooks(committee, year, today, now, meeting_settings=found)
    ids = [f.group_year_id for f, _o in pairs]
    leads = _lead_units(ids) if ids else {}
    last, following = _last_and_next(user, ids, now) if ids else ({}, {})
    rows = [
        GroupRow(
            f, o, leads.get(f.group_year_id, []), last.get(f.group_year_id),
            following.get(f.group_year_id),
        )
        for f, o in pairs
    ]  # fmt: skip
    return Compliance(
        committee.pk,
        year,
        today,
        rule_of(committee),
        found.notice_lead_days,
        found.min_gap_days,
        any(f.recorded for f, _o in pairs),
        rows,
    )


def behind_counts(
    committee: Committee,
    today: datetime.date,
    now: datetime.datetime,
    *,
    group_year_ids: Iterable[int] | None = None,
) -> dict[str, int]:
    """How many groups of the current year are amber and red (of ``group_year_ids`` when
    given): two queries, for the home card."""
    pairs = outlooks(committee, today.year, today, now, group_year_ids=group_year_ids)
    counts = tally(o.colour for _f, o in pairs)
    return {colour: counts[colour] for colour in BEHIND}
