from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.api.views import referral_changes_response
        from partnership.api.changes import changes_list_register
        from referrals.signals import referral_event_recorded

        referral_event_recorded.connect(_event_recorded, dispatch_uid="integrations-change")
        # `/api/v1/referrals/?updated_since=…` reads in the feed's order.
        changes_list_register(basename="referral", handler=referral_changes_response)


def _event_recorded(sender, *, event, **kwargs) -> None:
    from integrations.services import change_record

    change_record(event=event)
