from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonConfig(AppConfig):
    name = "heli.liaison"
    label = "liaison"
    verbose_name = _("Liaison")
    url_prefix = "liaison"

    def ready(self) -> None:
        from heli.files.access import register_owner
        from heli.liaison import access, board_ui, demo, ledger_ui, letters_ui, sources, ui
        from heli.liaison.models import Contact, LetterReceipt

        access.register()
        sources.register()
        register_owner(Contact)
        register_owner(LetterReceipt)
        ui.register()
        letters_ui.register()
        board_ui.register()
        ledger_ui.register()
        demo.register()
