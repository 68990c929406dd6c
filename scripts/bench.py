"""Server time of the heavy pages at 122 and 1,220 units: the battle map's (ten tasks a
unit) and the joint meetings' calendar, compliance view and topic queue (two or three
meetings a group).

    .venv/bin/python scripts/bench.py [--repeat 9] [--strict] [--cpu] [--only chart]
    (or ``make bench``)

Builds each committee in a throwaway test database (in-memory SQLite, or a test copy of
the PostgreSQL named by DATABASE_URL), GETs each page with Django's test client a few
times and prints, for both sizes side by side, the median server time, the query count
and the ratio of the large committee's time to the small one's, in wall-clock and in this
process's CPU time. The targets: the wall
chart of 1,220 units under 60 ms; every other page within 1.5 times its 122-unit time,
on the same number of queries. ``--strict`` exits non-zero when a target is missed. On
PostgreSQL the rows inserted in bulk are given ``VACUUM ANALYZE``, as autovacuum gives a
database in use. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
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

from heli.accounts.models import Role, RoleAssignment, User  # noqa: E402
from heli.meetings.tests.sized import add_sized_meetings  # noqa: E402
from heli.org.models import Committee  # noqa: E402
from heli.testing import build_sized_committee  # noqa: E402
from heli.tracking.chart import forget  # noqa: E402
from heli.tracking.tests.helpers import add_sized_tasks  # noqa: E402

SMALL, LARGE = 122, 1220
YEAR = 2026
# The wall chart's own target: server time at 1,220 units, in milliseconds.
CHART_MS = 60.0
# Every other page: its time at 1,220 units over its time at 122.
MAX_RATIO = 1.5


@dataclass(frozen=True)
class Page:
    name: str
    url: str
    # Who reads it: the committee's staff member, the first unit's secretary (who leads
    # group 1), or the joint-meeting office.
    reader: str = "staff"
    # A page with a target in milliseconds rather than a ratio.
    limit_ms: float | None = None
    # The wall chart drawn afresh on every GET (its cache forgotten first), for the
    # record: its own target is the page as people get it, drawn once a write.
    fresh: bool = False


def pages() -> list[Page]:
    chart = reverse("tracking:wallchart")
    return [
        Page("wall chart (months)", f"{chart}?year={YEAR}", limit_ms=CHART_MS),
        Page("wall chart (sources)", f"{chart}?year={YEAR}&by=source", limit_ms=CHART_MS),
        Page("wall chart, not cached", f"{chart}?year={YEAR}", fresh=True),
        Page("status board", f"{reverse('tracking:board')}?year={YEAR}"),
        Page("task list", f"{reverse('tracking:task_list')}?year={YEAR}"),
        Page("task list (default)", reverse("tracking:task_list")),
        Page("home, committee staff", reverse("home")),
        Page("home, unit secretary", reverse("home"), reader="secretary"),
        Page("meetings calendar", f"{reverse('meetings:calendar')}?year={YEAR}"),
        Page("meetings compliance", f"{reverse('meetings:compliance')}?year={YEAR}"),
        Page(
            "compliance, lead secretary",
            f"{reverse('meetings:compliance')}?year={YEAR}",
            reader="secretary",
        ),
        Page("topic queue", reverse("meetings:topic_queue"), reader="office"),
    ]


@dataclass
class Result:
    ms: float  # wall-clock
    cpu: float  # this process's CPU time: what a loaded machine's other work does not add
    queries: int


def _secretary(committee: Committee) -> User:
    """The secretary of the committee's first unit."""
    found = (
        RoleAssignment.objects.filter(committee=committee, role=Role.UNIT_SECRETARY)
        .select_related("user")
        .order_by("unit__sort_order")
        .first()
    )
    assert found is not None
    return found.user


def measure(n_units: int, repeat: int, chosen: list[Page]) -> dict[str, Result]:
    committee = build_sized_committee(n_units, year=YEAR)
    clients = {"staff": Client(), "secretary": Client(), "office": Client()}
    clients["staff"].force_login(add_sized_tasks(committee, per_unit=10, year=YEAR))
    clients["office"].force_login(add_sized_meetings(committee, YEAR))
    clients["secretary"].force_login(_secretary(committee))
    if connection.vendor == "postgresql":
        # What autovacuum gives a database in use: statistics for the planner and the
        # visibility map that lets an index-only scan skip the table. Rows just inserted
        # in bulk have neither. (SQLite keeps no statistics unless asked: none here.)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    results = {}
    for page in chosen:
        client = clients[page.reader]
        client.get(page.url)  # warm the caches (templates, the scope of the user's session)
        times, cpu = [], []
        queries = 0
        for _ in range(repeat):
            if page.fresh:
                forget(committee.pk)
            with CaptureQueriesContext(connection) as ctx:
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(page.url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{page.url} answered {response.status_code}")
            queries = len(ctx.captured_queries)
        results[page.name] = Result(statistics.median(times), statistics.median(cpu), queries)
    return results


def verdict(page: Page, small: Result, large: Result, *, cpu: bool) -> tuple[str, bool | None]:
    """What the page is held to, and whether it holds (on wall-clock or CPU time)."""
    same_queries = small.queries == large.queries
    s, lg = (small.cpu, large.cpu) if cpu else (small.ms, large.ms)
    if page.fresh:
        return "-", None
    if page.limit_ms is not None:
        return f"< {page.limit_ms:.0f} ms", lg < page.limit_ms and same_queries
    return f"<= {MAX_RATIO}x", lg <= MAX_RATIO * s and same_queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--only", default="", help="only the pages whose name contains this")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="judge by this process's CPU time (a shared machine; SQLite only: "
        "PostgreSQL's own work is in another process)",
    )
    args = parser.parse_args()
    chosen = [p for p in pages() if args.only in p.name]
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        small = measure(SMALL, args.repeat, chosen)
        large = measure(LARGE, args.repeat, chosen)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Heli heavy pages, {connection.vendor}, median of {args.repeat} GETs, "
        f"10 tasks a unit, load average {load:.2f} on {os.cpu_count()} CPUs"
    )
    print(
        f"{'':<23} {'wall-clock ms':^23} {'CPU ms':^23}\n"
        f"{'page':<23} {SMALL:>7} {LARGE:>7} {'ratio':>7} {SMALL:>7} {LARGE:>7} {'ratio':>7}"
        f" {'queries':>8} {'target':>8}  result"
    )
    missed = held = 0
    for page in chosen:
        s, lg = small[page.name], large[page.name]
        target, met = verdict(page, s, lg, cpu=args.cpu)
        held += met is not None
        missed += met is False
        queries = f"{s.queries}/{lg.queries}"
        print(
            f"{page.name:<23} {s.ms:>7.1f} {lg.ms:>7.1f} {lg.ms / s.ms:>6.2f}x"
            f" {s.cpu:>7.1f} {lg.cpu:>7.1f} {lg.cpu / s.cpu:>6.2f}x"
            f" {queries:>8} {target:>8}  {'' if met is None else 'met' if met else 'MISSED'}"
        )
    judged = "CPU" if args.cpu else "wall-clock"
    print(
        f"{held - missed} of {held} targets met ({judged} time; "
        f"the same number of queries at both sizes)"
    )
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
