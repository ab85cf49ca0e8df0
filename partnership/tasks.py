"""Notification delivery and housekeeping tasks: ids in, one service call, retries on
transient failures."""

from celery import shared_task

from partnership import auth, services


@shared_task(bind=True, acks_late=True, max_retries=5)
def notification_email_send(self, notification_id: int) -> bool:
    try:
        return services.notification_email_deliver(notification_id=notification_id)
    except services.TransientEmailError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2**self.request.retries, 3600)) from exc


@shared_task(acks_late=True)
def notification_email_redeliver_stalled() -> int:
    stalled = services.notification_email_stalled_ids()
    for notification_id in stalled:
        notification_email_send.delay(notification_id)
    return len(stalled)


@shared_task(acks_late=True)
def pending_tasks_send() -> int:
    return services.pending_tasks_send_due()


@shared_task(acks_late=True)
def sessions_clear_expired() -> int:
    return auth.sessions_clear_expired()
