"""System checks: the file storage must not be a folder WhiteNoise serves.

Nothing serves MEDIA_ROOT (no URL maps it), so the storage may share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, register


def _inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents or path in folder.parents


@register()
def storage_is_not_served(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    root = Path(settings.FILE_STORAGE_ROOT)
    served: list[Path] = [
        Path(d if isinstance(d, str | Path) else d[1]) for d in settings.STATICFILES_DIRS
    ]
    if settings.STATIC_ROOT:
        served.append(Path(settings.STATIC_ROOT))
    served += [Path(c.path) / "static" for c in apps.get_app_configs()]
    errors: list[CheckMessage] = []
    for folder in served:
        if _inside(root, folder):
            errors.append(
                Error(
                    f"FILE_STORAGE_ROOT ({root}) overlaps {folder}, which is served to browsers.",
                    hint="Keep uploaded files outside every static and media folder.",
                    id="files.E001",
                )
            )
    return errors
