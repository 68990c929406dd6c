from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from heli.files.tests.samples import EICAR, EICAR_SIGNATURE
from heli.testing import service_missing


def stored_files(root: Path) -> list[Path]:
    """Every regular file under the storage root, temporary ones included."""
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def clamav_db(tmp_path: Path) -> Path:
    """A ClamAV database of one signature: the EICAR string (no download needed).

    Without clamscan the test is skipped on a developer's machine and fails in CI.
    """
    if shutil.which("clamscan") is None:
        service_missing("ClamAV is not installed (scripts/ensure-system-packages.sh installs it)")
    folder = tmp_path / "clamav-db"
    folder.mkdir()
    # A body signature (.ndb): name, any target type, any offset, the bytes in hex.
    (folder / "heli.ndb").write_text(f"{EICAR_SIGNATURE}:0:*:{EICAR.hex()}\n")
    return folder


@pytest.fixture
def clamd(clamav_db: Path, tmp_path: Path) -> Iterator[Path]:
    """A real clamd on a unix socket of its own, loaded with the test database.

    Without clamd the test is skipped on a developer's machine and fails in CI.
    """
    clamd_bin = shutil.which("clamd") or "/usr/sbin/clamd"
    if not Path(clamd_bin).exists():
        service_missing("clamd is not installed (scripts/ensure-system-packages.sh installs it)")
    socket_path = tmp_path / "clamd.sock"
    config = tmp_path / "clamd.conf"
    config.write_text(
        f"DatabaseDirectory {clamav_db}\nLocalSocket {socket_path}\nForeground yes\n"
        f"LogFile {tmp_path / 'clamd.log'}\nPidFile {tmp_path / 'clamd.pid'}\n"
    )
    process = subprocess.Popen(  # noqa: S603
        [clamd_bin, f"--config-file={config}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (tmp_path / "clamd.log").read_text()
                    if (tmp_path / "clamd.log").exists()
                    else ""
                )
                pytest.fail(f"clamd did not start: {log[-2000:]}")
            time.sleep(0.05)
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=10)
