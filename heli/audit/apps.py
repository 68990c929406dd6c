from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "heli.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from heli.audit import checks, signals  # noqa: F401 (checks register on import)

        signals.connect(self)
