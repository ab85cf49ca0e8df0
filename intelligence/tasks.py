"""Intelligence's scheduled work, thin and idempotent: survey invitations and reminders (a
daily sweep; each notification carries its dedupe key, so a second run tells nobody twice),
and the partnership report's monthly run (one task per region, each skipping a report
already kept)."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from intelligence import report_services, services
from intelligence.models import Survey


@shared_task
def survey_invitations_send(survey_id: int) -> int:
    """Invite the survey's audience, if it is open."""
    survey = Survey.objects.filter(pk=survey_id).first()
    return services.survey_invitations_send(survey=survey) if survey else 0


@shared_task
def survey_notifications_sweep() -> dict[str, int]:
    """Every open survey: invitations on its opening day (or the first run after), and one
    reminder in its last days to those who have not answered."""
    today = timezone.localdate()
    open_surveys = Survey.objects.filter(
        opens_on__lte=today, closes_on__gte=today, closed_early_at__isnull=True
    )
    invited = reminded = 0
    for survey in open_surveys.filter(invitations_sent_at__isnull=True):
        invited += services.survey_invitations_send(survey=survey)
    for survey in open_surveys.filter(
        invitations_sent_at__isnull=False, reminder_sent_at__isnull=True
    ):
        reminded += services.survey_reminder_send(survey=survey)
    return {"invited": invited, "reminded": reminded}


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
