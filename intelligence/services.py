"""Writes of intelligence: recording an unmet need, a referral's equality monitoring, and a
provider's rating of a referral's information; scheduling, answering and inviting to
surveys. Each asks `rules` first."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from intelligence import rules, selectors, surveys
from intelligence.models import (
    CHARACTERISTICS,
    EqualityMonitoring,
    QualityRating,
    ServiceConfidence,
    Survey,
    SurveyAudience,
    SurveyResponse,
    UnmetNeed,
)
from notifications.services import notification_send
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Pdu, Region, ServiceCategory, User
from referrals.models import Referral

RATED_DECISIONS = frozenset(QualityRating.Decision.values)


@transaction.atomic
def unmet_need_record(
    *,
    by: User,
    category: ServiceCategory,
    pdu: Pdu,
    reason: str,
    source: str = UnmetNeed.Source.OTHER,
    age_band: str = "",
    sex: str = "",
    flags: list[str] | None = None,
) -> UnmetNeed:
    """Record a need nothing could meet, in the practitioner's own PDU, with the person's
    broad characteristics only."""
    rules.require(by, "record_unmet_need", None)
    if not selectors.unmet_need_pdus_for(user=by).filter(pk=pdu.pk).exists():
        raise ValidationError({"pdu": ["Unmet need is recorded for your own PDU"]})
    if reason not in UnmetNeed.Reason.values:
        raise ValidationError({"reason": ["Select why nothing suitable was found"]})
    flags = sorted(set(flags or []))
    unknown = set(flags) - set(UnmetNeed.Flag.values)
    if unknown:
        raise ValidationError({"flags": ["Select only the characteristics listed"]})
    need = UnmetNeed(
        category=category,
        pdu=pdu,
        reason=reason,
        source=source if source in UnmetNeed.Source.values else UnmetNeed.Source.OTHER,
        age_band=age_band,
        sex=sex,
        flags=flags,
        recorded_by=by,
    )
    need.full_clean(exclude=["recorded_by", "category", "pdu"])
    need.save()
    return need


@transaction.atomic
def equality_record(*, referral: Referral, by: User, answers: dict[str, str]) -> EqualityMonitoring:
    """Record or change the person's equality monitoring answers on the referral; each is
    optional, and a question left unanswered is kept empty."""
    rules.require(by, "record_equality", referral)
    unknown = set(answers) - set(CHARACTERISTICS)
    if unknown:
        raise ValidationError(f"Not monitored: {', '.join(sorted(unknown))}")
    monitoring = EqualityMonitoring.objects.select_for_update().filter(referral=referral).first()
    monitoring = monitoring or EqualityMonitoring(referral=referral)
    for name in CHARACTERISTICS:
        setattr(monitoring, name, answers.get(name, "") or "")
    monitoring.recorded_by = by
    monitoring.updated_at = timezone.now()
    monitoring.full_clean(exclude=["referral", "recorded_by"])
    monitoring.save()
    return monitoring


@transaction.atomic
def quality_rate(
    *, referral: Referral, by: User, decision: str, rating: str, missing: list[str] | None = None
) -> QualityRating:
    """The provider's rating of the information the referral came with, as they accept,
    return or decline it; a later decision's rating replaces an earlier one."""
    rules.require(by, "rate_quality", referral)
    if decision not in RATED_DECISIONS:
        raise ValidationError(f"A referral is rated on {', '.join(sorted(RATED_DECISIONS))}")
    missing = sorted(set(missing or []))
    if rating not in QualityRating.Rating.values:
        raise ValidationError({"rating": ["Select how complete the referral's information was"]})
    if set(missing) - set(QualityRating.Missing.values):
        raise ValidationError({"missing": ["Select only what is listed"]})
    if rating == QualityRating.Rating.COMPLETE and missing:
        raise ValidationError(
            {"missing": ["Say what was missing only when the information was not complete"]}
        )
    if rating == QualityRating.Rating.MISSING and not missing:
        raise ValidationError({"missing": ["Select what was missing"]})
    rated, _ = QualityRating.objects.update_or_create(
        referral=referral,
        defaults={
            "rating": rating,
            "missing": missing,
            "decision": decision,
            "rated_by": by,
            "rated_at": timezone.now(),
        },
    )
    return rated


