"""Sign-in by email; demo accounts are refused wherever the demo is switched off."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

DEMO_EMAIL_DOMAIN = "@demo.example"


def account_may_sign_in(user) -> bool:
    """Active, and not a demo account outside the demo."""
    if not getattr(user, "is_active", False):
        return False
    return settings.DEMO_ENABLED or not user.email.lower().endswith(DEMO_EMAIL_DOMAIN)


class EmailBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return account_may_sign_in(user)
