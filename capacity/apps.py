from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"

    def ready(self) -> None:
        from capacity import receivers
        from capacity.openreferral import service_capacities
        from providers.openreferral import capacities_register
        from referrals.signals import referral_demand_changed

        capacities_register(service_capacities)
        _connect_kept_capacity_drop(receivers.kept_capacity_drop)
        referral_demand_changed.connect(
            receivers.capacity_recompute_on_demand_change,
            dispatch_uid="capacity.recompute_on_demand_change",
        )


def _connect_kept_capacity_drop(receiver) -> None:
    """What this month's capacity is counted from: services (their capacity, status, PDUs
    and categories) and agreements (their status, dates and lines)."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from commissioning.models import Agreement, AgreementService
    from providers.models import Service

    for model in (Service, Agreement, AgreementService):
        uid = f"capacity.kept_capacity_drop.{model.__name__}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}.saved")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}.deleted")
    for through in (Service.pdus.through, Service.categories.through):
        m2m_changed.connect(
            receiver, sender=through, dispatch_uid=f"capacity.kept_capacity_drop.{through.__name__}"
        )
