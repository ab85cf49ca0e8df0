from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership core"

    def ready(self) -> None:
        # Sign-in and session signal handlers (sessions recorded, ended on deactivation).
        from partnership import auth  # noqa: F401
