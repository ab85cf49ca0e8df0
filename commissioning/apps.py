from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"

    def ready(self) -> None:
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from commissioning import receivers
        from commissioning.models import Agreement, Application, FundingRound, Lot, RoundStep
        from partnership.models import CommissioningBody, Pdu, Region, ServiceCategory
        from providers.models import Organisation

        # What is in the open data (`commissioning.exports`) is recorded again when it changes.
        post_save.connect(
            receivers.round_changed, sender=FundingRound, dispatch_uid="commissioning.ocds.round"
        )
        for model in (Lot, RoundStep, Application, Agreement):
            for signal in (post_save, post_delete):
                signal.connect(
                    receivers.round_changed,
                    sender=model,
                    dispatch_uid=f"commissioning.ocds.{model.__name__}.{signal is post_save}",
                )
        for links in (FundingRound.co_funders, Lot.pdus, Application.pdus):
            m2m_changed.connect(
                receivers.round_links_changed,
                sender=links.through,
                dispatch_uid=f"commissioning.open_data.{links.through.__name__}",
            )
        post_save.connect(
            receivers.organisation_changed,
            sender=Organisation,
            dispatch_uid="commissioning.ocds.organisation",
        )
        post_save.connect(
            receivers.body_changed, sender=CommissioningBody, dispatch_uid="commissioning.ocds.body"
        )
        for model in (Region, Pdu, ServiceCategory):
            post_save.connect(
                receivers.reference_changed,
                sender=model,
                dispatch_uid=f"commissioning.open_data.{model.__name__}",
            )
