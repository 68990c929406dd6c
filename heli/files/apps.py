from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilesConfig(AppConfig):
    name = "heli.files"
    label = "files"
    verbose_name = _("Files")

    def ready(self) -> None:
        from heli.files import access, checks  # noqa: F401 - registers the system checks

        access.register()
