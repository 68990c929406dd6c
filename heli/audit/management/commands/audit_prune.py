"""Remove audit records past their retention: ``manage.py audit_prune --days N``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from heli.audit import actions, guards


class Command(BaseCommand):
    help = (
        f"Remove the audit records older than N days (at least "
        f"{guards.MINIMUM_RETENTION_DAYS}; default AUDIT_RETENTION_DAYS) from the start of "
        "the chain, and record the removal as an audit.pruned event that keeps the chain "
        "verifiable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="keep this many days")
        parser.add_argument(
            "--dry-run", action="store_true", help="say what would be removed; remove nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days is None:
            days = getattr(settings, "AUDIT_RETENTION_DAYS", guards.MINIMUM_RETENTION_DAYS)
        if days < guards.MINIMUM_RETENTION_DAYS:
            raise CommandError(actions.retention_message(days))
        summary = actions.prune(days, dry_run=options["dry_run"])
        if not summary.get("last_removed_id"):
            self.stdout.write(f"没有早于 {days} 天的审计记录，什么也没有删除。")
            return
        span = f"第 {summary['first_removed_id']} 至 {summary['last_removed_id']} 条"
        if options["dry_run"]:
            self.stdout.write(
                f"试运行：将删除早于 {days} 天的审计记录 {summary['removed']} 条（{span}）。"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已删除早于 {days} 天的审计记录 {summary['removed']} 条（{span}），"
                "并追加了一条清理记录为此作证。"
            )
        )
