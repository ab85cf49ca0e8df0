import factory

from notifications.models import Notification
from partnership.tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "test"
    title = factory.Sequence(lambda n: f"Something happened {n}")


def emailed_link(user, kind: str) -> str:
    """The portal path in the email of `user`'s latest `kind` notification, as delivered
    (links to set a password exist only in the email, minted when it is sent)."""
    import re

    from django.conf import settings
    from django.core import mail

    from notifications.services import notification_email_deliver

    notification = Notification.objects.filter(recipient=user, kind=kind).latest("pk")
    notification_email_deliver(notification_id=notification.pk)
    base_url = re.escape(settings.PORTAL_BASE_URL.rstrip("/"))
    for email in reversed(mail.outbox):
        found = re.search(rf"{base_url}(/\S+)", email.body)
        if email.to == [user.email] and found:
            return found.group(1)
    raise AssertionError(f"No email with a link reached {user.email}")
