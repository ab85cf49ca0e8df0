from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership core"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from notifications.services import notification_kind_links_to_set_password

        # Sign-in and session signal handlers (sessions recorded, ended on deactivation).
        from partnership import auth
        from partnership.db_roles import grants_after_migrate

        # The reset link is minted when the email is sent, never stored.
        notification_kind_links_to_set_password(
            kind=auth.PASSWORD_RESET_KIND, url_name="password-reset-confirm"
        )
        # After every migration the app role gets its grants again, new tables included.
        post_migrate.connect(grants_after_migrate, sender=self)
