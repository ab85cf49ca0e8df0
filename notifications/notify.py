"""A Django email backend that sends through GOV.UK Notify.

Notify sends from templates: one template whose body is `((body))` and subject
`((subject))` carries every email the portal sends (NOTIFY_TEMPLATE_ID). Each email carries
its message's `reference` (e.g. `notification-42`), so that `accepted` can ask Notify whether
an email cut off mid-send reached it.
"""

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend


class NotifyEmailBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs):
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.client = None

    def open(self) -> bool:
        if self.client is None:
            from notifications_python_client.notifications import NotificationsAPIClient

            self.client = NotificationsAPIClient(settings.NOTIFY_API_KEY)
            return True
        return False

    def send_messages(self, email_messages) -> int:
        self.open()
        sent = 0
        for message in email_messages:
            for address in message.recipients():
                try:
                    self.client.send_email_notification(
                        email_address=address,
                        template_id=settings.NOTIFY_TEMPLATE_ID,
                        personalisation={"subject": message.subject, "body": message.body},
                        reference=getattr(message, "reference", None),
                    )
                except Exception:
                    if not self.fail_silently:
                        raise
                    continue
                sent += 1
        return sent

    def accepted(self, reference: str) -> bool:
        """Whether Notify holds an email sent with `reference` (it keeps them for 7 days)."""
        self.open()
        found = self.client.get_all_notifications(template_type="email", reference=reference)
        return bool(found.get("notifications"))
