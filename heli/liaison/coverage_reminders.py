"""The coverage reminder, sent by ``manage.py send_reminders``.

``liaison.uncovered``: from the day a unit not yet covered this year turns amber (fewer
than ``LiaisonSettings.warn_days`` days of the year left), each such unit → its group's
liaison leader (``GroupYear.liaison_leader``) and the staff of the Organization
Department (the department that hosts the joint-meeting office and keeps the liaison
ledger). Once per unit, person and year: the key is the year and the unit, and a key is
delivered to a person at most once. A unit contacted in the meantime drops out; a unit in
no group this year goes to the Organization Department only. Fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.accounts.models import Role, User
from heli.liaison import board_views, coverage
from heli.lib.dates import format_date
from heli.notifications.registry import Reminder, reminder
from heli.org.models import Committee, Department

KIND = "liaison.uncovered"


def ledger_keepers(committee: Committee) -> list[User]:
    """The active committee staff of the Organization Department."""
    office = Department.objects.filter(committee=committee, is_meeting_office=True)
    return list(
        User.objects.filter(
            committee=committee,
            is_active=True,
            role_assignments__committee=committee,
            role_assignments__role=Role.COMMITTEE_STAFF,
            role_assignments__department__in=office,
        )
        .distinct()
        .order_by("id")
    )


def _leaders(ids: set[int]) -> dict[int, User]:
    return {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True)}


@reminder(KIND, gettext_lazy("Units not yet contacted as the year's end approaches"))
def uncovered(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    year = today.year
    board = coverage.build_board(committee, year, today)
    waiting = [
        (group, row)
        for group in board.groups
        for row in group.rows
        if row.colour == coverage.AT_RISK
    ]
    if not waiting:
        return
    keepers = ledger_keepers(committee)
    leaders = _leaders({g.liaison_leader_id for g, _r in waiting if g.liaison_leader_id})
    end = format_date(coverage.year_end(year))
    for group, row in waiting:
        recipients: list[Any] = list(keepers)
        leader = leaders.get(group.liaison_leader_id or 0)
        if leader is not None and leader not in recipients:
            recipients.append(leader)
        if not recipients:
            continue
        values = {
            "unit": row.name,
            "year": year,
            "count": row.count,
            "rule": board.rule,
            "days": coverage.days_left(year, today),
            "end": end,
            "group": group.name,
        }
        if row.count:
            body = (
                _(
                    "%(unit)s (%(group)s) has had %(count)s of the %(rule)s contacts the rule asks "
                    "for in %(year)s, and %(days)s days are left until %(end)s. Plan the next "
                    "contact, by letter, in person or through an information channel."
                )
                % values
            )
        else:
            body = (
                _(
                    "%(unit)s (%(group)s) has not been contacted in %(year)s, and %(days)s days "
                    "are left until %(end)s. Plan a contact, by letter, in person or through an "
                    "information channel."
                )
                % values
            )
        yield Reminder(
            key=f"{year}:{row.unit_id}",
            title=_("Not yet contacted in %(year)s: %(unit)s") % values,
            body=body,
            url=board_views.board_url(year=year, group=group.group_id, colour=coverage.AT_RISK),
            recipients=recipients,
        )
