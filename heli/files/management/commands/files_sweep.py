"""``python manage.py files_sweep``: remove stored files no attachment row points to."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from heli.files.actions import sweep_orphans


class Command(BaseCommand):
    help = "Remove uploaded files that no attachment row points to, and stale temporary files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours", type=int, default=24, help="Leave files younger than this (default 24)."
        )
        parser.add_argument("--dry-run", action="store_true", help="List, remove nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_orphans(
            grace=datetime.timedelta(hours=options["hours"]), dry_run=options["dry_run"]
        )
        verb = "would remove" if options["dry_run"] else "removed"
        for path in result.orphans + result.stale_temps:
            self.stdout.write(f"{verb} {path}")
        self.stdout.write(
            f"{len(result.orphans)} orphaned file(s), {len(result.stale_temps)} temporary file(s)"
        )
