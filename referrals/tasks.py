"""Referral timeliness reminders and the retention policy, run by beat."""

import time

from celery import shared_task
from django.db import InterfaceError, OperationalError

from referrals import reminders, retention

# A run stops starting batches after this long, well inside the task time limits, and
# queues the next run to carry on.
RETENTION_TASK_SECONDS = 180


@shared_task(acks_late=True)
def referral_reminders_send() -> int:
    return reminders.reminders_send()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=3,
)
def referral_retention_apply() -> dict[str, int]:
    """Anonymise closed referrals past the retention period, flag untouched drafts and
    delete those flagged long enough ago; a long backlog carries on in a next run queued
    by this one."""
    summary = retention.retention_apply(
        trigger="schedule", deadline=time.monotonic() + RETENTION_TASK_SECONDS
    )
    if not summary.finished:
        referral_retention_apply.delay()
    return {
        "referrals_anonymised": summary.referrals_anonymised,
        "drafts_flagged": summary.drafts_flagged,
        "drafts_deleted": summary.drafts_deleted,
        "documents_deleted": summary.documents_deleted,
        "history_events_deleted": summary.history_events_deleted,
    }
