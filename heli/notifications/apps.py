from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "heli.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The built-in reminder kinds register themselves on import.
        from heli.notifications import access, account_notices, reminders, ui  # noqa: F401

        access.register()
        ui.register()
        account_notices.connect()
