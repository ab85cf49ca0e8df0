from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "intelligence"

    def ready(self) -> None:
        from intelligence import quality
        from referrals import decision_extras

        # The provider's optional rating of the referral's information, on the decisions
        # that read it: accepting, returning and declining.
        decision_extras.register(quality.RATING_EXTRA)
