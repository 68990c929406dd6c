"""Send the reminders due today: meant for cron or the heli-reminders systemd timer.

Idempotent: a reminder's key reaches each person and each robot at most once, so a
second run the same day sends nothing new; messages that failed are tried again (up to
NOTIFY_MAX_ATTEMPTS).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone, translation

from heli.notifications import actions, registry
from heli.org.models import Committee


class Command(BaseCommand):
    help = "Create the reminders due today and send what is waiting (email, group robots)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Act as if today were this day (YYYY-MM-DD).")
        parser.add_argument("--committee", help="Only this committee (its code).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be created; write and send nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: not a YYYY-MM-DD date: {options['date']}") from None
        committees = Committee.objects.order_by("id")
        if options["committee"]:
            committees = committees.filter(code=options["committee"])
            if not committees.exists():
                raise CommandError(f"--committee: no committee with code {options['committee']}")
        dry_run: bool = options["dry_run"]
        codes = ", ".join(k.code for k in registry.kinds()) or "-"
        self.stdout.write(f"{today.isoformat()}: reminder kinds {codes}")
        failed_kinds = False
        # Reminders are written in the site's language, whoever runs the command.
        with translation.override(settings.LANGUAGE_CODE):
            for committee in committees:
                with transaction.atomic():
                    summary = actions.collect_reminders(committee, today)
                    if dry_run:
                        transaction.set_rollback(True)
                failed_kinds = failed_kinds or bool(summary.failed_kinds)
                self.stdout.write(
                    f"{committee.code}: {summary.reminders} reminders due, "
                    f"{len(summary.created.notifications)} new notifications, "
                    f"{len(summary.created.deliveries)} new messages"
                    + (" (dry run, nothing kept)" if dry_run else "")
                    + (
                        f"; failed kinds: {', '.join(summary.failed_kinds)}"
                        if summary.failed_kinds
                        else ""
                    )
                )
                if dry_run:
                    continue
                # After the commit above: nothing leaves for rows that were rolled back.
                result = actions.deliver(actions.due_deliveries(committee))
                self.stdout.write(
                    f"{committee.code}: {result.sent} sent, {result.failed} failed, "
                    f"{result.skipped} taken by another run"
                )
        if failed_kinds:
            raise CommandError("some reminder kinds failed; see the log")
