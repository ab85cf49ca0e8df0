from django.apps import AppConfig


class PartnershipConfig(AppConfig):
    name = "partnership"
    verbose_name = "Partnership core"

    def ready(self) -> None:
        # Sign-in and session signal handlers (sessions recorded, ended on deactivation).
        from partnership import auth
        from partnership.services import notification_kind_links_to_set_password

        # The reset link is minted when the email is sent, never stored.
        notification_kind_links_to_set_password(
            kind=auth.PASSWORD_RESET_KIND, url_name="password-reset-confirm"
        )
