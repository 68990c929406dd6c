from django.apps import AppConfig


class LibConfig(AppConfig):
    """Shared helpers; an app only to register checks, commands and post-migrate handlers."""

    name = "heli.lib"
    label = "heli_lib"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from heli.lib import append_only, checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(
            append_only.reinstall_after_migrate, dispatch_uid="heli.lib.append_only"
        )
