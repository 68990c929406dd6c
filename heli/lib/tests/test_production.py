"""The documented production set-up, started for real and used the way a person uses it.

nginx with TLS in front of gunicorn, ``HELI_PRODUCTION=1``, PostgreSQL, Redis from
``REDIS_URL`` and the keys read from files. The environment is ``deploy/heli.env.example``
with only this host's values replaced, the site is ``deploy/nginx/heli.conf`` with only its
ports and paths replaced, and gunicorn runs with ``deploy/gunicorn.conf.py``: what the
deploy guide tells an administrator to install is what is tested. That includes what goes
over the wire: static files collected under hashed names with gzip copies, kept by
browsers only under those names, pages and JSON compressed, and each main page's cold
load within the byte budget of docs/performance.md.

The stack gets a PostgreSQL database of its own (dropped afterwards) and a Redis database
number per test worker, so it never meets pytest-django's test database or another worker's
stack. Without PostgreSQL, Redis or nginx the tests are skipped on a developer's machine
and fail in CI (``CI=true``).
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import http.client
import io
import ipaddress
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from heli.lib import checks
from heli.testing import PASSWORD, service_missing

DEPLOY = Path(settings.BASE_DIR) / "deploy"
# A client address of the loopback network that is not the proxy's (127.0.0.1): what a
# machine other than nginx looks like to gunicorn.
OUTSIDER = "127.0.0.3"
FORGED = "203.0.113.77"  # TEST-NET-3: an address no request here really comes from
# The headers the application's pages carry that static files must carry as well.
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What nginx says of a static name carrying its content hash (deploy/nginx/heli.conf).
IMMUTABLE = "public, max-age=31536000, immutable"
# A name as collectstatic's manifest storage writes it: heli.5de167e4493f.css.
HASHED = re.compile(r"\.([0-9a-f]{12})\.\w+$")
# The targets for a cold load (docs/performance.md): a page, and a page that draws charts (bytes).
PAGE_BUDGET = 300 * 1024
CHART_BUDGET = 500 * 1024
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
# A database number of Redis per test worker; 12 to 15 belong to heli/lib/tests/test_redis.py.
FIRST_REDIS_DB = 8
START_TIMEOUT = 120
NGINX_TEMP = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
# Makes the users the tests sign in as (heli.testing: staff, office, leader...).
SEED = """
import json
from heli.testing import build_world
world = build_world()
print(json.dumps({"staff": world.user("staff").must_change_password}))
"""


# --- A small browser: cookies, forms, CSRF ----------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def content(self) -> bytes:
        """The body as the server meant it, uncompressed."""
        if self.header("Content-Encoding") == "gzip":
            return gzip.decompress(self.body)
        return self.body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def vary(self) -> set[str]:
        """The request headers this response varies with, from every Vary header."""
        values = ",".join(self.headers.get_all("Vary") or [])
        return {v.strip().lower() for v in values.split(",") if v.strip()}

    @property
    def wire_bytes(self) -> int:
        """What came over the connection: status line, headers and the body as sent."""
        head = len(f"HTTP/1.1 {self.status} OK\r\n\r\n")
        head += sum(len(f"{name}: {value}\r\n") for name, value in self.headers.items())
        return head + len(self.body)


@dataclass
class Browser:
    """Talks to one server as a browser would: keeps cookies, sends Origin and Referer."""

    port: int
    tls: ssl.SSLContext | None
    source: str = "127.0.0.1"
    extra_headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        connection: http.client.HTTPConnection
        if self.tls is not None:
            connection = http.client.HTTPSConnection(
                "127.0.0.1",
                self.port,
                context=self.tls,
                timeout=30,
                source_address=(self.source, 0),
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30, source_address=(self.source, 0)
            )
        sent = {"Accept-Language": "zh-CN", **self.extra_headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.origin
            sent["Referer"] = self.origin + path
        try:
            connection.request(method, path, body=body, headers=sent)
            reply = connection.getresponse()
            response = Response(reply.status, reply.headers, reply.read())
        finally:
            connection.close()
        for raw in response.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(raw)
            for name, morsel in SimpleCookie(raw).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: Mapping[str, Any]) -> Response:
        return self.request("POST", path, data)


@dataclass
class Form:
    fields: dict[str, list[str]] = field(default_factory=dict)  # sent if nothing is changed
    options: dict[str, dict[str, str]] = field(default_factory=dict)  # select: value -> label


class Forms(HTMLParser):
    """The forms of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: tuple[str, bool] | None = None
        self._selected: list[str] = []
        self._option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form())
        elif tag == "option" and self._select is not None:
            self._option = a.get("value", "")
            self.forms[-1].options[self._select[0]][self._option] = ""
            if "selected" in a:
                self._selected.append(self._option)
        if not self.forms or "name" not in a or "disabled" in a:
            return
        form, name = self.forms[-1], a["name"]
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            form.fields.setdefault(name, []).append(a.get("value", default))
        elif tag == "select":
            self._select, self._selected = (name, "multiple" in a), []
            form.options[name] = {}
        elif tag == "textarea":
            self._textarea = name
            form.fields[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            name, multiple = self._select
            options = list(self.forms[-1].options[name])
            # A single select with nothing marked sends its first option, as browsers do.
            chosen = self._selected or ([] if multiple or not options else options[:1])
            if chosen:
                self.forms[-1].fields[name] = chosen
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.forms[-1].fields[self._textarea][0] += data
        elif self._option is not None and self._select is not None:
            self.forms[-1].options[self._select[0]][self._option] += data.strip()


def form_with(page: Response, field_name: str) -> Form:
    """The page's form that has this field."""
    parser = Forms()
    parser.feed(page.text)
    for form in parser.forms:
        if field_name in form.fields or field_name in form.options:
            return form
    raise AssertionError(f"no form with {field_name!r} on the page: {page.text[:2000]}")


def sign_in(browser: Browser, username: str) -> Response:
    page = browser.get("/accounts/login/")
    assert page.status == 200, page.text[:2000]
    form = form_with(page, "password")
    assert form.fields.get("csrfmiddlewaretoken"), "the sign-in form carries a CSRF token"
    response = browser.post(
        "/accounts/login/", {**form.fields, "username": username, "password": PASSWORD}
    )
    assert response.status == 302, response.text[:3000]
    assert response.header("Location") == "/", response.header("Location")
    return response


def static_links(html: str) -> list[str]:
    """The static files a page loads itself (stylesheets, scripts, its icon), once each."""
    found = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    return list(dict.fromkeys(unescape(url) for url in found))


def css_references(css_url: str, css: str) -> list[str]:
    """The files a stylesheet makes the browser load (fonts, images), without the query."""
    found = []
    for reference in re.findall(r"""url\(\s*["']?([^"')]+)""", css):
        if not reference.startswith(("data:", "#")):
            found.append(urlsplit(urljoin(css_url, reference)).path)
    return list(dict.fromkeys(found))


def cold_load(browser: Browser, path: str) -> dict[str, int]:
    """Every response a browser with an empty cache needs to show the page, in bytes on the
    wire: the page, what it links, what its stylesheets load and the data its script
    asks for (``data-url``). Fonts are counted whether or not the page shows an icon."""
    page = browser.get(path)
    assert page.status == 200, (path, page.status)
    sizes = {path: page.wire_bytes}
    waiting = static_links(page.text)
    waiting += [unescape(url) for url in re.findall(r'data-url="([^"]+)"', page.text)]
    while waiting:
        url = waiting.pop(0)
        if url in sizes:
            continue
        response = browser.get(url)
        assert response.status == 200, (url, response.status)
        sizes[url] = response.wire_bytes
        if urlsplit(url).path.endswith(".css"):
            waiting += css_references(url, response.text)
    return sizes


# --- The stack ----------------------------------------------------------------------------


@dataclass
class Stack:
    https_port: int  # nginx, TLS
    http_port: int  # nginx, the redirect to https
    gunicorn_port: int  # gunicorn behind nginx
    direct_tls_port: int  # the same gunicorn configuration serving TLS itself
    tls: ssl.SSLContext
    dsn: str  # the stack's own database
    redis: Any
    logs: Path
    static_root: Path  # what collectstatic wrote, which nginx serves

    def audit_rows(self, after: int, event: str) -> list[tuple[str, str | None]]:
        import psycopg

        with psycopg.connect(self.dsn, connect_timeout=5) as db:
            rows = db.execute(
                "SELECT username, host(source_ip) FROM audit_auditevent"
                " WHERE id > %s AND event = %s ORDER BY id",
                (after, event),
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def last_audit_id(self) -> int:
        import psycopg

        with psycopg.connect(self.dsn, connect_timeout=5) as db:
            row = db.execute("SELECT coalesce(max(id), 0) FROM audit_auditevent").fetchone()
        assert row is not None
        return int(row[0])

    def log_tail(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.logs.glob("*.log"))
        )


def _worker() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(worker) if worker.isdigit() else 0


def free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1, all different (each held open until all are chosen)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _postgres_server() -> tuple[str, Any]:
    """The PostgreSQL server of the tests (``DATABASE_URL``'s, else 127.0.0.1:5432)."""
    import psycopg

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432/postgres"
    server = urlunsplit(urlsplit(url)._replace(path="/postgres", query=""))
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.Error as error:
        service_missing(f"PostgreSQL at {server} is unreachable ({error}); .ci/run starts it")
    return server, admin


def _redis() -> tuple[str, Any]:
    try:
        import redis
    except ImportError:
        service_missing("the redis package is missing: pip install -r requirements/test.lock")
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    url = urlunsplit(parts._replace(path=f"/{FIRST_REDIS_DB + _worker() % 4}"))
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        service_missing(f"Redis at {url} is unreachable ({error}); .ci/run starts redis-server")
    return url, client


def _nginx() -> str:
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        service_missing("nginx is not installed (scripts/ensure-system-packages.sh installs it)")
    return found


def example_environment() -> dict[str, str]:
    """The variables of deploy/heli.env.example."""
    values: dict[str, str] = {}
    for line in (DEPLOY / "heli.env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "fullchain.pem", folder / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private.chmod(0o600)
    return cert, private


def render_site(replacements: dict[str, str]) -> str:
    """deploy/nginx/heli.conf with its ports and paths replaced, each found exactly once."""
    site = (DEPLOY / "nginx" / "heli.conf").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert site.count(old) == 1, f"deploy/nginx/heli.conf should contain {old!r} once"
        site = site.replace(old, new)
    return site


def nginx_main(folder: Path, site: Path) -> str:
    # As root nginx's workers would run as nobody, who cannot read the test's folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in NGINX_TEMP)
    return (
        f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'nginx-error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    types { text/html html; text/css css; application/javascript js;"
        " image/svg+xml svg; font/woff2 woff2; application/json json map; }\n"
        "    default_type application/octet-stream;\n"
        "    access_log off;\n"
        f"{temp}\n"
        f"    include {site};\n"
        "}\n"
    )


def _run(argv: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(  # noqa: S603 - this interpreter or nginx, fixed arguments
        argv,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, f"{what} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - gunicorn or nginx, fixed arguments
            argv, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait_until_served(
    browser: Browser, processes: list[subprocess.Popen[bytes]], stack: Stack
) -> None:
    """Until the sign-in page answers (gunicorn's workers load the application lazily)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args!r} exited {process.returncode}\n{stack.log_tail()}")
        try:
            if browser.get("/accounts/login/").status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"port {browser.port} did not serve the sign-in page\n{stack.log_tail()}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _key_files(folder: Path) -> dict[str, str]:
    """The three keys of production, each in a file only its owner reads (deploy guide, 2)."""
    folder.mkdir(mode=0o700)
    paths = {}
    for name, file_name, value in (
        ("SECRET_KEY_FILE", "secret_key", secrets.token_urlsafe(64)),
        ("AUDIT_HMAC_KEY_FILE", "audit_hmac_key", secrets.token_urlsafe(48)),
        ("FIELD_ENCRYPTION_KEY_FILE", "field_key", secrets.token_hex(16)),
    ):
        path = folder / file_name
        path.write_text(value + "\n")
        path.chmod(0o400)
        paths[name] = str(path)
    return paths


def _environment(folder: Path, stack: Stack, redis_url: str) -> dict[str, str]:
    """deploy/heli.env.example with only what names this host replaced."""
    host_values = {
        "ALLOWED_HOSTS": "127.0.0.1",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{stack.https_port}",
        "DATABASE_URL": stack.dsn,
        "REDIS_URL": redis_url,
        **_key_files(folder / "secrets"),
        "STATIC_ROOT": str(folder / "static"),
        "FILE_STORAGE_ROOT": str(folder / "files"),
    }
    example = example_environment()
    assert set(host_values) <= set(example), set(host_values) - set(example)
    assert example["HELI_PRODUCTION"] == "1" and example["TRUSTED_PROXIES"] == "127.0.0.1"
    # Nothing of the test run's own environment (HELI_EXTRA_APPS, DEBUG, DATABASE_URL...).
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        **example,
        **host_values,
        "HELI_WORKERS": "2",
    }


def nginx_argv(
    nginx: str,
    folder: Path,
    ports: tuple[int, int, int],
    tls: tuple[Path, Path],
    log: Path,
) -> list[str]:
    """Writes the site and a main configuration around it; the command that runs them.

    ``ports`` are nginx's https and http ports and gunicorn's; ``tls`` the certificate and
    its key. The static files are the ones collected into ``folder / "static"``.
    """
    https_port, http_port, upstream_port = ports
    cert, private = tls
    site = folder / "heli.conf"
    site.write_text(
        render_site(
            {
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                "/etc/heli/tls/fullchain.pem": str(cert),
                "/etc/heli/tls/privkey.pem": str(private),
                "alias /var/lib/heli/static/;": f"alias {folder / 'static'}/;",
                "proxy_pass http://127.0.0.1:8000;": f"proxy_pass http://127.0.0.1:{upstream_port};",
            }
        )
    )
    main = folder / "nginx.conf"
    main.write_text(nginx_main(folder, site))
    for kind in NGINX_TEMP:
        (folder / kind).mkdir(exist_ok=True)
    return [nginx, "-p", str(folder), "-e", str(log), "-c", str(main)]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    nginx = _nginx()
    server, admin = _postgres_server()
    redis_url, redis_client = _redis()
    folder = tmp_path_factory.mktemp("production")
    cert, private = self_signed_certificate(folder)
    database = f"heli_production_{_worker()}_{os.getpid()}"
    https_port, http_port, gunicorn_port, direct_tls_port = free_ports(4)
    stack = Stack(
        https_port=https_port,
        http_port=http_port,
        gunicorn_port=gunicorn_port,
        direct_tls_port=direct_tls_port,
        tls=ssl.create_default_context(cafile=str(cert)),
        dsn=urlunsplit(urlsplit(server)._replace(path=f"/{database}")),
        redis=redis_client,
        logs=folder / "logs",
        static_root=folder / "static",
    )
    stack.logs.mkdir()
    env = _environment(folder, stack, redis_url)
    python = sys.executable
    gunicorn = [python, "-m", "gunicorn", "heli.wsgi:application"]
    gunicorn += ["-c", str(DEPLOY / "gunicorn.conf.py")]
    processes: list[subprocess.Popen[bytes]] = []
    redis_client.flushdb()
    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{database}"')
    try:
        _run([python, "manage.py", "migrate", "--noinput", "-v0"], env, "migrate")
        _run([python, "manage.py", "collectstatic", "--noinput", "-v0"], env, "collectstatic")
        seeded = _run([python, "manage.py", "shell", "-c", SEED], env, "seed")
        assert json.loads(seeded.strip().splitlines()[-1])["staff"] is False
        bind = {**env, "HELI_BIND": f"127.0.0.1:{stack.gunicorn_port}"}
        processes.append(_start(gunicorn, bind, stack.logs / "gunicorn.log"))
        # Reached directly: the same configuration serving TLS itself, with one worker.
        direct = [*gunicorn, "--certfile", str(cert), "--keyfile", str(private), "--workers", "1"]
        bind = {**env, "HELI_BIND": f"127.0.0.1:{stack.direct_tls_port}"}
        processes.append(_start(direct, bind, stack.logs / "gunicorn-tls.log"))
        ports = (stack.https_port, stack.http_port, stack.gunicorn_port)
        nginx_command = nginx_argv(
            nginx, folder, ports, (cert, private), stack.logs / "nginx-start.log"
        )
        _run([*nginx_command, "-t", "-q"], env, "nginx -t")
        processes.append(
            _start([*nginx_command, "-g", "daemon off;"], env, stack.logs / "nginx.log")
        )
        _wait_until_served(Browser(stack.https_port, stack.tls), processes, stack)
        _wait_until_served(Browser(stack.direct_tls_port, stack.tls), processes, stack)
        yield stack
    finally:
        for process in reversed(processes):
            _stop(process)
        admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
        redis_client.flushdb()
        redis_client.close()


# --- The tests ------------------------------------------------------------------------------


def test_production_set_up_signs_in_creates_a_task_and_exports_it(stack: Stack) -> None:
    """Through nginx and TLS: sign in, assign a task with the form, download the task list."""
    browser = Browser(stack.https_port, stack.tls)
    signed_in = sign_in(browser, "staff")
    session = [c for c in browser.set_cookies if c.startswith("__Host-heli-session=")]
    assert session and "secure" in session[-1].lower() and "httponly" in session[-1].lower()
    assert signed_in.header("Strict-Transport-Security").startswith("max-age=")

    page = browser.get("/tracking/tasks/new/")
    assert page.status == 200, page.text[:3000]
    form = form_with(page, "title")
    title = f"生产环境验收任务 {secrets.token_hex(3)}"
    assigned = datetime.date.fromisoformat(form.fields["assigned_at"][0])
    lead_unit, lead_unit_name = next(
        (v, name) for v, name in form.options["lead_unit"].items() if v
    )
    (department,) = form.fields["department"]  # the staff member's own, chosen already
    department_name = form.options["department"][department]
    created = browser.post(
        "/tracking/tasks/new/",
        {
            **form.fields,
            "title": title,
            "lead_unit": lead_unit,
            "deadline": (assigned + datetime.timedelta(days=30)).isoformat(),
        },
    )
    assert created.status == 302, created.text[:5000]
    detail_url = created.header("Location")
    assert re.fullmatch(r"/tracking/tasks/\d+/", detail_url), detail_url
    detail = browser.get(detail_url)
    assert detail.status == 200 and title in detail.text
    # The form's submit-once claim went to Redis, as REDIS_URL says.
    assert list(stack.redis.scan_iter(match="*heli:submission:*"))

    export = browser.get("/tracking/tasks/export/")
    assert export.status == 200, export.text[:3000]
    assert export.header("Content-Type").startswith(XLSX)
    assert "attachment" in export.header("Content-Disposition")
    sheet = load_workbook(io.BytesIO(export.body), read_only=True).worksheets[0]
    rows = [[str(v) for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    (row,) = [r for r in rows if title in r]
    assert lead_unit_name in row and department_name in row, row


def test_plain_http_is_sent_to_https(stack: Stack) -> None:
    response = Browser(stack.http_port, None).get("/accounts/login/")
    assert response.status == 301
    assert response.header("Location") == "https://127.0.0.1/accounts/login/"


def test_static_files_from_nginx_carry_the_security_headers_of_the_pages(stack: Stack) -> None:
    browser = Browser(stack.https_port, stack.tls)
    page = browser.get("/accounts/login/")
    assert page.status == 200
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page.text)
    assert stylesheets, page.text[:2000]
    # Fingerprinted names (STATIC_MANIFEST), which nginx may let browsers keep for good.
    assert all(re.search(r"\.[0-9a-f]{12}\.css$", s) for s in stylesheets), stylesheets
    asset = browser.get(stylesheets[0])
    unhashed = browser.get("/static/heli/heli.css")
    missing = browser.get("/static/heli/no-such-file.css")
    assert asset.status == 200 and asset.header("Content-Type").startswith("text/css")
    assert asset.headers.get_all("Cache-Control") == [IMMUTABLE]
    assert missing.status == 404

    def policy(response: Response, name: str) -> str:
        # A per-response nonce of the pages is no part of the policy static files need.
        return re.sub(r" 'nonce-[^']*'", "", response.header(name))

    for name in SECURITY_HEADERS:
        assert policy(page, name), f"the sign-in page carries {name}"
        assert policy(asset, name) == policy(page, name), name
        assert policy(unhashed, name) == policy(page, name), name
        assert policy(missing, name) == policy(page, name), name


def test_pages_link_their_static_files_by_fingerprinted_names(stack: Stack) -> None:
    browser = Browser(stack.https_port, stack.tls, extra_headers=GZIP)
    assert static_links(browser.get("/accounts/login/").text)
    sign_in(browser, "staff")
    for path in ("/", reverse("tracking:wallchart"), reverse("tracking:dashboard")):
        page = browser.get(path)
        assert page.status == 200, (path, page.text[:2000])
        links = static_links(page.text)
        assert any(link.endswith(".css") for link in links), (path, links)
        assert any(link.endswith(".js") for link in links), (path, links)
        assert [link for link in links if not HASHED.search(link)] == [], path


def test_static_files_are_sent_compressed_and_kept_for_good(stack: Stack) -> None:
    """Each file the home page loads (fonts of its stylesheets too): the collected file,
    named by the hash of its content, gzip-compressed at build time, immutable."""
    browser = Browser(stack.https_port, stack.tls, extra_headers=GZIP)
    sign_in(browser, "staff")
    assets = static_links(browser.get("/").text)
    stylesheets = [url for url in assets if url.endswith(".css")]
    loaded = [url for css in stylesheets for url in css_references(css, browser.get(css).text)]
    assert any(url.endswith(".woff2") for url in loaded), loaded  # the icon font
    for url in assets + loaded:
        found = HASHED.search(url)
        assert found, url
        collected = (stack.static_root / url.removeprefix("/static/")).read_bytes()
        # The name changes whenever the content does: a kept copy is never stale.
        assert hashlib.md5(collected, usedforsecurity=False).hexdigest()[:12] == found[1]
        response = browser.get(url)
        assert response.status == 200, url
        assert response.headers.get_all("Cache-Control") == [IMMUTABLE], url
        if url.endswith(".woff2"):  # compressed already: no .gz was written
            assert response.header("Content-Encoding") == "" and response.body == collected
            continue
        assert response.header("Content-Encoding") == "gzip", url
        assert "accept-encoding" in response.vary(), url
        assert gzip.decompress(response.body) == collected, url
    # A client that takes no gzip gets the file itself.
    identity = browser.get(stylesheets[0], {"Accept-Encoding": "identity"})
    assert identity.header("Content-Encoding") == ""
    assert (
        identity.body == (stack.static_root / stylesheets[0].removeprefix("/static/")).read_bytes()
    )


def test_static_names_without_a_hash_are_revalidated_not_kept(stack: Stack) -> None:
    browser = Browser(stack.https_port, stack.tls, extra_headers=GZIP)
    plain = browser.get("/static/heli/heli.css")
    assert plain.status == 200
    assert plain.headers.get_all("Cache-Control") == ["no-cache"]
    assert plain.content == (stack.static_root / "heli" / "heli.css").read_bytes()
    # no-cache: the browser asks each time, and an unchanged file costs a 304.
    again = browser.get(
        "/static/heli/heli.css", {"If-Modified-Since": plain.header("Last-Modified")}
    )
    assert again.status == 304 and again.body == b""


def test_nginx_compresses_pages_and_json(stack: Stack) -> None:
    browser = Browser(stack.https_port, stack.tls, extra_headers=GZIP)
    sign_in(browser, "staff")
    # The dashboard's script asks for its data at the address the page gives it.
    dashboard = browser.get(reverse("tracking:dashboard")).text
    (data_url,) = [unescape(u) for u in re.findall(r'data-url="([^"]+)"', dashboard)]
    for path, kind in (
        ("/", "text/html"),
        (reverse("tracking:wallchart"), "text/html"),
        (data_url, "application/json"),
    ):
        response = browser.get(path)
        assert response.status == 200, (path, response.text[:2000])
        assert response.header("Content-Type").startswith(kind), path
        assert response.header("Content-Encoding") == "gzip", path
        assert "accept-encoding" in response.vary(), path
        assert len(response.body) < len(response.content) / 2, path
        if kind == "application/json":
            assert json.loads(response.content), path
        plain = browser.get(path, {"Accept-Encoding": "identity"})
        assert plain.status == 200 and plain.header("Content-Encoding") == "", path


@pytest.mark.parametrize(
    ("url_name", "budget"),
    [
        ("home", PAGE_BUDGET),
        ("tracking:wallchart", PAGE_BUDGET),
        ("tracking:dashboard", CHART_BUDGET),
    ],
)
def test_a_cold_load_stays_within_its_byte_budget(stack: Stack, url_name: str, budget: int) -> None:
    """The budget: 300 KB a page with an empty cache, 500 KB for a page that draws charts."""
    browser = Browser(stack.https_port, stack.tls, extra_headers=GZIP)
    sign_in(browser, "staff")
    sizes = cold_load(browser, reverse(url_name))
    total = sum(sizes.values())
    biggest = sorted(sizes.items(), key=lambda item: -item[1])[:6]
    assert total <= budget, f"{url_name}: {total} bytes over {budget}: {biggest}"


def test_nginx_gives_the_audit_log_the_real_client_address(stack: Stack) -> None:
    """A client's own X-Forwarded-For is replaced by nginx with the address it came from."""
    before = stack.last_audit_id()
    browser = Browser(stack.https_port, stack.tls, OUTSIDER, {"X-Forwarded-For": FORGED})
    sign_in(browser, "office")
    assert stack.audit_rows(before, "login.success") == [("office", OUTSIDER)]


def test_gunicorn_reached_directly_believes_no_forwarded_headers(stack: Stack) -> None:
    """Only the proxy (TRUSTED_PROXIES) may say which scheme and address a request came with."""
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": FORGED}
    # Plain http from a machine that is not the proxy, claiming TLS: sent to https.
    outsider = Browser(stack.gunicorn_port, None, OUTSIDER, forged).get("/accounts/login/")
    assert outsider.status == 301, outsider.text[:2000]
    assert outsider.header("Location").startswith("https://")
    # The same request from the proxy's address is believed.
    proxy = Browser(stack.gunicorn_port, None, "127.0.0.1", forged).get("/accounts/login/")
    assert proxy.status == 200
    # Over TLS to gunicorn itself, a forged address does not reach the audit log.
    before = stack.last_audit_id()
    sign_in(Browser(stack.direct_tls_port, stack.tls, OUTSIDER, forged), "leader")
    assert stack.audit_rows(before, "login.success") == [("leader", OUTSIDER)]


def test_trusted_proxies_must_be_single_addresses_for_gunicorn_and_heli(tmp_path: Path) -> None:
    """A network or ``*`` would mean "trust them" to gunicorn and nothing to Heli."""
    with override_settings(TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/24", "*"]):
        assert [m.id for m in checks.check_trusted_proxies()] == ["heli.E006", "heli.E006"]
    with override_settings(TRUSTED_PROXIES=["127.0.0.1", "::1"]):
        assert checks.check_trusted_proxies() == []

    def gunicorn_accepts(proxies: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env |= {"TRUSTED_PROXIES": proxies, "SQLITE_PATH": str(tmp_path / "check.sqlite3")}
        return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--check-config",
                "-c",
                str(DEPLOY / "gunicorn.conf.py"),
                "heli.wsgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    refused = gunicorn_accepts("127.0.0.1,10.0.0.0/24")
    assert refused.returncode != 0 and "10.0.0.0/24" in refused.stdout + refused.stderr
    accepted = gunicorn_accepts("127.0.0.1, ::1")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
