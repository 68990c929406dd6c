"""Server time of the battle map's heavy pages at 122 and 1,220 units, ten tasks a unit.

    .venv/bin/python scripts/bench.py [--repeat 7]   (or ``make bench``)

Builds each committee in a throwaway test database (in-memory SQLite, or a test copy of
the PostgreSQL named by DATABASE_URL), GETs each page with Django's test client a few
times and prints the median server time and the query count. The database is dropped
at the end.
"""

from __future__ import annotations

import argparse
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
from django.urls import reverse  # noqa: E402

from heli.testing import build_sized_committee  # noqa: E402
from heli.tracking.tests.helpers import add_sized_tasks  # noqa: E402

SIZES = (122, 1220)
YEAR = 2026


def pages() -> dict[str, str]:
    return {
        "wall chart (months)": f"{reverse('tracking:wallchart')}?year={YEAR}",
        "wall chart (sources)": f"{reverse('tracking:wallchart')}?year={YEAR}&by=source",
        "status board": f"{reverse('tracking:board')}?year={YEAR}",
        "task list": f"{reverse('tracking:task_list')}?year={YEAR}",
    }


def measure(n_units: int, repeat: int) -> list[tuple[str, int, float, int]]:
    committee = build_sized_committee(n_units, year=YEAR)
    user = add_sized_tasks(committee, per_unit=10, year=YEAR)
    client = Client()
    client.force_login(user)
    results = []
    for name, url in pages().items():
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
        results.append((name, n_units, statistics.median(times), queries))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        rows = []
        for n in SIZES:
            rows += measure(n, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    vendor = connection.vendor
    print(f"Heli battle-map pages, {vendor}, median of {args.repeat} GETs, 10 tasks a unit")
    print(f"{'page':<22} {'units':>6} {'tasks':>7} {'median ms':>10} {'queries':>8}")
    for name, n, ms, queries in rows:
        print(f"{name:<22} {n:>6} {n * 10:>7} {ms:>10.1f} {queries:>8}")


if __name__ == "__main__":
    main()
