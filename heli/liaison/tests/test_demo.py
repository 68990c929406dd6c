"""The demonstration contacts: loaded once, every form, letters partly signed for, matters
in every state, and a coverage board in all three colours for the right years."""

from __future__ import annotations

import datetime
import itertools
from collections import Counter

import pytest
from django.db.models import Count
from django.utils import timezone

from heli.liaison import coverage
from heli.liaison import demo as liaison_demo
from heli.liaison.models import (
    SUBJECT_CODES,
    Contact,
    ContactPerson,
    ContactUnit,
    Form,
    Letter,
    LetterCounter,
    LetterReceipt,
)
from heli.lib import demo
from heli.org.demo import load_demo
from heli.org.demo_data import DEMO_UNIT
from heli.org.models import Committee
from heli.tracking.models import Task, TaskTransition
from heli.tracking.workflow import Status

# Early December, with under 60 days (the default warning) of the year left.
DECEMBER = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.frozen_clock(DECEMBER)]


@pytest.fixture
def committee() -> Committee:
    """The demonstration registry (without the battle map's own tasks, to stay quick) and
    the contacts."""
    with demo.DEMO_LOADERS.only(demo.DEMO_LOADERS.get("org")):  # type: ignore[arg-type]
        found = load_demo().committee
    liaison_demo.load_demo_contacts(found)
    return found


def _matters(committee: Committee) -> list[Task]:
    return list(Task.objects.filter(committee=committee, source_type="liaison.contact"))


def _counts() -> tuple[int, ...]:
    return (
        Contact.objects.count(),
        ContactUnit.objects.count(),
        ContactPerson.objects.count(),
        Letter.objects.count(),
        LetterReceipt.objects.count(),
        Task.objects.filter(source_type="liaison.contact").count(),
        TaskTransition.objects.count(),
    )


def test_load_demo_loads_the_contacts_once_and_names_them() -> None:
    first = load_demo()
    assert "liaison" in [loader.code for loader in demo.ordered()]
    assert first.created["contact"] > 100
    assert any(line.startswith("新建：") and "沟通联系 " in line for line in first.summary())
    before = _counts()
    second = load_demo()
    assert _counts() == before
    assert not any(second.created[key] for key in liaison_demo.LABELS)
    again = liaison_demo.load_demo_contacts(first.committee)
    assert not again.changed


def test_the_board_shows_green_amber_and_red_for_the_right_years(committee: Committee) -> None:
    today = timezone.localdate()
    last = coverage.build_board(committee, today.year - 1, today)
    this = coverage.build_board(committee, today.year, today)
    last_colours = Counter(r.colour for g in last.groups for r in g.rows)
    this_colours = Counter(r.colour for g in this.groups for r in g.rows)
    assert set(last_colours) == {coverage.MET, coverage.MISSED}
    assert last_colours[coverage.MISSED] == liaison_demo.UNREACHED["last"]
    assert set(this_colours) == {coverage.MET, coverage.AT_RISK}
    assert this_colours[coverage.AT_RISK] == liaison_demo.UNREACHED["this"]
    # The forecast has a pace to measure and units left to reach.
    forecast = this.forecast()
    assert forecast.pace > 0 and forecast.covered < forecast.total
    assert forecast.state == coverage.BEHIND


