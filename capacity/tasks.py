"""Capacity monitoring tasks, on the `alerts` queue (routed in partnership.celery).

`capacity_monitor_run` is the periodic run: under a lock so two runs never overlap, it
computes every service's month in one pass and reconciles their alerts together, then
evaluates the agreements with a milestone in view. The per-subject tasks (a referral's
change recomputes its service) take ids, are idempotent (they reconcile alerts with the
figures now), acknowledge late and go back on the queue if their worker dies mid-run.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils.dateparse import parse_date, parse_datetime

from capacity import alerts

logger = logging.getLogger(__name__)

SUBJECT_TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # A dropped connection or a deadlock is worth another try; the task is idempotent.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def _instant(value: str | None) -> datetime | None:
    return parse_datetime(value) if value else None


def _day(value: str | None) -> date | None:
    return parse_date(value) if value else None


def _counts(changes: list[alerts.AlertChange]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.change] = counts.get(change.change, 0) + 1
    return counts


@shared_task(acks_late=True, reject_on_worker_lost=True)
def capacity_monitor_run(period: str | None = None, now: str | None = None) -> dict | None:
    """The monitoring run, set-based: every service's month in one pass and their alerts
    reconciled together (`alerts.monitor_run`), then the agreements with a milestone in
    view. None if a run is under way.

    `period` is a month (YYYY-MM, default this month); `now` an ISO instant to measure the
    month's pace at (default: now).
    """
    summary = alerts.monitor_run(period=period, now=_instant(now))
    if summary is None:
        logger.info("Capacity monitoring is already running; this run stops here")
        return None
    period_code = f"{summary.period:%Y-%m}"
    logger.info(
        "Capacity monitoring for %s: %d services computed, %d services and %d agreements "
        "checked; %s",
        period_code,
        summary.services_computed,
        summary.services_checked,
        summary.agreements_checked,
        summary,
    )
    return {
        "period": period_code,
        "services": summary.services_checked,
        "agreements": summary.agreements_checked,
    }


@shared_task(**SUBJECT_TASK_OPTIONS)
def capacity_alerts_for_service(
    service_id: int, period: str | None = None, now: str | None = None
) -> dict[str, int]:
    """Bring one service's capacity alerts for a month in line with its figures."""
    changes = alerts.service_alerts_update(service_id=service_id, period=period, now=_instant(now))
    return _counts(changes)


@shared_task(**SUBJECT_TASK_OPTIONS)
def agreement_milestones_for(agreement_id: int, today: str | None = None) -> dict[str, int]:
    """Bring one agreement's milestone alerts in line with its dates."""
    changes = alerts.agreement_alerts_update(agreement_id=agreement_id, today=_day(today))
    return _counts(changes)


# The names these tasks had when capacity monitoring was part of commissioning. Messages
# queued and outbox entries (PendingTask) recorded under them before the move still run;
# they are routed to the `alerts` queue with the rest (partnership.celery).


@shared_task(
    name="commissioning.tasks.capacity_monitor_run", acks_late=True, reject_on_worker_lost=True
)
def _capacity_monitor_run_as_before(period: str | None = None, now: str | None = None):
    return capacity_monitor_run(period, now)


@shared_task(name="commissioning.tasks.capacity_alerts_for_service", **SUBJECT_TASK_OPTIONS)
def _capacity_alerts_for_service_as_before(
    service_id: int, period: str | None = None, now: str | None = None
):
    return capacity_alerts_for_service(service_id, period, now)


@shared_task(name="commissioning.tasks.agreement_milestones_for", **SUBJECT_TASK_OPTIONS)
def _agreement_milestones_for_as_before(agreement_id: int, today: str | None = None):
    return agreement_milestones_for(agreement_id, today)
