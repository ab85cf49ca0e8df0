"""Housekeeping of sign-in, on beat's schedule: expired sessions cleared."""

from celery import shared_task

from partnership import auth


@shared_task(acks_late=True)
def sessions_clear_expired() -> int:
    return auth.sessions_clear_expired()
