from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "heli.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from heli.audit import access, checks, signals, ui  # noqa: F401 (checks register)

        signals.connect(self)
        access.register()
        ui.register()