# Surveys --------------------------------------------------------------------------------------


@transaction.atomic
def survey_schedule(
    *,
    by: User,
    title: str,
    audience: str,
    regions: list[Region],
    opens_on: date,
    closes_on: date,
) -> Survey:
    """Schedule a survey for some of the commissioner's body's regions; it opens, and its
    invitations go, on `opens_on`."""
    if not rules.schedules_surveys(by):
        raise NotPermitted("Commissioners schedule surveys")
    allowed = set(selectors.survey_regions_for(user=by).values_list("pk", flat=True))
    if not regions or any(region.pk not in allowed for region in regions):
        raise ValidationError({"regions": ["Select one or more of your regions"]})
    if audience not in SurveyAudience.values:
        raise ValidationError({"audience": ["Select who the survey is for"]})
    if closes_on < opens_on:
        raise ValidationError(
            {"closes_on": ["The closing date must be on or after the opening date"]}
        )
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": ["The closing date must be today or in the future"]})
    survey = Survey(
        title=title,
        audience=audience,
        commissioning_body_id=by.commissioning_body_id,
        opens_on=opens_on,
        closes_on=closes_on,
        questions_version=surveys.CURRENT_VERSION,
        created_by=by,
    )
    survey.full_clean(exclude=["commissioning_body", "created_by"])
    survey.save()
    survey.regions.set(regions)
    if opens_on <= timezone.localdate():
        from intelligence.tasks import survey_invitations_send

        transaction.on_commit(lambda: survey_invitations_send.delay(survey.pk))
    return survey


@transaction.atomic
def survey_close(*, by: User, survey: Survey) -> Survey:
    """Close a survey early: it takes no more answers from now."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not selectors.survey_list_commissioned_by(user=by).filter(pk=survey.pk).exists():
        raise NotPermitted("Only the commissioning body closes its survey")
    if survey.status == Survey.Status.CLOSED:
        raise StateConflict("The survey is already closed")
    survey.closed_early_at = timezone.now()
    survey.save(update_fields=["closed_early_at"])
    return survey


def _clean_answers(survey: Survey, answers: dict) -> dict:
    """The answers as stored: only the survey's questions, each of its kind."""
    categories = set(ServiceCategory.objects.values_list("slug", flat=True))
    cleaned = {}
    errors = {}
    for question in surveys.questions_for(
        audience=survey.audience, version=survey.questions_version
    ):
        value = answers.get(question.key)
        if question.kind == "services":
            continue
        if question.kind == "rating":
            if value in ("", None):
                if question.required:
                    errors[question.key] = ["Select an answer"]
                continue
            if int(value) not in surveys.RATING_VALUES:
                errors[question.key] = ["Select an answer from the scale"]
                continue
            cleaned[question.key] = int(value)
        elif question.kind == "categories":
            chosen = sorted(set(value or []))
            if set(chosen) - categories:
                errors[question.key] = ["Select only the kinds of service listed"]
                continue
            cleaned[question.key] = chosen
        elif question.kind == "category":
            if value and value not in categories:
                errors[question.key] = ["Select a kind of service listed"]
                continue
            cleaned[question.key] = value or ""
        elif question.kind == "text":
            text = (value or "").strip()
            if len(text) > surveys.TEXT_MAX_LENGTH:
                errors[question.key] = [
                    f"Your answer must be {surveys.TEXT_MAX_LENGTH} characters or fewer"
                ]
                continue
            cleaned[question.key] = text
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def survey_answer(
    *, by: User, survey: Survey, answers: dict, confidence: dict[int, int] | None = None
) -> SurveyResponse:
    """Take a person's answers to an open survey addressed to them, once: a second answer
    is refused and changes nothing. `confidence` is a rating 1 to 5 by service id, for
    services of the practitioner's PDU."""
    if not selectors.survey_list_addressed_to(user=by).filter(pk=survey.pk).exists():
        raise NotPermitted("The survey is not addressed to you")
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Survey.Status.OPEN:
        raise StateConflict("The survey is closed: it takes no more answers")
    if SurveyResponse.objects.filter(survey=survey, respondent=by).exists():
        raise StateConflict(ALREADY_ANSWERED)
    cleaned = _clean_answers(survey, answers)
    confidence = {int(k): int(v) for k, v in (confidence or {}).items() if v not in ("", None)}
    if confidence:
        rateable = set(
            selectors.survey_services_for(user=by)
            .filter(pk__in=confidence)
            .values_list("pk", flat=True)
        )
        if set(confidence) - rateable or any(
            v not in surveys.RATING_VALUES for v in confidence.values()
        ):
            raise ValidationError({"confidence": ["Rate only the services listed, 1 to 5"]})
    region = selectors.survey_respondent_region(survey=survey, user=by)
    if region is None:
        raise NotPermitted("The survey is not addressed to you")
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                respondent=by,
                region=region,
                pdu_id=by.pdu_id if survey.audience == SurveyAudience.PRACTITIONERS else None,
                organisation_id=(
                    by.organisation_id if survey.audience == SurveyAudience.PROVIDER_STAFF else None
                ),
                answers=cleaned,
            )
    except IntegrityError:
        raise StateConflict(ALREADY_ANSWERED) from None
    ServiceConfidence.objects.bulk_create(
        ServiceConfidence(response=response, service_id=service_id, rating=rating)
        for service_id, rating in sorted(confidence.items())
    )
    return response


