"""Build the default Word templates the joint meeting area ships (heli/meetings/doc_templates/).

    .venv/bin/python scripts/make_meeting_templates.py

The notice's and the minutes' templates are laid out by heli.lib.officialdoc
(GB/T 9704-2012); their placeholders are heli.meetings.documents.NOTICE_PLACEHOLDERS and
MINUTES_PLACEHOLDERS. A committee can download either, change it in Word and upload it as
its own (meetings:doc_templates).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heli.settings")
    import django

    django.setup()
    from heli.meetings.documents import KINDS

    for kind in KINDS.values():
        target = kind.default_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(kind.build())
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
