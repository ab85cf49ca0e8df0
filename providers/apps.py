from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "providers"

    def ready(self) -> None:
        from notifications.services import notification_kind_links_to_set_password
        from providers.api.serializers import category_options_forget
        from providers.services import STAFF_INVITED_KIND

        # The invitation's link to set a password is minted when the email is sent.
        notification_kind_links_to_set_password(
            kind=STAFF_INVITED_KIND, url_name="providers:invitation-accept"
        )
        _connect_category_options_forget(category_options_forget)


def _connect_category_options_forget(receiver) -> None:
    """What the API's category options are read from: categories, levels and outcomes."""
    from django.db.models.signals import post_delete, post_save

    from partnership.models import ComplexityLevel, DesiredOutcome, ServiceCategory

    for model in (ServiceCategory, ComplexityLevel, DesiredOutcome):
        uid = f"providers.category_options_forget.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}.deleted")
