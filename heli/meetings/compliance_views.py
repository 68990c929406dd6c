"""The compliance view (meetings:compliance): the rule "at least N joint meetings per
group per year", group by group, looking ahead (see :mod:`heli.meetings.compliance`).

Who sees it: the committee's leaders, departments and the joint-meeting office, every
group; a unit's people (its lead units' secretaries among them), the row of their own
group of the year. Everyone else gets a 403, recorded.

Every count opens exactly the rows it counts: the numbers at the top link to the list
filtered by ``status`` (a colour: green, blue, amber, red, grey) and ``group``. Unknown
filter values select nothing rather than everything. A fixed number of queries.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from heli.accounts.policy import scope_of
from heli.lib.dates import format_date
from heli.lib.http import AuthedRequest
from heli.meetings import compliance
from heli.meetings.access import reads_all
from heli.meetings.calendar_views import (
    int_param,
    meeting_path,
    member_group_years,
    page_url,
    refuse,
    requested_year,
    sees_calendar,
    years_offered,
)
from heli.meetings.compliance import COLOURS, Compliance, GroupRow
from heli.meetings.models import MeetingSettings


def sees_compliance(user: Any) -> bool:
    """The committee's readers, and the people of the units (for their own group)."""
    return sees_calendar(user)


def advice(row: GroupRow, year: int, today: datetime.date) -> str:
    """What the row's colour means for this group, in one sentence."""
    o = row.outlook
    values: dict[str, Any] = {
        "held": o.held,
        "rule": o.rule,
        "planned": o.planned,
        "missing": o.missing,
        "year": year,
        "hold_by": format_date(o.hold_by),
        "plan_by": format_date(o.plan_by),
    }
    if o.colour == compliance.GREEN:
        return _("The rule is met: %(held)s of %(rule)s meetings held.") % values
    if o.colour == compliance.GREY:
        return _("No joint meeting of %(year)s is recorded.") % values
    if o.colour == compliance.RED and today > compliance.year_end(year):
        return _("The year ended with %(held)s of the %(rule)s meetings the rule asks for.") % (
            values
        )
    if o.colour == compliance.RED:
        return (
            ngettext(
                "The %(missing)s meeting still missing no longer fits before 31 December.",
                "The %(missing)s meetings still missing no longer fit before 31 December at "
                "the usual interval between meetings.",
                o.missing,
            )
            % values
        )
    if o.hold_by is None:
        return _("The meetings planned make up the rule once they are held.") % values
    if o.colour == compliance.AMBER:
        return (
            ngettext(
                "%(missing)s meeting still missing: the day to send its notice at the usual "
                "lead time has passed, so only a shorter notice can still meet the rule.",
                "%(missing)s meetings still missing: the day to send the next one's notice "
                "at the usual lead time has passed, so only a shorter notice can still meet "
                "the rule.",
                o.missing,
            )
            % values
        )
    return (
        ngettext(
            "%(missing)s meeting still to plan; it fits in time.",
            "%(missing)s meetings still to plan; they fit in time.",
            o.missing,
        )
        % values
    )


def legend(found: Compliance) -> list[tuple[str, str, str]]:
    """Each colour, its name and what it means with this committee's settings."""
    labels = compliance.colour_labels()
    values = {"rule": found.rule, "lead": found.lead_days, "gap": found.gap_days}
    meaning = {
        compliance.GREEN: _("at least %(rule)s meetings held in the year: the rule is met")
        % values,
        compliance.BLUE: _(
            "not met yet, but the meetings planned make up the rule, or the missing ones "
            "still fit before 31 December at %(gap)s days apart with %(lead)s days of notice"
        )
        % values,
        compliance.AMBER: _(
            "this year, not met: the missing meetings no longer fit at %(lead)s days of notice "
            "— the date by which the next one had to be planned has passed"
        )
        % values,
        compliance.RED: _(
            "not met, and the year is over, or the missing meetings no longer fit before "
            "31 December at all"
        ),
        compliance.GREY: _("a past year of which no joint meeting is recorded in Heli"),
    }
    return [(c, str(labels[c]), meaning[c]) for c in COLOURS]


@require_GET
def compliance_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if not sees_compliance(user):
        refuse(request)
    year = requested_year(request)
    today = timezone.localdate()
    now = timezone.now()
    found_settings = MeetingSettings.of(request.committee)
    found = compliance.build(
        user, request.committee, year, today, now, meeting_settings=found_settings
    )
    everyone = reads_all(scope_of(user))
    if everyone:
        mine = found.rows
    else:
        own = member_group_years(user, request.committee.pk, year)
        mine = [r for r in found.rows if r.facts.group_year_id in own]
    group_param = request.GET.get("group", "")
    status_param = request.GET.get("status", "")
    group = int_param(group_param)
    selects_nothing = (bool(group_param) and group not in {r.facts.group_id for r in mine}) or (
        bool(status_param) and status_param not in COLOURS
    )
    scoped = [r for r in mine if group is None or r.facts.group_id == group]
    status = status_param if status_param in COLOURS else None
    shown = [r for r in scoped if status is None or r.colour == status]
    if selects_nothing:
        scoped = shown = []
        group = status = None
    counts = compliance.tally(r.colour for r in scoped)
    labels = compliance.colour_labels()
    summary = [
        {
            "key": "all",
            "label": _("Groups"),
            "count": len(scoped),
            "url": page_url("meetings:compliance", year=year, group=group),
        },
        *(
            {
                "key": colour,
                "label": str(labels[colour]),
                "count": counts[colour],
                "url": page_url("meetings:compliance", year=year, group=group, status=colour),
            }
            for colour in COLOURS
            if colour != compliance.GREY or counts[colour]
        ),
    ]
    link = meeting_path()
    context = {
        "year": year,
        "years": years_offered(),
        "today": today,
        "compliance": found,
        "settings": found_settings,
        "everyone": everyone,
        "groups": mine,
        "rows": [
            {
                "row": r,
                "advice": advice(r, year, today),
                "last_url": link.format(r.last.pk) if link and r.last else "",
                "next_url": link.format(r.next.pk) if link and r.next else "",
            }
            for r in shown
        ],
        "summary": summary,
        "group": group,
        "status": status,
        "status_label": str(labels[status]) if status else "",
        "filtered": bool(group_param or status_param),
        "legend": legend(found),
        "calendar_url": page_url("meetings:calendar", year=year, group=group),
    }
    return render(request, "meetings/compliance.html", context)


urlpatterns: list[URLPattern] = [
    path("compliance/", compliance_page, name="compliance"),
]
