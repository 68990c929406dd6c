"""The sample area exists for the registry tests (test_areas_plug_in) only."""

from __future__ import annotations

from heli.testing import AuditedPage

PAGES: list[AuditedPage] = []

NOT_PAGES = {"sample_area:things": "the registry tests' sample area, not a page of Heli"}
