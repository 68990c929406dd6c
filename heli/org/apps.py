from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "heli.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from heli.org import demo, ui

        ui.register()
        demo.register()
