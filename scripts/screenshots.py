"""Screenshots of Heli's pages at desktop and phone width, for looking at what we build.

Run against a server (``make run`` in another terminal):
    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8000] [--out screenshots]
Uses the system Chromium through Playwright.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SIZES: dict[str, Any] = {
    "desktop": {"width": 1440, "height": 900},
    "phone": {"width": 390, "height": 844},
}
DEFAULT_PAGES = {
    "office": [
        "/",
        "/org/units/",
        "/org/units/?q=交通",
        "/org/groups/",
        "/org/leads/",
        "/org/import/",
    ],
    "admin": ["/", "/org/units/", "/org/units/1/", "/org/import/"],
    "leader": ["/"],
    "secretary": ["/", "/org/units/", "/org/groups/"],
    "auditor": ["/"],
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="screenshots")
    parser.add_argument("--password", default="Heli@2026")
    parser.add_argument("--user", action="append", help="only these demo users")
    parser.add_argument("--extra", action="append", default=[], help="user:path to add")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(exist_ok=True)
    pages = {u: list(p) for u, p in DEFAULT_PAGES.items() if not args.user or u in args.user}
    for item in args.extra:
        user, path = item.split(":", 1)
        pages.setdefault(user, []).append(path)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for size, viewport in SIZES.items():
            for user, paths in pages.items():
                context = browser.new_context(
                    viewport=viewport, locale="zh-CN", is_mobile=size == "phone"
                )
                page = context.new_page()
                page.goto(f"{args.base}/accounts/login/")
                if size == "desktop" and user == next(iter(pages)):
                    page.screenshot(path=str(out / f"{size}-login.png"), full_page=True)
                page.fill("#id_username", user)
                page.fill("#id_password", args.password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                for path in paths:
                    page.goto(f"{args.base}{path}")
                    page.wait_for_load_state("networkidle")
                    name = (
                        path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-")
                        or "home"
                    )
                    page.screenshot(path=str(out / f"{size}-{user}-{name}.png"), full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
