"""Helpers of the meeting area's browser walk (test_browser_meetings): browser contexts
that fail the test on a script error, screenshots at both widths when asked for, the
times a form's date-and-time picker takes, and what a person's notification centre shows."""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

from django.utils import timezone

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
# How long a step may wait for its page (a walk that stops fails soon, not after 30 s).
TIMEOUT = 10_000
# Screenshots are taken only when HELI_SHOTS names a folder for them (not in CI).
SHOTS = Path(os.environ.get("HELI_SHOTS", "."))


class Shots:
    """Full-page screenshots of each page walked through, at 1440 and 390 px, numbered in
    the order taken; nothing at all unless HELI_SHOTS is set."""

    def __init__(self) -> None:
        self.on = bool(os.environ.get("HELI_SHOTS"))
        self.count = 0
        if self.on:
            SHOTS.mkdir(parents=True, exist_ok=True)
            (SHOTS / "latin-text.txt").unlink(missing_ok=True)

    def __call__(self, page: Any, name: str) -> None:
        if not self.on:
            return
        self.count += 1
        page.wait_for_load_state()
        # From the top: a page left scrolled to an anchor draws its sticky bar mid-shot.
        page.evaluate("window.scrollTo(0, 0)")
        size = page.viewport_size
        for width in (1440, 390):
            page.set_viewport_size({"width": width, "height": 844 if width < 500 else 900})
            page.screenshot(
                path=str(SHOTS / f"{self.count:02d}-{name}-{width}.png"), full_page=True
            )
        if size:
            page.set_viewport_size(size)
        # Text in Latin letters on the page: English left untranslated, for the reader.
        words = re.findall(r"[A-Za-z][A-Za-z'’,.\- ]{5,}[A-Za-z.]", page.inner_text("body"))
        with (SHOTS / "latin-text.txt").open("a", encoding="utf-8") as out:
            out.write(f"{self.count:02d}-{name} {page.url}: {sorted(set(words))}\n")


class Errors:
    """Script errors and CSP refusals of every page opened in the contexts it watches.

    A form refused on purpose answers 400 (what was typed comes back with the message),
    which the browser reports as a resource that failed to load: that one is expected;
    any other failed status (403, 404, 500) is not."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def watch(self, page: Any) -> Any:
        def console(message: Any) -> None:
            if "status of 400 (Bad Request)" in message.text:
                return
            if "Content Security Policy" in message.text or message.type == "error":
                self.found.append(message.text)

        page.on("console", console)
        page.on("pageerror", lambda error: self.found.append(str(error)))
        return page

    def context(self, browser: Any, viewport: dict[str, int] = WIDE, **extra: Any) -> Any:
        context = browser.new_context(locale="zh-CN", viewport=viewport, **extra)
        context.set_default_timeout(TIMEOUT)
        context.on("page", self.watch)
        return context


def local_input(moment: datetime.datetime) -> str:
    """A moment as the date-and-time picker takes it, in the committee's time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def to_minute(moment: datetime.datetime) -> datetime.datetime:
    """The moment at the start of its minute (what the picker can say)."""
    return moment.replace(second=0, microsecond=0)


def notification_titles(page: Any, live_server: Any) -> list[str]:
    """The titles in the person's notification centre, newest first."""
    page.goto(f"{live_server.url}/notifications/")
    links = page.locator("#notification-list .list-group-item a")
    return [t.strip() for t in links.all_inner_texts()]
