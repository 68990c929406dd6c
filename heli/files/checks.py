"""System checks of uploads: where they are kept, and that production scans them.

Nothing serves MEDIA_ROOT (no URL maps it), so the storage may share it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning

from heli.lib import keys


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


@register(Tags.security)
def uploads_are_scanned_in_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not keys.is_production() or settings.CLAMAV_SOCKET or settings.CLAMAV_COMMAND:
        return []
    return [
        CheckWarning(
            "生产环境（HELI_PRODUCTION）没有配置病毒扫描，上传的附件不经查毒就保存。"
            " / No virus scanner is configured in production.",
            hint=(
                "安装 clamd（Debian：apt-get install clamav-daemon clamav-freshclam），"
                "设 CLAMAV_SOCKET=/run/clamav/clamd.ctl（或用 CLAMAV_COMMAND 指定扫描命令），"
                "并保持病毒库更新，见 deploy/README.md。"
            ),
            id="files.W001",
        )
    ]
