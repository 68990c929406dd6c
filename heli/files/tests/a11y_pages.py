"""The attachments' URLs in the accessibility walk (heli/lib/tests/test_accessibility.py):
none of them is a page; files are uploaded and listed on the pages of the areas."""

from __future__ import annotations

from heli.testing import AuditedPage

PAGES: list[AuditedPage] = []

NOT_PAGES = {
    "files:upload": "a POST: an attachment uploaded from a form of an area",
    "files:download": "a download of an attachment",
}
