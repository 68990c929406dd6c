from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "heli.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from heli.accounts import (
            checks,  # noqa: F401 (registers the start-up checks)
            signals,
        )

        signals.connect()
        from heli.accounts import ui

        ui.register()