def test_letters_are_numbered_in_order_with_partial_receipts(committee: Committee) -> None:
    today = timezone.localdate()
    for year in (today.year - 1, today.year):
        letters = list(Letter.objects.filter(committee=committee, year=year).order_by("serial"))
        assert [x.serial for x in letters] == [1, 2, 3]
        assert [x.number for x in letters] == [f"京直工函〔{year}〕{n}号" for n in (1, 2, 3)]
        assert [x.contact.date for x in letters] == sorted(x.contact.date for x in letters)
        assert LetterCounter.objects.get(committee=committee, year=year).last == 3
        assert all(x.contact.form == Form.LETTER for x in letters)
    receipts = LetterReceipt.objects.filter(committee=committee)
    assert not receipts.filter(signed_at__isnull=True, answered_at__isnull=False).exists()
    assert not receipts.filter(letter__year=today.year - 1, signed_at__isnull=True).exists()
    latest = Letter.objects.get(committee=committee, year=today.year, serial=3)
    kinds = Counter(
        ("answered" if r.answered_at else "signed") if r.signed_at else "neither"
        for r in latest.receipts.all()
    )
    assert set(kinds) == {"answered", "signed", "neither"}
    own = latest.receipts.get(unit__name=DEMO_UNIT)
    assert own.signed_at is None
    for receipt in receipts.filter(signed_at__isnull=False, letter=latest):
        assert receipt.signed_at is not None
        assert latest.sent_at <= receipt.signed_at <= timezone.now()


def test_matters_are_tasks_in_every_state_and_some_contacts_are_all_handled(
    committee: Committee,
) -> None:
    today = timezone.localdate()
    matters = _matters(committee)
    this_year = {t.status for t in matters if t.year == today.year}
    assert this_year >= {
        Status.ASSIGNED,
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.REPORTED_DONE,
        Status.RETURNED,
        Status.LONG_RUNNING,
        Status.CLOSED,
    }
    assert all(t.number for t in matters)
    contacts = {c.pk: c for c in Contact.objects.filter(committee=committee)}
    units = {(cu.contact_id, cu.unit_id) for cu in ContactUnit.objects.filter(committee=committee)}
    for task in matters:
        assert task.source_id is not None
        contact = contacts[task.source_id]
        assert task.source_kind == "liaison"
        assert task.source_url == contact.get_absolute_url()
        assert (contact.pk, task.lead_unit_id) in units
        assert task.assigned_at == contact.date and task.year == contact.year
        last = task.transitions.order_by("at", "id").last()
        assert last is not None and last.to_status == task.status
    by_contact: dict[int, list[Task]] = {}
    for task in matters:
        by_contact.setdefault(task.source_id, []).append(task)  # type: ignore[arg-type]
    handled = [pk for pk, tasks in by_contact.items() if all(t.is_closed for t in tasks)]
    assert handled and any(not all(t.is_closed for t in tasks) for tasks in by_contact.values())
    for pk, contact in contacts.items():
        assert (contact.matters_handled_at is not None) == (pk in handled)


def test_every_form_and_subject_with_the_people_present(committee: Committee) -> None:
    contacts = Contact.objects.filter(committee=committee).annotate(n=Count("unit_links"))
    assert {c.form for c in contacts} == set(Form.values)
    subjects = set(itertools.chain.from_iterable(c.subjects for c in contacts))
    assert subjects == set(SUBJECT_CODES)
    assert all(c.n >= 3 for c in contacts if c.form == Form.SYMPOSIUM)
    face = [c for c in contacts if c.form in (Form.SYMPOSIUM, Form.VISIT)]
    sides = Counter(
        ContactPerson.objects.filter(contact__in=face).values_list("contact_id", "side")
    )
    for contact in face:
        assert sides[(contact.pk, "committee")] >= 1
        assert sides[(contact.pk, "unit")] >= 1
    assert all(c.summary for c in contacts)
    assert all(c.date <= timezone.localdate() for c in contacts)


def test_the_draws_are_the_same_every_time(committee: Committee) -> None:
    today = timezone.localdate()
    world = liaison_demo._gather(committee, today, (today.year - 1, today.year))
    assert world is not None

    def drawn() -> list[tuple[str, datetime.date, tuple[int, ...]]]:
        plans = liaison_demo._Planner(world, today.year, liaison_demo.SEED).draw()
        return [(p.contact.title, p.contact.date, tuple(u.pk for u in p.units)) for p in plans]

    assert drawn() == drawn()
    stored = set(
        Contact.objects.filter(committee=committee, year=today.year).values_list("title", "date")
    )
    assert {(title, date) for title, date, _units in drawn()} == stored
