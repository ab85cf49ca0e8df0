"""Sign-in by email; demo accounts are refused wherever the demo is switched off."""

from django.conf import settings
from django.contrib.auth import get_user_model
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

    def get_user(self, user_id):
        """The signed-in user on every request, read with the PDU (and its region),
        organisation or commissioning body that pages name beside them: one statement
        rather than one for each."""
        users = get_user_model()._default_manager.select_related(
            "pdu__region", "organisation", "commissioning_body"
        )
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
