"""Build the default Word templates the liaison area ships (heli/liaison/doc_templates/).

    .venv/bin/python scripts/make_doc_templates.py

The letter's template is laid out by heli.lib.officialdoc (GB/T 9704-2012) with the
placeholders {{issuer}}, {{number}}, {{title}}, {{addressees}}, {{body}}, {{signer}} and
{{date}}. A committee can download it, change it in Word and upload it as its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from heli.lib.officialdoc import letter_template  # noqa: E402


def main() -> None:
    target = ROOT / "heli" / "liaison" / "doc_templates" / "letter.docx"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(letter_template())
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
