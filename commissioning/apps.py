from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from commissioning import receivers
        from commissioning.models import Agreement, Application, FundingRound, Lot, RoundStep
        from partnership.models import CommissioningBody
        from providers.models import Organisation

        post_save.connect(
            receivers.round_changed, sender=FundingRound, dispatch_uid="commissioning.ocds.round"
        )
        for model in (Lot, RoundStep, Application, Agreement):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.round_part_changed,
                    sender=model,
                    dispatch_uid=f"commissioning.ocds.{model.__name__}.{signal is post_save}",
                )
        post_save.connect(
            receivers.organisation_changed,
            sender=Organisation,
            dispatch_uid="commissioning.ocds.organisation",
        )
        post_save.connect(
            receivers.body_changed, sender=CommissioningBody, dispatch_uid="commissioning.ocds.body"
        )
