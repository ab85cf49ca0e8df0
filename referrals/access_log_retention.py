"""Retention of the risk access log: rows are kept `ACCESS_LOG_RETENTION_YEARS`, then deleted.

The log is append-only in the database (migrations 0002 and 0012): the portal's own role
may not delete from it at all, and the row trigger lets the table's owner delete only rows
older than the retention period the transaction names. So the prune runs as the owner role
(`manage.py prune_access_log`, on DATABASE_OWNER_URL), never in the portal's processes;
the cut-off is worked out by the database, with the same clock and calendar the trigger
checks against.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from referrals.models import AccessLog

logger = logging.getLogger(__name__)


@dataclass
class AccessLogPruneSummary:
    """What a run deleted (or, for a dry run, would delete)."""

    retention_years: int
    older_than: datetime
    rows: int
    dry_run: bool


def access_log_retention_years() -> int:
    years = settings.ACCESS_LOG_RETENTION_YEARS
    if years < 1:
        # A mistyped setting must never empty the audit trail.
        raise ImproperlyConfigured("ACCESS_LOG_RETENTION_YEARS must be 1 or more")
    return years


@transaction.atomic
def access_log_prune(*, dry_run: bool = False) -> AccessLogPruneSummary:
    """Delete access-log rows older than the retention period, in one transaction; a dry run
    counts them. Must run as the table's owner: the database refuses anyone else."""
    years = access_log_retention_years()
    with connection.cursor() as cursor:
        # The trigger reads the period from this transaction's setting, and only trusts it
        # from the table's owner.
        cursor.execute(
            "SELECT set_config('partnership.access_log_retention_years', %s, true), "
            "now() - make_interval(years => %s)",
            [str(years), years],
        )
        older_than = cursor.fetchone()[1]
    due = AccessLog.objects.filter(at__lt=older_than)
    if dry_run:
        rows = due.count()
    else:
        rows, _ = due.delete()
        logger.info("Access log retention: %d rows older than %d years deleted", rows, years)
    return AccessLogPruneSummary(
        retention_years=years, older_than=older_than, rows=rows, dry_run=dry_run
    )
