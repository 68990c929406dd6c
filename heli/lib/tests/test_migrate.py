"""``manage.py migrate`` on a fresh clone: the SQLite database's folder is made too."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_migrate_makes_the_folder_of_a_new_sqlite_database(tmp_path: Path) -> None:
    database = tmp_path / "var" / "heli.sqlite3"  # as a fresh clone's var/heli.sqlite3
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")}
    env |= {"DJANGO_SETTINGS_MODULE": "heli.settings", "SQLITE_PATH": str(database)}
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert {"django_migrations", "audit_auditevent"} <= tables
