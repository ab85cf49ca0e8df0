"""The Celery app: Redis broker, JSON only, the `alerts` queue routed, beat schedule in code;
and the workers' heartbeats, which `/readyz` reads instead of pinging workers."""

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Celery, bootsteps
from celery.schedules import crontab

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partnership.settings.base")

app = Celery("partnership")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_routes = {
    # Capacity monitoring and its alerts run apart so a backlog of email never delays them.
    "capacity.tasks.*": {"queue": "alerts"},
    # Capacity's tasks under the names they had in commissioning (capacity/tasks.py).
    "commissioning.tasks.capacity_*": {"queue": "alerts"},
    "commissioning.tasks.agreement_milestones_for": {"queue": "alerts"},
    "notifications.tasks.*": {"queue": "default"},
    "partnership.tasks.*": {"queue": "default"},
    "intelligence.tasks.*": {"queue": "default"},
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
        "task": "notifications.tasks.notification_email_redeliver_stalled",
        "schedule": crontab(minute="*/10"),
    },
    "send-recorded-tasks": {
        "task": "notifications.tasks.pending_tasks_send",
        "schedule": crontab(minute="*/5"),
    },
    "webhook-deliveries-sweep": {
        "task": "integrations.tasks.webhook_deliveries_sweep",
        "schedule": crontab(minute="*"),
    },
    "survey-invitations-and-reminders": {
        "task": "intelligence.tasks.survey_notifications_sweep",
        # Each morning, before the working day (London time).
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 12 * 60 * 60},
    },
    "capacity-monitoring": {
        "task": "capacity.tasks.capacity_monitor_run",
        "schedule": crontab(minute="*/15"),
        # A run stuck behind a backlog is stale once the next one is due.
        "options": {"expires": 15 * 60},
    },
    "partnership-reports-monthly": {
        "task": "intelligence.tasks.partnership_reports_monthly",
        # Last month's report for each region, early on the 1st (London time).
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
        "options": {"expires": 24 * 60 * 60},
    },
}
app.autodiscover_tasks()


# Workers' heartbeats ------------------------------------------------------------------------

# A sorted set in the broker's Redis: each worker's name, scored with the Redis server's time
# of its last heartbeat (one clock for every host).
HEARTBEATS_KEY = "partnership:worker-heartbeats"


def heartbeat_interval() -> int:
    from django.conf import settings

    return settings.WORKER_HEARTBEAT_SECONDS


def heartbeat_lifetime() -> int:
    """Seconds after its last heartbeat that a worker counts as gone: a missed beat or two
    is a slow Redis, not a dead worker."""
    return 3 * heartbeat_interval()


@contextmanager
def heartbeat_store(celery_app: Celery, *, timeout: float) -> Iterator[tuple]:
    """A Redis client on `celery_app`'s broker and the key of the heartbeats there, with the
    broker's key prefix (so suites sharing one Redis stay apart)."""
    import redis

    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)
        # A plain client on the broker's pool: kombu's own prefixes only some commands.
        client = redis.Redis(connection_pool=conn.default_channel.pool)
        yield client, conn.transport_options.get("global_keyprefix", "") + HEARTBEATS_KEY


def _redis_now(client) -> float:
    seconds, microseconds = client.time()
    return seconds + microseconds / 1_000_000


def worker_heartbeat_record(celery_app: Celery, *, hostname: str, timeout: float = 2.0) -> None:
    """Record that the worker `hostname` is alive now, and forget workers long gone."""
    lifetime = heartbeat_lifetime()
    with heartbeat_store(celery_app, timeout=timeout) as (client, key):
        now = _redis_now(client)
        pipe = client.pipeline()
        pipe.zadd(key, {hostname: now})
        pipe.zremrangebyscore(key, "-inf", now - lifetime)
        pipe.expire(key, lifetime)
        pipe.execute()


def worker_heartbeat_clear(celery_app: Celery, *, hostname: str, timeout: float = 2.0) -> None:
    """Forget the worker `hostname` at once (it is stopping)."""
    with heartbeat_store(celery_app, timeout=timeout) as (client, key):
        client.zrem(key, hostname)


def workers_alive(celery_app: Celery, *, timeout: float) -> list[str]:
    """The workers whose last heartbeat is recent enough, read in one round trip or two."""
    with heartbeat_store(celery_app, timeout=timeout) as (client, key):
        since = _redis_now(client) - heartbeat_lifetime()
        return [name.decode() for name in client.zrangebyscore(key, since, "+inf")]


class WorkerHeartbeat(bootsteps.StartStopStep):
    """While the worker consumes, a thread records its heartbeat every
    WORKER_HEARTBEAT_SECONDS; stopping clears it, so `/readyz` never waits on a worker."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.hostname = ""
        self.app: Celery | None = None

    def start(self, parent) -> None:
        self.hostname, self.app = parent.hostname, parent.app
        self.stopping.clear()
        self.thread = threading.Thread(target=self._beat, name="worker-heartbeat", daemon=True)
        self.thread.start()

    def stop(self, parent) -> None:
        if self.thread is None:
            return
        self.stopping.set()
        self.thread.join(timeout=5)
        self.thread = None
        try:
            worker_heartbeat_clear(parent.app, hostname=self.hostname)
        except Exception as exc:  # noqa: BLE001 - the heartbeat lapses by itself anyway
            logger.warning("Worker heartbeat not cleared (%s)", type(exc).__name__)

    shutdown = stop

    def _beat(self) -> None:
        while not self.stopping.is_set():
            try:
                worker_heartbeat_record(self.app, hostname=self.hostname)
            except Exception as exc:  # noqa: BLE001 - the broker is away; /readyz says so
                logger.warning("Worker heartbeat not recorded (%s)", type(exc).__name__)
            self.stopping.wait(heartbeat_interval())


app.steps["consumer"].add(WorkerHeartbeat)
