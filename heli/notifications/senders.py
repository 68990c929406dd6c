"""Sending one message by email or to a group robot. Raise SendError on failure.

Robots are posted to with urllib (no extra dependency), to the configured address only:
redirects are refused, the timeout is short, and error texts never contain the address
(it holds the robot's access token).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is answered as an error: we post to the configured URL only


_opener = urllib.request.build_opener(_NoRedirect)


def _post_json(url: str, payload: dict[str, Any]) -> None:
    check_robot_url(url)
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (scheme checked by check_robot_url)
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    timeout = getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", 5)
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as error:
        raise SendError(f"HTTP {error.code}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise SendError(f"{type(error).__name__}: {reason}"[:500]) from None
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


def check_robot_url(url: str) -> None:
    """Refuse anything but https (and http to 127.0.0.1 when NOTIFY_ALLOW_HTTP_LOOPBACK)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and getattr(settings, "NOTIFY_ALLOW_HTTP_LOOPBACK", False):
        try:
            if ipaddress.ip_address(host) == ipaddress.ip_address("127.0.0.1"):
                return
        except ValueError:
            pass
    raise ValidationError(
        _(
            "The webhook address must start with https:// and name a server, "
            "e.g. https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"
        ),
        code="insecure_url",
    )
