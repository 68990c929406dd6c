"""Start-up checks of uploads: production without a virus scanner is warned about."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings

from heli.files import checks


def ids(messages: list) -> list[str]:
    return [m.id for m in messages]


@override_settings(HELI_PRODUCTION=True, CLAMAV_SOCKET="", CLAMAV_COMMAND="")
def test_production_without_a_scanner_is_warned_about() -> None:
    (warning,) = checks.uploads_are_scanned_in_production()
    assert warning.id == "files.W001" and not warning.is_serious()
    assert "CLAMAV_SOCKET" in (warning.hint or "") and "deploy/README.md" in (warning.hint or "")
    assert "files.W001" in ids(run_checks())


def test_production_with_clamd_or_a_scan_command_is_not_warned_about() -> None:
    for scanner in (
        {"CLAMAV_SOCKET": "/run/clamav/clamd.ctl", "CLAMAV_COMMAND": ""},
        {"CLAMAV_SOCKET": "", "CLAMAV_COMMAND": "clamdscan --no-summary -"},
    ):
        with override_settings(HELI_PRODUCTION=True, **scanner):
            assert checks.uploads_are_scanned_in_production() == [], scanner


@override_settings(HELI_PRODUCTION=False, CLAMAV_SOCKET="", CLAMAV_COMMAND="")
def test_development_without_a_scanner_is_not_warned_about() -> None:
    assert checks.uploads_are_scanned_in_production() == []
    assert "files.W001" not in ids(run_checks())


def test_manage_py_check_warns_in_production_until_a_scanner_is_set(tmp_path: Path) -> None:
    """The real settings module, read from the environment as in production."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CLAMAV_"))
    } | {
        "HELI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": secrets.token_hex(16),
        "ALLOWED_HOSTS": "heli.example.gov.cn",
        "SQLITE_PATH": str(tmp_path / "check.sqlite3"),
    }

    def check(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, "manage.py", "check", "--fail-level", "WARNING"],
            cwd=settings.BASE_DIR,
            env=env | extra,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    unscanned = check({})
    assert unscanned.returncode != 0
    assert "files.W001" in unscanned.stderr
    scanned = check({"CLAMAV_SOCKET": "/run/clamav/clamd.ctl"})
    assert "files.W001" not in scanned.stderr + scanned.stdout
