from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "heli.tracking"
    label = "tracking"
    verbose_name = _("Battle map")

    def ready(self) -> None:
        from heli.files.access import register_owner
        from heli.tracking import access, chart, demo, reminders, ui  # noqa: F401 (reminders register)
        from heli.tracking.models import Task

        access.register()
        chart.connect()
        register_owner(Task)
        ui.register()
        demo.register()
