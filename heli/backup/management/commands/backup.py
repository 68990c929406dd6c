"""``python manage.py backup --output DIR_OR_FILE``: the database and uploaded files, one archive."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat

from heli.backup.archive import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (every model, database-independent JSON lines) and the "
        "uploaded files into one .tar.gz with a signed manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            required=True,
            help="a folder (a dated file name is made inside it) or the archive's file name",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = create_backup(Path(options["output"]))
        except BackupError as e:
            raise CommandError(str(e)) from e
        size = filesizeformat(result.path.stat().st_size)
        self.stdout.write(
            self.style.SUCCESS(
                f"备份完成：{result.path}（{size}），数据 {result.rows} 行，"
                f"上传文件 {len(result.manifest['files'])} 个，"
                f"用时 {time.monotonic() - started:.1f} 秒。"
            )
        )
        self.stdout.write(f"清单校验码（HMAC-SM3）：{result.manifest['mac']}")
