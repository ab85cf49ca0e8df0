"""Notification delivery and housekeeping tasks: ids in, one service call, retries on
transient failures."""

import random

from celery import shared_task
from django.db import DatabaseError, InterfaceError
from django.utils.dateparse import parse_datetime

from partnership import auth, services

# A delivery that finds its notification's row locked tries again this soon (seconds, before
# jitter): a row is held for milliseconds, and a busy email should not wait for the sweep.
BUSY_RETRY_SECONDS = 1


@shared_task(bind=True, acks_late=True, max_retries=100)
def notification_email_send(self, notification_id: int, sent: dict | None = None) -> bool:
    """Deliver one notification's email; with `sent` (from a retry), only record that the
    provider took it. The number of attempts at the provider is bounded by the service."""
    try:
        if sent is not None:
            return services.notification_email_mark_sent(
                notification_id=notification_id,
                claimed_at=parse_datetime(sent["claimed_at"]),
                sent_at=parse_datetime(sent["sent_at"]),
            )
        return services.notification_email_deliver(notification_id=notification_id)
    except services.NotificationBusy as exc:
        raise self.retry(exc=exc, countdown=BUSY_RETRY_SECONDS + random.random()) from exc  # noqa: S311 - jitter
    except services.EmailSentNotRecorded as exc:
        record = {"claimed_at": exc.claimed_at.isoformat(), "sent_at": exc.sent_at.isoformat()}
        raise self.retry(
            exc=exc, args=[notification_id], kwargs={"sent": record}, countdown=2
        ) from exc
    except services.TransientEmailError as exc:
        raise self.retry(exc=exc, countdown=min(30 * 2 ** (exc.attempts - 1), 3600)) from exc
    except (DatabaseError, InterfaceError) as exc:
        # The database is restarting; what was claimed or sent is kept (see the service).
        raise self.retry(exc=exc, countdown=min(5 * 2**self.request.retries, 300)) from exc


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
    return services.pending_tasks_send_due()


@shared_task(acks_late=True)
def sessions_clear_expired() -> int:
    return auth.sessions_clear_expired()
