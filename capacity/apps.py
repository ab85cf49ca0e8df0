from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"

    def ready(self) -> None:
        from capacity import receivers
        from referrals.signals import referral_demand_changed

        referral_demand_changed.connect(
            receivers.capacity_recompute_on_demand_change,
            dispatch_uid="capacity.recompute_on_demand_change",
        )
