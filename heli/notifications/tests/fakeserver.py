"""A real HTTP server on 127.0.0.1 that plays a group robot and records what it got."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Hit:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    host: str = ""


@dataclass
class FakeRobotServer:
    """Answers errcode 0, or what ``answers`` says next (an HTTP status or a JSON dict).

    ``connections`` counts every connection accepted, even one that never sends a
    request (a TLS handshake to this plain-HTTP server): a refused address leaves it 0.
    An HTTP status answer carries ``location`` as its Location header when set.
    """

    hits: list[Hit] = field(default_factory=list)
    answers: list[int | dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    location: str = ""

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = json.loads(raw.decode("utf-8"))
                fake.hits.append(Hit(parts.path, query, body, self.headers.get("Host", "")))
                answer: int | dict[str, Any] = (
                    fake.answers.pop(0) if fake.answers else {"errcode": 0, "errmsg": "ok"}
                )
                if isinstance(answer, int):
                    self.send_response(answer)
                    if fake.location:
                        self.send_header("Location", fake.location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request: Any, client_address: Any) -> bool:
                fake.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, *, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def use_test_delivery(settings: Any) -> None:
    """Settings under which reminders reach the locmem outbox and a loopback robot."""
    settings.NOTIFY_EMAIL_ENABLED = True
    # The only way a robot reaches 127.0.0.1: it is on the allow-list, as an intranet
    # gateway would be.
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://heli.example.gov.cn"
    settings.LANGUAGE_CODE = "zh-hans"
