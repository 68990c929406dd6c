"""The year's calendar of joint meetings (meetings:calendar): every group's meetings of a
work year as a wall chart of groups × twelve months, and as a list by month on a phone.

Each meeting is a chip with its day, its place in the group's year and its status
colour, linking to the meeting's page. Only meetings the reader may see are shown
(``policy.visible``): the committee's readers see every group; a unit sees its own
groups' meetings and those another group shared. Filters: ``year`` (the current work
year by default) and ``group``; an unknown group selects nothing. A fixed number of
queries whatever the committee's size: the year's groups, the visible meetings, and for
a unit's people their groups of the year.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from heli.accounts import policy
from heli.accounts.policy import Action, scope_of
from heli.audit.actions import record_denial
from heli.lib.dates import current_year, format_date
from heli.lib.http import AuthedRequest
from heli.meetings.access import reads_all
from heli.meetings.compliance import PLANNED
from heli.meetings.models import JointMeeting
from heli.org.models import GroupMembership, GroupYear

S = JointMeeting.Status
LOWEST_YEAR, HIGHEST_YEAR = 2000, 2100
MONTHS = range(1, 13)

# A chip's colour: the meeting's status, or "unrecorded" when its time has passed and
# nobody marked it held. In the order of the legend.
UNRECORDED = "unrecorded"
CHIP_STATES: tuple[str, ...] = (
    S.PLANNED,
    S.PLAN_APPROVED,
    S.NOTICE_SENT,
    UNRECORDED,
    S.HELD,
    S.MINUTES_APPROVED,
    S.CANCELLED,
)
CHIP_MEANINGS: dict[str, Any] = {
    S.PLANNED: gettext_lazy("planned, the plan not yet approved"),
    S.PLAN_APPROVED: gettext_lazy("the plan approved, the notice not yet sent"),
    S.NOTICE_SENT: gettext_lazy("the notice sent to the member units"),
    UNRECORDED: gettext_lazy("its time has passed but it is not marked held"),
    S.HELD: gettext_lazy("held, the minutes not yet approved"),
    S.MINUTES_APPROVED: gettext_lazy("held, the minutes approved"),
    S.CANCELLED: gettext_lazy("cancelled"),
}
CHIP_ICONS: dict[str, str] = {
    S.PLANNED: "bi-pencil",
    S.PLAN_APPROVED: "bi-check2",
    S.NOTICE_SENT: "bi-envelope",
    UNRECORDED: "bi-exclamation-triangle",
    S.HELD: "bi-people",
    S.MINUTES_APPROVED: "bi-check2-all",
    S.CANCELLED: "bi-x-lg",
}


def sees_calendar(user: Any) -> bool:
    """Whoever may read meetings at all: the committee's readers and the units' people."""
    return policy.can(user, Action.VIEW, JointMeeting)


def refuse(request: AuthedRequest) -> None:
    """Record the refusal and answer 403."""
    record_denial(Action.VIEW, request=request, model=JointMeeting)
    raise PermissionDenied


def int_param(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def requested_year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    return year if year is not None and LOWEST_YEAR <= year <= HIGHEST_YEAR else current_year()


def years_offered() -> range:
    this = current_year()
    return range(this + 1, this - 5, -1)


def page_url(name: str, **params: Any) -> str:
    """The page ``name`` with these filters; empty values are left out."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def meeting_path() -> str:
    """The meeting page's address with ``{}`` for the id (reversed once per page, not once
    per chip)."""
    marker = 999999999
    return reverse("meetings:meeting_detail", args=[marker]).replace(str(marker), "{}")


def short_date(day: datetime.date) -> str:
    """A day of the year as 3月5日."""
    return f"{day.month}月{day.day}日"


def chip_state(status: str, starts_at: datetime.datetime, now: datetime.datetime) -> str:
    if status in PLANNED and starts_at <= now:
        return UNRECORDED
    return status


def state_labels() -> dict[str, str]:
    labels = {value: str(label) for value, label in S.choices}
    labels[UNRECORDED] = _("Past, not recorded")
    return labels


@dataclass(frozen=True)
class Chip:
    pk: int
    url: str
    day: datetime.date
    time: str
    sequence: int
    title: str
    place: str
    state: str
    state_label: str
    group_name: str

    @property
    def icon(self) -> str:
        return CHIP_ICONS[self.state]

    @property
    def short_day(self) -> str:
        return short_date(self.day)

    @property
    def day_of_month(self) -> str:
        """The day alone, as 5日, where the month is the column's."""
        return f"{self.day.day}日"

    @property
    def long_day(self) -> str:
        return format_date(self.day)


