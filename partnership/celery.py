"""The Celery app: Redis broker, JSON only, the `alerts` queue routed, beat schedule in code."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings.base")

app = Celery("partnership")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = {
    # Capacity monitoring and its alerts run apart so a backlog of email never delays them.
    "commissioning.tasks.*": {"queue": "alerts"},
    "partnership.tasks.*": {"queue": "default"},
}
app.conf.beat_schedule = {
    "referral-timeliness-reminders": {
        "task": "referrals.tasks.referral_reminders_send",
        "schedule": crontab(minute=15),
    },
    "referral-retention": {
        "task": "referrals.tasks.referral_retention_apply",
        # Daily, in the quiet of the night (London time).
        "schedule": crontab(hour=2, minute=30),
        "options": {"expires": 12 * 60 * 60},
    },
    "clear-expired-sessions": {
        "task": "partnership.tasks.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=10),
        "options": {"expires": 12 * 60 * 60},
    },
    "redeliver-stalled-notification-email": {
        "task": "partnership.tasks.notification_email_redeliver_stalled",
        "schedule": crontab(minute="*/10"),
    },
    "send-recorded-tasks": {
        "task": "partnership.tasks.pending_tasks_send",
        "schedule": crontab(minute="*/5"),
    },
    "capacity-monitoring": {
        "task": "commissioning.tasks.capacity_monitor_run",
        "schedule": crontab(minute="*/15"),
        # A run stuck behind a backlog is stale once the next one is due.
        "options": {"expires": 15 * 60},
    },
}
app.autodiscover_tasks()
