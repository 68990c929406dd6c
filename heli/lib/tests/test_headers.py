"""Security headers, checked on real responses, and the production settings' deploy check."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from heli.testing import World

pytestmark = pytest.mark.django_db


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_headers_on_the_login_page(client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_headers_and_no_store_on_signed_in_pages(client, world: World) -> None:
    client.force_login(world.user("office"))
    for url in (
        reverse("home"),
        reverse("org:unit_list"),
        reverse("org:group_list"),
        reverse("org:leads"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert "no-store" in response["Cache-Control"], url


class InlineCode(HTMLParser):
    """Finds what a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name in names:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{tag} {name}=")
        for name, value in attrs:
            if (
                name in ("href", "src", "action")
                and value
                and value.strip().lower().startswith("javascript:")
            ):
                self.found.append(f"{tag} {name}=javascript:")


@pytest.mark.parametrize("who", ["office", "unit0_secretary", "sysadmin"])
def test_pages_have_no_inline_script_or_style(client, world: World, who: str) -> None:
    client.force_login(world.user(who))
    urls = [reverse("home"), reverse("org:unit_list"), reverse("org:group_list")]
    urls += [reverse("org:unit_detail", args=[world.units[0].pk])]
    if who == "office":
        urls += [reverse("org:leads"), reverse("org:import"), reverse("org:unit_create")]
    for url in urls:
        response = client.get(url)
        if response.status_code != 200:
            continue
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], (url, parser.found)


def test_pages_reference_no_outside_address(client, world: World) -> None:
    client.force_login(world.user("office"))
    for url in (reverse("home"), reverse("org:unit_list"), reverse("accounts:login")):
        body = client.get(url).content.decode()
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", body), url


def test_deploy_check_passes_with_the_production_settings(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))} | {
        "HELI_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
        "FIELD_ENCRYPTION_KEY": secrets.token_hex(16),
        "ALLOWED_HOSTS": "heli.example.gov.cn",
        "SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
        "CLAMAV_SOCKET": "/run/clamav/clamd.ctl",  # as deploy/heli.env.example
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_the_development_keys(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "HELI_PRODUCTION": "1",
        "SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
    }
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
