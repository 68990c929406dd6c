"""Server time of the liaison area's heavy pages at 122 and 1,220 units.

    .venv/bin/python scripts/bench_liaison.py [--repeat 7]   (or ``make bench``)

Builds each committee in a throwaway test database (in-memory SQLite, or a test copy of
the PostgreSQL named by DATABASE_URL) with about one contact a unit (symposiums of three
units among them) and a letter sent to every unit, half of it signed for and a third
answered, all with bulk inserts. Then GETs the coverage board, the subject matrix, the
contact list and the letter's receipts page with Django's test client a few times and
prints the median server time and the query count of each page at both sizes side by
side. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heli.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from heli.accounts.models import User  # noqa: E402
from heli.liaison.models import Contact, ContactUnit, Form, Letter, LetterReceipt  # noqa: E402
from heli.liaison.tests.test_board import add_sized_contacts  # noqa: E402
from heli.org.models import Committee, Unit  # noqa: E402
from heli.testing import build_sized_committee  # noqa: E402

SIZES = (122, 1220)
YEAR = timezone.localdate().year


def add_letter_to_every_unit(committee: Committee, sender: User) -> Letter:
    """A letter to every unit: half of the receipts signed for, a third answered."""
    units = list(Unit.objects.filter(committee=committee).order_by("sort_order"))
    day = datetime.date(YEAR, 3, 1)
    contact = Contact.objects.create(
        committee=committee, year=YEAR, form=Form.LETTER, subjects=["views"], date=day,
        title="关于征求年度机关党建工作要点意见的函", created_by=sender,
    )  # fmt: skip
    ContactUnit.objects.bulk_create(
        (ContactUnit(committee=committee, contact=contact, unit=u) for u in units),
        batch_size=2000,
    )
    sent = datetime.datetime(YEAR, 3, 1, 2, tzinfo=datetime.UTC)
    letter = Letter.objects.create(
        committee=committee, contact=contact, year=YEAR, serial=1,
        number=f"京直工函〔{YEAR}〕1号", title=contact.title, body="请于两周内反馈意见。",
        signer="中共北京市委市直机关工作委员会", sent_at=sent, sent_by=sender,
    )  # fmt: skip
    signed = sent + datetime.timedelta(days=2)
    answered = sent + datetime.timedelta(days=9)
    LetterReceipt.objects.bulk_create(
        (
            LetterReceipt(
                committee=committee,
                letter=letter,
                unit=u,
                signed_at=signed if i % 2 == 0 else None,
                signed_by=sender if i % 2 == 0 else None,
                answer="已组织研究，意见如下。" if i % 6 == 0 else "",
                answered_at=answered if i % 6 == 0 else None,
                answered_by=sender if i % 6 == 0 else None,
            )  # fmt: skip
            for i, u in enumerate(units)
        ),
        batch_size=2000,
    )
    return letter


def pages(letter: Letter) -> dict[str, str]:
    found = {
        "coverage board": f"{reverse('liaison:board')}?year={YEAR}",
        "coverage: one colour": f"{reverse('liaison:board')}?year={YEAR}&colour=at_risk",
        "subject matrix": f"{reverse('liaison:board_matrix')}?year={YEAR}",
    }
    for name, url_name, args in (
        ("contact list", "liaison:contact_list", ()),
        ("letter receipts", "liaison:letter_receipts", (letter.pk,)),
    ):
        try:
            found[name] = reverse(url_name, args=args) + (f"?year={YEAR}" if not args else "")
        except NoReverseMatch:
            print(f"({name}: {url_name} is not installed; left out)")
    return found


def measure(n_units: int, repeat: int) -> dict[str, tuple[float, int]]:
    committee = build_sized_committee(n_units, year=YEAR)
    user = add_sized_contacts(committee, year=YEAR)
    letter = add_letter_to_every_unit(committee, user)
    client = Client()
    client.force_login(user)
    results = {}
    for name, url in pages(letter).items():
        client.get(url)  # warm the caches (templates, the scope of the user's session)
        times = []
        queries = 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
            queries = len(ctx.captured_queries)
        results[name] = (statistics.median(times), queries)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        by_size = {n: measure(n, args.repeat) for n in SIZES}
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    small, large = SIZES
    print(f"Heli liaison pages, {connection.vendor}, median of {args.repeat} GETs, {YEAR}")
    print(
        f"{'page':<22} {f'{small} units ms':>13} {'queries':>8} "
        f"{f'{large} units ms':>14} {'queries':>8}"
    )
    for name in by_size[small]:
        ms_s, q_s = by_size[small][name]
        ms_l, q_l = by_size[large].get(name, (float("nan"), 0))
        print(f"{name:<22} {ms_s:>13.1f} {q_s:>8} {ms_l:>14.1f} {q_l:>8}")


if __name__ == "__main__":
    main()
