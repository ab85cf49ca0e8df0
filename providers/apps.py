from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self) -> None:
        from notifications.services import notification_kind_links_to_set_password
        from providers.services import STAFF_INVITED_KIND

        # The invitation's link to set a password is minted when the email is sent.
        notification_kind_links_to_set_password(
            kind=STAFF_INVITED_KIND, url_name="providers:invitation-accept"
        )
