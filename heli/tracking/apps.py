from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "heli.tracking"
    label = "tracking"
    verbose_name = _("Battle map")

    def ready(self) -> None:
        from heli.tracking import reminders  # noqa: F401  (registers the reminder kinds)
