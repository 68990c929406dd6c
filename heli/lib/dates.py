"""Work-year and date helpers."""

from __future__ import annotations

import datetime

from django.utils import timezone


def current_year() -> int:
    """The work year of today, in the committee's time zone."""
    return timezone.localdate().year


def format_date(value: datetime.date | None) -> str:
    """A date as 2026年11月26日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"
