"""The letters' daily reminders, each once per receipt; fixed queries on the letter pages."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from heli.liaison import letters
from heli.liaison.models import Letter
from heli.liaison.tests.letter_helpers import send
from heli.notifications.actions import collect_reminders
from heli.notifications.models import Notification
from heli.notifications.tests.fakeserver import use_test_delivery
from heli.org.models import Department, Unit
from heli.testing import World, build_sized_committee, grant, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _notify_settings(settings: Any) -> None:
    use_test_delivery(settings)


def _told(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True)
    )


def test_unsigned_and_unanswered_receipts_are_chased_once_after_the_days(world: World) -> None:
    letter = send(world)
    letters.sign(letter.receipts.get(unit=world.units[0]), world.user("unit0_staff"))
    sent = timezone.localdate(letter.sent_at)
    days = letters.settings_of(world.committee).letter_reminder_days
    collect_reminders(world.committee, sent + datetime.timedelta(days=days - 1))
    assert _told("liaison.letter_unsigned") == [] and _told("liaison.letter_unanswered") == []
    for extra in (0, 1, 2):
        collect_reminders(world.committee, sent + datetime.timedelta(days=days + extra))
    assert _told("liaison.letter_unsigned") == ["unit2_secretary", "unit2_staff"]
    assert _told("liaison.letter_unanswered") == ["unit0_secretary", "unit0_staff"]


def test_a_letter_without_an_answer_date_is_not_chased_for_an_answer(world: World) -> None:
    letter = send(world, answer_by=None)
    for receipt in letter.receipts.select_related("unit"):
        staff = "unit0_staff" if receipt.unit == world.units[0] else "unit2_staff"
        letters.sign(receipt, world.user(staff))
    collect_reminders(world.committee, timezone.localdate() + datetime.timedelta(days=60))
    assert _told("liaison.letter_unsigned") == [] and _told("liaison.letter_unanswered") == []


def _sized_letter(n_units: int) -> tuple[Client, Letter]:
    committee = build_sized_committee(n_units)
    staff = make_user(committee, f"sender{n_units}")
    from heli.accounts.models import Role

    grant(
        staff,
        Role.COMMITTEE_STAFF,
        department=Department.objects.filter(committee=committee).first(),
    )
    units = list(Unit.objects.filter(committee=committee))
    letter = letters.send_letter(
        committee,
        units=units,
        title="规模测试",
        body="正文",
        subjects=["views"],
        date=timezone.localdate(),
        by=staff,
    )
    receipts = list(letter.receipts.order_by("id"))
    for receipt in receipts[: n_units // 2]:
        receipt.signed_at = timezone.now()
    from heli.liaison.models import LetterReceipt

    LetterReceipt.objects.bulk_update(receipts, ["signed_at"])
    for i in range(3):
        letters.send_letter(
            committee,
            units=units[:5],
            title=f"其他{i}",
            body="正文",
            subjects=["views"],
            date=timezone.localdate(),
            by=staff,
        )
    client = Client()
    client.force_login(staff)
    return client, letter


@pytest.mark.parametrize("n_units", [122, 1220])
def test_the_receipts_page_and_letter_list_run_fixed_queries(
    n_units: int, django_assert_max_num_queries: Any
) -> None:
    client, letter = _sized_letter(n_units)
    client.get(reverse("liaison:letter_list"))  # warm the session and the scope
    with django_assert_max_num_queries(16):
        assert client.get(reverse("liaison:letter_receipts", args=[letter.pk])).status_code == 200
    with django_assert_max_num_queries(16):
        page = client.get(
            reverse("liaison:letter_receipts", args=[letter.pk]), {"state": "unsigned"}
        )
    assert len(page.context["rows"]) == min(n_units - n_units // 2, 200)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("liaison:letter_list")).status_code == 200
