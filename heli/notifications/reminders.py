"""The reminder kinds Heli has without the business apps; registered on start-up."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from heli.accounts.models import Role, User, policy_for
from heli.lib.dates import format_date
from heli.notifications.registry import Reminder, reminder
from heli.org.models import Committee, Group, GroupYear

# From this day of December, next year's lead units should be confirmed.
LEADS_DEADLINE = (12, 1)
# How many days ahead a password's expiry is announced.
PASSWORD_NOTICE_DAYS = 7


@reminder("org.leads_unconfirmed", gettext_lazy("Next year's lead units not confirmed"))
def leads_unconfirmed(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    """From 1 December, weekly: groups whose lead units for next year are not confirmed."""
    if (today.month, today.day) < LEADS_DEADLINE:
        return
    year = today.year + 1
    groups = Group.objects.filter(committee=committee).count()
    confirmed = GroupYear.objects.filter(
        committee=committee, year=year, leads_status=GroupYear.LeadsStatus.CONFIRMED
    ).count()
    missing = groups - confirmed
    if missing <= 0:
        return
    office = User.objects.filter(
        committee=committee,
        is_active=True,
        role_assignments__role=Role.MEETING_OFFICE,
        role_assignments__committee=committee,
    ).distinct()
    yield Reminder(
        key=f"{year}:{today:%G-W%V}",
        title=_("Lead units of %(year)s: %(missing)s of %(groups)s groups not confirmed")
        % {"year": year, "missing": missing, "groups": groups},
        body=_(
            "The lead units of every group for %(year)s should be confirmed by "
            "%(deadline)s. Generate, adjust and confirm them on the lead-unit rotation page."
        )
        % {"year": year, "deadline": format_date(datetime.date(today.year, *LEADS_DEADLINE))},
        url=f"{reverse('org:leads')}?year={year}",
        recipients=list(office),
        to_robots=True,
    )


@reminder("accounts.password_expiry", gettext_lazy("Password about to expire"))
def password_expiry(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    """Each person whose password expires within the next week, once per password."""
    max_age = policy_for(committee).max_age_days
    tz = timezone.get_current_timezone()
    # Passwords set on these days expire between today and PASSWORD_NOTICE_DAYS ahead.
    first = datetime.datetime.combine(
        today - datetime.timedelta(days=max_age), datetime.time.min, tzinfo=tz
    )
    last = first + datetime.timedelta(days=PASSWORD_NOTICE_DAYS + 1)
    people = User.objects.filter(
        committee=committee,
        is_active=True,
        password_changed_at__gte=first,
        password_changed_at__lt=last,
    ).order_by("id")
    for person in people:
        if not person.has_usable_password():
            continue
        expires = timezone.localtime(person.password_changed_at, tz).date() + datetime.timedelta(
            days=max_age
        )
        yield Reminder(
            key=f"{person.pk}:{expires.isoformat()}",
            title=_("Your password expires on %(date)s") % {"date": format_date(expires)},
            body=_(
                "Change it before then; after that day you must change it before you can go on."
            ),
            url=reverse("accounts:password_change"),
            recipients=[person],
        )
