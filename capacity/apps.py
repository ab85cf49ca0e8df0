from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"

    def ready(self) -> None:
        from capacity import receivers
        from capacity.openreferral import service_capacities
        from providers.openreferral import capacities_register
        from referrals.signals import referral_demand_changed

        capacities_register(service_capacities)
        referral_demand_changed.connect(
            receivers.capacity_recompute_on_demand_change,
            dispatch_uid="capacity.recompute_on_demand_change",
        )
