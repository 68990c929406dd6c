"""Django's ``migrate``, which first makes the folder of a SQLite database file.

A fresh clone has no ``var/``, where the SQLite database lives by default, and SQLite
creates the file but not its folder. The folder is made here, when the database itself
is about to be created, rather than when the settings are read: nothing is written
at start-up, and a PostgreSQL installation is not touched at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections


class Command(migrate.Command):
    def execute(self, *args: Any, **options: Any) -> Any:
        # Before the system checks, which already open the database.
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        name = str(connection.settings_dict.get("NAME") or "")
        if connection.vendor == "sqlite" and name:
            if not connection.creation.is_in_memory_db(name):  # type: ignore[attr-defined]
                Path(name).parent.mkdir(parents=True, exist_ok=True)
        return super().execute(*args, **options)