@dataclass
class CalendarRow:
    """One group of the year: its chips month by month."""

    group_year_id: int
    group_id: int
    number: int
    name: str
    months: dict[int, list[Chip]] = field(default_factory=lambda: defaultdict(list))

    @property
    def cells(self) -> list[tuple[int, list[Chip]]]:
        return [(m, self.months.get(m, [])) for m in MONTHS]

    @property
    def chips(self) -> list[Chip]:
        return [c for m in MONTHS for c in self.months.get(m, [])]

    @property
    def held(self) -> int:
        return sum(1 for c in self.chips if c.state in (S.HELD, S.MINUTES_APPROVED))


def member_group_years(user: Any, committee_id: int, year: int) -> set[int]:
    """The group years of ``year`` that the user's units belong to: one query (none
    without units)."""
    s = scope_of(user)
    if not s.unit_ids:
        return set()
    return set(
        GroupMembership.objects.filter(
            committee_id=committee_id, year=year, unit_id__in=s.unit_ids
        ).values_list("group_year_id", flat=True)
    )


def build_rows(
    user: Any, committee_id: int, year: int, now: datetime.datetime
) -> list[CalendarRow]:
    """The year's groups with the meetings ``user`` may see, month by month. A unit's
    people get their own groups and those with a meeting they may see (shared ones)."""
    rows = {
        gy: CalendarRow(gy, g, number, name)
        for gy, g, number, name in GroupYear.objects.filter(committee_id=committee_id, year=year)
        .order_by("group__number")
        .values_list("pk", "group_id", "group__number", "group__name")
    }
    meetings = (
        policy.visible(user, JointMeeting)
        .filter(year=year, group_year_id__in=list(rows))
        .order_by("starts_at", "id")
        .values_list("pk", "group_year_id", "starts_at", "sequence_in_year", "title", "place",
                     "status")
    )  # fmt: skip
    labels = state_labels()
    link = meeting_path()
    with_meetings: set[int] = set()
    for pk, gy, starts_at, sequence, title, place, status in meetings:
        local = timezone.localtime(starts_at)
        state = chip_state(status, starts_at, now)
        row = rows[gy]
        chip = Chip(
            pk, link.format(pk), local.date(), f"{local:%H:%M}", sequence, title,
            place, state, labels[state], row.name,
        )  # fmt: skip
        row.months[local.month].append(chip)
        with_meetings.add(gy)
    if reads_all(scope_of(user)):
        return list(rows.values())
    shown = with_meetings | member_group_years(user, committee_id, year)
    return [row for gy, row in rows.items() if gy in shown]


def legend() -> list[tuple[str, str, str, str]]:
    """Each chip colour: its code, icon, name and meaning."""
    labels = state_labels()
    return [(s, CHIP_ICONS[s], labels[s], str(CHIP_MEANINGS[s])) for s in CHIP_STATES]


@require_GET
def calendar(request: AuthedRequest) -> HttpResponse:
    if not sees_calendar(request.user):
        refuse(request)
    year = requested_year(request)
    now = timezone.now()
    today = timezone.localdate()
    rows = build_rows(request.user, request.committee.pk, year, now)
    group_param = request.GET.get("group", "")
    group = int_param(group_param)
    selects_nothing = bool(group_param) and group not in {r.group_id for r in rows}
    shown = [r for r in rows if group is None or r.group_id == group]
    if selects_nothing:
        shown = []
    by_month = [(month, [c for r in shown for c in r.months.get(month, [])]) for month in MONTHS]
    by_month = [(month, sorted(chips, key=lambda c: (c.day, c.time))) for month, chips in by_month]
    context = {
        "year": year,
        "years": years_offered(),
        "today": today,
        "current_month": today.month if today.year == year else None,
        "months": list(MONTHS),
        "groups": rows,
        "rows": shown,
        "by_month": [(m, chips) for m, chips in by_month if chips],
        "count": sum(len(chips) for _m, chips in by_month),
        "group": group if not selects_nothing else None,
        "filtered": bool(group_param),
        "legend": legend(),
        "compliance_url": page_url(
            "meetings:compliance", year=year, group=group if not selects_nothing else None
        ),
    }
    return render(request, "meetings/calendar.html", context)


urlpatterns: list[URLPattern] = [
    path("calendar/", calendar, name="calendar"),
]
