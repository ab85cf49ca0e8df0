"""Referral timeliness reminders, run by beat."""

from celery import shared_task

from referrals import reminders


@shared_task(acks_late=True)
def referral_reminders_send() -> int:
    return reminders.reminders_send()
