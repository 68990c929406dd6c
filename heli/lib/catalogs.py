"""Compile and check the translation catalogues without GNU gettext.

``python -m heli.lib.catalogs --compile`` writes each ``django.mo`` from its ``django.po``;
``--check`` fails when a compiled catalogue is stale or the Chinese one has an entry
without a translation (the interface would show English to a Chinese reader).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
COMPLETE_LANGUAGES = ("zh_Hans",)


def catalogues() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    return {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in catalogue
        if not e.obsolete and "fuzzy" not in e.flags and e.msgid
    }


def compile_all() -> None:
    for po_path in catalogues():
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))


def check_all() -> list[str]:
    problems = []
    for po_path in catalogues():
        po = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{mo_path} is missing: run make messages")
            continue
        if _entries(po) != _entries(polib.mofile(str(mo_path))):
            problems.append(f"{mo_path} is older than its .po: run make messages")
        language = po_path.parent.parent.name
        if language in COMPLETE_LANGUAGES:
            for entry in po.untranslated_entries() + po.fuzzy_entries():
                problems.append(f"{po_path}: no {language} translation for {entry.msgid!r}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--compile", action="store_true")
    group.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.compile:
        compile_all()
        return 0
    problems = check_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