ALREADY_ANSWERED = "You have already answered this survey. Each person answers once."
REMINDER_DAYS_BEFORE_CLOSING = 3


def survey_invitations_send(*, survey: Survey) -> int:
    """Invite everyone the open survey is addressed to, once (a second run tells nobody
    again); the number told."""
    if survey.status != Survey.Status.OPEN:
        return 0
    sent = notification_send(
        recipients=selectors.survey_audience(survey=survey),
        kind="survey_invitation",
        title=f"Survey: {survey.title}",
        body=f"Please answer by {survey.closes_on:%-d %B %Y}. It takes about five minutes.",
        link=reverse("intelligence:survey-answer", args=[survey.public_id]),
        dedupe_key=f"survey-invitation-{survey.public_id}",
    )
    Survey.objects.filter(pk=survey.pk, invitations_sent_at__isnull=True).update(
        invitations_sent_at=timezone.now()
    )
    return len(sent)


def survey_reminder_send(*, survey: Survey) -> int:
    """Remind those who have not answered, once, in the survey's last days, and never on
    the day they were invited (a short survey is in its last days from the start); the
    number told."""
    today = timezone.localdate()
    if (
        survey.status != Survey.Status.OPEN
        or survey.invitations_sent_at is None
        or timezone.localdate(survey.invitations_sent_at) >= today
        or (survey.closes_on - today).days > REMINDER_DAYS_BEFORE_CLOSING
    ):
        return 0
    answered = SurveyResponse.objects.filter(survey=survey).values("respondent_id")
    sent = notification_send(
        recipients=selectors.survey_audience(survey=survey).exclude(pk__in=answered),
        kind="survey_reminder",
        title=f"Reminder: survey {survey.title}",
        body=f"The survey closes on {survey.closes_on:%-d %B %Y}.",
        link=reverse("intelligence:survey-answer", args=[survey.public_id]),
        dedupe_key=f"survey-reminder-{survey.public_id}",
    )
    Survey.objects.filter(pk=survey.pk, reminder_sent_at__isnull=True).update(
        reminder_sent_at=timezone.now()
    )
    return len(sent)
