from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from referrals.signals import referral_event_recorded

        referral_event_recorded.connect(_event_recorded, dispatch_uid="integrations-change")


def _event_recorded(sender, *, event, **kwargs) -> None:
    from integrations.services import change_record

    change_record(event=event)
