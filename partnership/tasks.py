"""Housekeeping of sign-in: ids in, one service call."""

from celery import shared_task

from partnership import auth


@shared_task(acks_late=True)
def sessions_clear_expired() -> int:
    return auth.sessions_clear_expired()
