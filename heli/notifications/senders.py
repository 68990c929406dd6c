"""Sending one message by email or to a group robot. Raise SendError on failure.

Robots are posted to with http.client (no extra dependency), to the configured address
only: it is checked and resolved right before the post (``addresses.target``) and the
connection goes to the very address that was checked, with the host name in TLS (SNI and
certificate check) and in the Host header. Redirects are never followed (an answer other
than 200 is a failure), the timeout is short, and error texts never contain the address
(it holds the robot's access token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import socket
import ssl
import time
import urllib.parse
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from heli.notifications import addresses

# Both platforms cut a markdown message at 4096 bytes (WeChat Work) / 20000 (DingTalk).
MAX_MARKDOWN_BYTES = 4000


class SendError(Exception):
    """A message was not accepted; the text says why (kept on the Delivery)."""


def absolute_url(url: str) -> str:
    base = getattr(settings, "SITE_URL", "").rstrip("/")
    if url.startswith("/") and base:
        return base + url
    return url


def send_email(to: str, title: str, body: str, url: str) -> None:
    text = body
    if url:
        label = _("Open in Heli")
        text = f"{body}\n\n{label}: {absolute_url(url)}"
    message = EmailMessage(
        subject=f"[{settings.SITE_NAME}] {title}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:  # any SMTP or socket error: kept and retried next run
        raise SendError(f"{type(error).__name__}: {error}"[:500]) from error


def markdown(title: str, body: str, url: str) -> str:
    parts = [f"**{title}**"]
    if body:
        parts.append(body)
    if url:
        label = _("Open in Heli")
        parts.append(f"[{label}]({absolute_url(url)})")
    text = "\n\n".join(parts)
    encoded = text.encode("utf-8")
    if len(encoded) > MAX_MARKDOWN_BYTES:
        text = encoded[: MAX_MARKDOWN_BYTES - 3].decode("utf-8", "ignore") + "…"
    return text


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature: base64(HMAC-SHA256(secret, "timestamp\\nsecret"))."""
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    query = urllib.parse.urlencode(
        {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(secret, timestamp_ms)}
    )
    return f"{url}{'&' if '?' in url else '?'}{query}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP (allow-listed gateways only) to the checked address, not a new lookup."""

    def __init__(self, target: addresses.Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate must still match the host name."""

    def __init__(self, target: addresses.Target, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)


def _connect(target: addresses.Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the first of the checked addresses that answers."""
    kind = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    error: OSError = OSError("no address")
    for address in target.addresses:
        connection = kind(target, str(address), timeout)
        try:
            connection.connect()
        except OSError as failed:  # refused, unreachable, timed out, TLS: try the next one
            connection.close()
            error = failed
            continue
        return connection
    raise error


def _post_json(url: str, payload: dict[str, Any]) -> None:
    try:
        target = addresses.target(url)
    except addresses.Refused as refused:
        raise SendError(f"address refused: {refused.code}") from None
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    timeout = float(getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", 5))
    try:
        connection = _connect(target, timeout)
        try:
            connection.request(
                "POST",
                target.path,
                body=data,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            response = connection.getresponse()
            status = response.status
            raw = response.read(65536)
        finally:
            connection.close()
    except (OSError, http.client.HTTPException) as error:
        raise SendError(f"{type(error).__name__}: {error}"[:500]) from None
    if status != 200:
        # A redirect (3xx) included: we post to the configured address only.
        raise SendError(f"HTTP {status}")
    try:
        answer = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise SendError("not a JSON answer") from None
    if not isinstance(answer, dict) or answer.get("errcode") != 0:
        code = answer.get("errcode") if isinstance(answer, dict) else None
        message = answer.get("errmsg", "") if isinstance(answer, dict) else ""
        raise SendError(f"errcode {code}: {message}"[:500])


def send_wecom(url: str, title: str, body: str, link: str) -> None:
    """WeChat Work group robot: markdown message; success is errcode 0."""
    _post_json(url, {"msgtype": "markdown", "markdown": {"content": markdown(title, body, link)}})


def send_dingtalk(url: str, secret: str, title: str, body: str, link: str) -> None:
    """DingTalk group robot: markdown message, signed when a secret is set; errcode 0."""
    _post_json(
        signed_dingtalk_url(url, secret),
        {"msgtype": "markdown", "markdown": {"title": title, "text": markdown(title, body, link)}},
    )
