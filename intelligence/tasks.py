"""Survey invitations and reminders: a daily sweep, thin and idempotent (each notification
carries its dedupe key, so a second run tells nobody twice)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from intelligence import services
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
