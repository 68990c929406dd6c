"""The letters' daily reminders, sent by ``manage.py send_reminders``.

* ``liaison.letter_unsigned``: a receipt not signed for ``letter_reminder_days`` after the
  letter was sent → the unit's secretary and party-affairs staff; once per receipt.
* ``liaison.letter_unanswered``: a letter that asks for an answer (it has an answer date),
  signed for but not answered ``letter_reminder_days`` after it was sent → the same
  people; once per receipt.

The registry delivers each key to a person once, so yielding the same reminder every
day is safe. Each kind reads its receipts and its people in a fixed number of queries.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from heli.liaison import letters
from heli.liaison.models import LetterReceipt
from heli.notifications.registry import Reminder, reminder
from heli.org.models import Committee


def _late(committee: Committee, today: datetime.date, condition: Q) -> QuerySet[LetterReceipt]:
    days = letters.settings_of(committee).letter_reminder_days
    tz = timezone.get_current_timezone()
    cutoff = datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time.max, tz)
    return (
        LetterReceipt.objects.filter(committee=committee, letter__sent_at__lte=cutoff)
        .filter(condition)
        .select_related("letter", "unit")
        .order_by("letter_id", "unit__sort_order", "unit_id")
    )


def _reminders(receipts: list[LetterReceipt]) -> Iterator[Reminder]:
    if not receipts:
        return
    people = letters.unit_recipients(receipts[0].committee_id, {r.unit_id for r in receipts})
    for receipt in receipts:
        title, body = letters.chase_text(receipt)
        yield Reminder(
            key=str(receipt.pk),
            title=title,
            body=body,
            recipients=people.get(receipt.unit_id, []),
            url=receipt.letter.get_absolute_url(),
        )


@reminder("liaison.letter_unsigned", gettext_lazy("Letters not signed for"))
def unsigned(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    yield from _reminders(list(_late(committee, today, Q(signed_at__isnull=True))))


@reminder("liaison.letter_unanswered", gettext_lazy("Letters not answered"))
def unanswered(committee: Committee, today: datetime.date) -> Iterator[Reminder]:
    condition = Q(
        signed_at__isnull=False, answered_at__isnull=True, letter__answer_by__isnull=False
    )
    yield from _reminders(list(_late(committee, today, condition)))
