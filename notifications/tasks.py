"""Email delivery and outbox tasks: ids in, one service call, retries on transient failures.

Until this app had its own, these tasks were `partnership.tasks.*`. Messages queued and
outbox rows recorded under those names before a deploy still run: each old name is
registered too, as a thin task that does exactly what the new one does (see the end).
"""

import random

from celery import shared_task
from django.db import DatabaseError, InterfaceError
from django.utils.dateparse import parse_datetime

from notifications import services

# A delivery that finds its notification's row locked tries again this soon (seconds, before
# jitter): a row is held for milliseconds, and a busy email should not wait for the sweep.
BUSY_RETRY_SECONDS = 1


def _email_send(task, notification_id: int, sent: dict | None) -> bool:
    try:
        if sent is not None:
            return services.notification_email_mark_sent(
                notification_id=notification_id,
                claimed_at=parse_datetime(sent["claimed_at"]),
                sent_at=parse_datetime(sent["sent_at"]),
            )
        return services.notification_email_deliver(notification_id=notification_id)
    except services.NotificationBusy as exc:
        raise task.retry(exc=exc, countdown=BUSY_RETRY_SECONDS + random.random()) from exc  # noqa: S311 - jitter
    except services.EmailSentNotRecorded as exc:
        record = {"claimed_at": exc.claimed_at.isoformat(), "sent_at": exc.sent_at.isoformat()}
        raise task.retry(
            exc=exc, args=[notification_id], kwargs={"sent": record}, countdown=2
        ) from exc
    except services.TransientEmailError as exc:
        raise task.retry(exc=exc, countdown=min(30 * 2 ** (exc.attempts - 1), 3600)) from exc
    except (DatabaseError, InterfaceError) as exc:
        # The database is restarting; what was claimed or sent is kept (see the service).
        raise task.retry(exc=exc, countdown=min(5 * 2**task.request.retries, 300)) from exc


@shared_task(bind=True, acks_late=True, max_retries=100)
def notification_email_send(self, notification_id: int, sent: dict | None = None) -> bool:
    """Deliver one notification's email; with `sent` (from a retry), only record that the
    provider took it. The number of attempts at the provider is bounded by the service."""
    return _email_send(self, notification_id, sent)


@shared_task(acks_late=True)
def notification_emails_send(notification_ids: list[int]) -> int:
    """Queue each notification's email as its own task: a sender of thousands at once (the
    monitoring run) hands the worker one message rather than queueing each itself."""
    for notification_id in notification_ids:
        notification_email_send.delay(notification_id)
    return len(notification_ids)


@shared_task(acks_late=True)
def notification_email_redeliver_stalled() -> int:
    """Settle emails cut off mid-send, then queue every email still pending after a while."""
    services.notification_email_claims_settle()
    stalled = services.notification_email_stalled_ids()
    for notification_id in stalled:
        notification_email_send.delay(notification_id)
    return len(stalled)


@shared_task(acks_late=True)
def pending_tasks_send() -> int:
    """Hand the broker the recorded tasks it has not taken yet (the outbox's sweep)."""
    return services.pending_tasks_send_due()


# The same tasks under their names from before this app (`partnership.tasks.*`), for
# messages already queued and outbox rows already recorded under them.


@shared_task(
    bind=True, acks_late=True, max_retries=100, name="partnership.tasks.notification_email_send"
)
def notification_email_send_by_old_name(
    self, notification_id: int, sent: dict | None = None
) -> bool:
    return _email_send(self, notification_id, sent)


@shared_task(acks_late=True, name="partnership.tasks.notification_email_redeliver_stalled")
def notification_email_redeliver_stalled_by_old_name() -> int:
    return notification_email_redeliver_stalled()


@shared_task(acks_late=True, name="partnership.tasks.pending_tasks_send")
def pending_tasks_send_by_old_name() -> int:
    return pending_tasks_send()
