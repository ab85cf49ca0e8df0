"""The partnership report's monthly run, by beat: one task per region, each idempotent."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from intelligence import report_services


@shared_task(acks_late=True)
def partnership_reports_monthly() -> int:
    """Queue last month's report for every region with commissioners."""
    regions = report_services.monthly_regions()
    for region_id in regions:
        partnership_report_monthly_for.delay(region_id)
    return len(regions)


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    max_retries=3,
)
def partnership_report_monthly_for(region_id: int) -> bool:
    """Last month's report for one region, unless it is already kept."""
    return report_services.partnership_report_monthly(region_id=region_id)
