"""What a browser pays for the home page, the wall chart and the dashboard: bytes on the
wire with an empty cache, and the Largest Contentful Paint once the cache is warm.

    .venv/bin/python scripts/bench_browser.py [--repeat 5] [--user staff] [--strict]
    .venv/bin/python scripts/bench_browser.py --base http://127.0.0.1:8000   # a running server
    (or ``make bench``)

By default the script starts the production set-up on loopback, as
``heli/lib/tests/test_production.py`` does: ``collectstatic`` with the manifest storage
(hashed names, gzip copies), gunicorn with ``deploy/gunicorn.conf.py`` under
``HELI_PRODUCTION=1`` and nginx with ``deploy/nginx/heli.conf`` (TLS with a throwaway
certificate, gzip), on a SQLite database of the demonstration committee (``load_demo``,
in a development run so the demonstration accounts keep their published password). It
needs nginx (``scripts/ensure-system-packages.sh``). With ``--base`` it measures that
server instead: under ``make run`` WhiteNoise serves the static files uncompressed from
the apps' folders and nothing compresses the pages, so the bytes are far higher than
production's.

For each page, signed in as a demonstration user (``staff`` by default), the system
Chromium (Playwright):

- cold: a new browser context (empty cache, the session cookie only) loads the page until
  the network is idle; the table gives the number of requests and the bytes they took
  on the wire (Chrome's ``encodedDataLength``: headers and the body as sent, compressed
  where the server compressed it) beside the bytes after decoding;
- warm: the same context loads it ``--repeat`` times more; the median of the Largest
  Contentful Paint each load reports (``PerformanceObserver``), and the bytes of the
  last warm load.

The targets (docs/performance.md): a cold load within 300 KB (500 KB for a page that
draws charts), a warm LCP within 500 ms. ``--strict`` exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heli.settings")

import django  # noqa: E402

django.setup()

from heli.lib.tests.test_production import (  # noqa: E402
    DEPLOY,
    example_environment,
    free_ports,
    nginx_argv,
    self_signed_certificate,
)
from heli.org.demo_people import DEMO_PASSWORD  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KB = 1024
PAGE_BUDGET = 300 * KB
CHART_BUDGET = 500 * KB
LCP_MS = 500.0
START_TIMEOUT = 120.0
# Resolves with the load's timings in ms from navigation start: the first byte of the
# page, its first contentful paint and its Largest Contentful Paint so far (buffered).
TIMINGS_SCRIPT = """() => new Promise((resolve) => {
  const seen = [];
  new PerformanceObserver((list) => { seen.push(...list.getEntries()); })
    .observe({ type: "largest-contentful-paint", buffered: true });
  const [navigation] = performance.getEntriesByType("navigation");
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  setTimeout(() => resolve({
    lcp: seen.length ? seen[seen.length - 1].startTime : null,
    fcp: fcp ? fcp.startTime : null,
    ttfb: navigation ? navigation.responseStart : null,
  }), 300);
})"""


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    budget: int  # bytes of a cold load


PAGES = [
    Page("home", "/", PAGE_BUDGET),
    Page("wall chart", "/tracking/wallchart/", PAGE_BUDGET),
    Page("dashboard (charts)", "/tracking/dashboard/", CHART_BUDGET),
]


@dataclass
class Traffic:
    """What one load asked for, from Chrome's own network log (DevTools protocol)."""

    requests: int = 0
    wire: int = 0  # encodedDataLength: headers and the body as sent
    decoded: int = 0  # the bodies after decompression
    failed: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)  # request id -> url


class Recorder:
    """Counts a page's network events into the load being measured (``current``)."""

    def __init__(self, cdp: Any) -> None:
        self.current = Traffic()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)
        cdp.send("Network.enable")

    def start(self) -> Traffic:
        self.current = Traffic()
        return self.current

    def _sent(self, event: dict[str, Any]) -> None:
        # A redirect sends the same request id again: one request still.
        if event["requestId"] not in self.current.urls:
            self.current.requests += 1
        self.current.urls[event["requestId"]] = event["request"]["url"]

    def _data(self, event: dict[str, Any]) -> None:
        self.current.decoded += int(event.get("dataLength", 0))

    def _finished(self, event: dict[str, Any]) -> None:
        self.current.wire += int(event.get("encodedDataLength", 0))

    def _failed(self, event: dict[str, Any]) -> None:
        traffic = self.current
        traffic.failed.append(traffic.urls.get(event["requestId"], event["requestId"]))


