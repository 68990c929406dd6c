from django.apps import AppConfig


class LibConfig(AppConfig):
    """Shared helpers; an app only to register the cryptography checks and commands."""

    name = "heli.lib"
    label = "heli_lib"

    def ready(self) -> None:
        from heli.lib import checks  # noqa: F401  (registers the system checks)
