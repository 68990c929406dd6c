"""The optional virus scan: a clamd socket (INSTREAM) or a command that reads stdin.

Off unless ``CLAMAV_SOCKET`` or ``CLAMAV_COMMAND`` is set. When on, it fails closed: a
scanner that cannot be reached, times out or answers nonsense refuses the upload.
"""

from __future__ import annotations

import shlex
import socket
import struct
import subprocess  # noqa: S404 - runs the configured scanner, without a shell
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from heli.files.refusals import UploadRefused

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    scanner: str  # "clamd" or "command"
    clean: bool
    signature: str = ""


class ScannerUnavailable(Exception):
    """The scanner could not give an answer."""


def scanning_enabled() -> bool:
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_COMMAND)


def scan_or_refuse(path: Path, name: str) -> ScanResult | None:
    """Scan the file when the hook is on; refuse it if infected or if the scan failed."""
    if not scanning_enabled():
        return None
    try:
        result = scan(path)
    except ScannerUnavailable as e:
        raise UploadRefused("scanner_unavailable", detail={"error": str(e)[:300]}) from e
    if not result.clean:
        raise UploadRefused(
            "infected",
            name=name,
            signature=result.signature,
            detail={"signature": result.signature, "scanner": result.scanner},
        )
    return result


def scan(path: Path) -> ScanResult:
    if settings.CLAMAV_SOCKET:
        return _scan_clamd(path, settings.CLAMAV_SOCKET)
    return _scan_command(path, settings.CLAMAV_COMMAND)


def _scan_clamd(path: Path, address: str) -> ScanResult:
    """clamd's INSTREAM: length-prefixed chunks, a zero length, then one reply line."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(settings.CLAMAV_TIMEOUT)
            sock.connect(address)
            sock.sendall(b"zINSTREAM\0")
            with path.open("rb") as f:
                while chunk := f.read(CHUNK):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                data = sock.recv(4096)
                if not data:
                    break
                reply += data
    except OSError as e:
        raise ScannerUnavailable(f"clamd at {address}: {e}") from e
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK", "stream: <signature> FOUND", or "<message> ERROR".
    if answer.endswith(" FOUND"):
        signature = answer.removeprefix("stream:").removesuffix(" FOUND").strip()
        return ScanResult("clamd", clean=False, signature=signature)
    if answer == "stream: OK":
        return ScanResult("clamd", clean=True)
    raise ScannerUnavailable(f"clamd answered {answer[:200]!r}")


def _scan_command(path: Path, command: str) -> ScanResult:
    """A clamscan-like command: the file on stdin; exit 0 clean, 1 infected, else error."""
    argv = shlex.split(command)
    try:
        with path.open("rb") as f:
            done = subprocess.run(  # noqa: S603 - argv from settings, no shell
                argv, stdin=f, capture_output=True, timeout=settings.CLAMAV_TIMEOUT, check=False
            )
    except (OSError, subprocess.SubprocessError) as e:
        raise ScannerUnavailable(f"{argv[0] if argv else command!r}: {e}") from e
    out = done.stdout.decode("utf-8", "replace")
    if done.returncode == 0:
        return ScanResult("command", clean=True)
    if done.returncode == 1:
        match = [line for line in out.splitlines() if line.rstrip().endswith(" FOUND")]
        signature = (
            match[0].rstrip().removesuffix(" FOUND").split(": ", 1)[-1].strip() if match else ""
        )
        return ScanResult("command", clean=False, signature=signature or "virus")
    error = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
    raise ScannerUnavailable(f"{argv[0]} exited {done.returncode}: {error[-300:]}")