@dataclass
class Result:
    page: Page
    cold: Traffic
    warm: Traffic
    timings: list[dict[str, float | None]]  # of the warm loads

    def median(self, name: str) -> float | None:
        values = [float(v) for t in self.timings if (v := t.get(name)) is not None]
        return statistics.median(values) if values else None

    @property
    def lcp(self) -> float | None:
        return self.median("lcp")

    @property
    def met(self) -> bool:
        return self.cold.wire <= self.page.budget and self.lcp is not None and self.lcp <= LCP_MS


# --- The production set-up on loopback ---------------------------------------------------


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(  # noqa: S603 - this interpreter or nginx, fixed arguments
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_served(url: str, processes: list[subprocess.Popen[bytes]], logs: Path) -> None:
    import ssl

    insecure = ssl.create_default_context()
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE  # our own throwaway certificate
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        for process in processes:
            if process.poll() is not None:
                tails = "\n".join(p.read_text(errors="replace")[-2000:] for p in logs.glob("*"))
                raise SystemExit(f"{process.args!r} exited {process.returncode}\n{tails}")
        try:
            with urllib.request.urlopen(url, context=insecure, timeout=5) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {START_TIMEOUT:.0f} s")
        time.sleep(0.3)


def start_production(stack: ExitStack) -> str:
    """gunicorn and nginx as deploy/ describes them, on loopback; the https base address."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise SystemExit(
            "nginx is not installed: run scripts/ensure-system-packages.sh, "
            "or measure a running server with --base"
        )
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="heli-bench-")))
    logs = folder / "logs"
    logs.mkdir()
    https_port, http_port, gunicorn_port = free_ports(3)
    database = f"sqlite:///{folder / 'heli.sqlite3'}"
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder)}
    base["LANG"] = "C.UTF-8"
    python = sys.executable
    print("Preparing the demonstration committee and collecting the static files…", flush=True)
    # A development run loads the demonstration data (refused in production), and keeps
    # the published password of its accounts.
    development = {**base, "DEBUG": "True", "DATABASE_URL": database}
    _run([python, "manage.py", "migrate", "--noinput", "-v0"], development, "migrate")
    _run([python, "manage.py", "load_demo"], development, "load_demo")
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": secrets.token_hex(16),
    }
    example = {k: v for k, v in example_environment().items() if not k.endswith("_FILE")}
    # Without Redis each gunicorn process keeps its own cache: enough to read the pages.
    example.pop("REDIS_URL", None)
    production = {
        **base,
        **example,
        **keys,
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{https_port}",
        "DATABASE_URL": database,
        "STATIC_ROOT": str(folder / "static"),
        "FILE_STORAGE_ROOT": str(folder / "files"),
        "HELI_WORKERS": "2",
        "HELI_BIND": f"127.0.0.1:{gunicorn_port}",
    }
    _run([python, "manage.py", "collectstatic", "--noinput", "-v0"], production, "collectstatic")
    cert, private = self_signed_certificate(folder)
    processes: list[subprocess.Popen[bytes]] = []

    def stop_all() -> None:
        for process in reversed(processes):
            _stop(process)

    stack.callback(stop_all)
    gunicorn = [python, "-m", "gunicorn", "heli.wsgi:application"]
    gunicorn += ["-c", str(DEPLOY / "gunicorn.conf.py")]
    with (logs / "gunicorn.log").open("wb") as out:
        processes.append(
            subprocess.Popen(  # noqa: S603 - gunicorn, fixed arguments
                gunicorn, cwd=ROOT, env=production, stdout=out, stderr=subprocess.STDOUT
            )
        )
    command = nginx_argv(
        nginx,
        folder,
        (https_port, http_port, gunicorn_port),
        (cert, private),
        logs / "nginx-start.log",
    )
    _run([*command, "-t", "-q"], production, "nginx -t")
    with (logs / "nginx.log").open("wb") as out:
        processes.append(
            subprocess.Popen(  # noqa: S603 - nginx, fixed arguments
                [*command, "-g", "daemon off;"],
                cwd=ROOT,
                env=production,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        )
    url = f"https://127.0.0.1:{https_port}"
    _wait_until_served(f"{url}/accounts/login/", processes, logs)
    return url


# --- The browser --------------------------------------------------------------------------


def sign_in(browser: Any, base: str, user: str, password: str) -> Any:
    """The signed-in session, as Playwright storage state (cookies), from a context of its
    own: the pages' contexts start with an empty cache."""
    context = browser.new_context(ignore_https_errors=True, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    if "/accounts/login/" in page.url:
        said = page.locator("main").inner_text()[:500]
        raise SystemExit(f"could not sign in as {user!r} at {base} ({page.url}): {said}")
    state = context.storage_state()
    context.close()
    return state


def measure(browser: Any, base: str, state: Any, target: Page, repeat: int) -> Result:
    context = browser.new_context(
        ignore_https_errors=True,
        locale="zh-CN",
        storage_state=state,
        viewport={"width": 1440, "height": 900},
    )
    page = context.new_page()
    recorder = Recorder(context.new_cdp_session(page))
    cold = recorder.start()
    response = page.goto(base + target.path, wait_until="networkidle")
    if response is None or response.status != 200 or "/accounts/" in page.url:
        raise SystemExit(f"{target.path}: {response and response.status} at {page.url}")
    timings = []
    warm = cold
    for _ in range(repeat):
        warm = recorder.start()
        page.goto(base + target.path, wait_until="networkidle")
        timings.append(page.evaluate(TIMINGS_SCRIPT))
    context.close()
    return Result(target, cold, warm, timings)


def report(results: list[Result], served_by: str) -> None:
    print(f"\nServed by: {served_by}")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"Load average: {load} on {os.cpu_count()} CPUs; warm timings are medians.")
    print(
        f"{'page':<20} {'requests':>8} {'cold KB':>9} {'decoded KB':>10} {'target':>8}"
        f" {'warm KB':>8} {'TTFB':>6} {'FCP':>6} {'LCP ms':>7} {'target':>7}  met"
    )

    def ms(value: float | None) -> str:
        return f"{value:.0f}" if value is not None else "—"

    for r in results:
        print(
            f"{r.page.name:<20} {r.cold.requests:>8} {r.cold.wire / KB:>9.1f}"
            f" {r.cold.decoded / KB:>10.1f} {r.page.budget / KB:>8.0f}"
            f" {r.warm.wire / KB:>8.1f} {ms(r.median('ttfb')):>6} {ms(r.median('fcp')):>6}"
            f" {ms(r.lcp):>7} {LCP_MS:>7.0f}  {'yes' if r.met else 'NO'}"
        )
        for url in r.cold.failed + r.warm.failed:
            print(f"    failed: {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", help="measure this running server instead of production's")
    parser.add_argument("--user", default="staff", help="demonstration user (default staff)")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--repeat", type=int, default=5, help="warm loads per page")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        if args.base:
            base, served_by = args.base.rstrip("/"), f"{args.base} (as it is)"
        else:
            base = start_production(stack)
            served_by = (
                "the production set-up on loopback: nginx (TLS, gzip, deploy/nginx/heli.conf)"
                " → gunicorn (HELI_PRODUCTION=1), collectstatic with the manifest storage,"
                " the demonstration committee on SQLite"
            )
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            state = sign_in(browser, base, args.user, args.password)
            results = [measure(browser, base, state, p, max(args.repeat, 1)) for p in PAGES]
            browser.close()
    report(results, served_by)
    missed = [r.page.name for r in results if not r.met]
    if missed:
        print(f"Targets missed: {', '.join(missed)}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
