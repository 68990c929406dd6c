"""``python manage.py restore ARCHIVE``: restore a backup into an empty, migrated installation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from heli.backup.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into an empty installation (a migrated "
        "database without rows and an empty FILE_STORAGE_ROOT). Every hash is checked before "
        "anything is written; the rows load in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the .tar.gz written by manage.py backup")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = restore_backup(Path(options["archive"]))
        except BackupError as e:
            raise CommandError(str(e)) from e
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"恢复完成：数据 {result.rows} 行，上传文件 {result.files} 个，"
                f"来自 {manifest['created_at']} 的备份（{manifest['source_vendor']}），"
                f"用时 {time.monotonic() - started:.1f} 秒。行数、文件校验值和审计日志均已核对。"
            )
        )
        for note in result.notes:
            self.stderr.write(f"注意：{note}")
