from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        # Sign-in and session signal handlers (sessions recorded, ended on deactivation).
        from partnership import auth  # noqa: F401 - its receivers connect on import
        from partnership.db_roles import grants_after_migrate

        # After every migration the app role gets its grants again, new tables included.
        post_migrate.connect(grants_after_migrate, sender=self)
