"""Reads of intelligence, each scoped to the user asking: out of scope is not there."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from intelligence import rules
from intelligence.models import PartnershipReport, Survey, SurveyAudience, UnmetNeed
from partnership.models import PROVIDER_ROLES, Pdu, Region, Role, User
from providers.models import Service
from referrals.models import Referral


def unmet_need_list_visible_to(*, user: User) -> QuerySet[UnmetNeed]:
    """Commissioners: unmet need recorded in their body's regions. Practitioners: their own
    PDU's. Nobody else sees any."""
    needs = UnmetNeed.objects.select_related("category", "pdu__region")
    if rules.sees_unmet_need(user):
        return needs.filter(pdu__region__in=user.commissioning_body.regions.all())
    if rules.records_unmet_need(user):
        return needs.filter(pdu_id=user.pdu_id)
    return needs.none()


def intelligence_regions_for(*, user: User) -> QuerySet[Region]:
    """The regions whose unmet need and equality figures a user sees: a commissioner's
    body's; none for anyone else."""
    if rules.sees_unmet_need(user) or rules.sees_equality(user):
        return user.commissioning_body.regions.order_by("name")
    return Region.objects.none()


def unmet_need_pdus_for(*, user: User) -> QuerySet[Pdu]:
    """The PDUs a user may record unmet need for: a practitioner's own."""
    if rules.records_unmet_need(user):
        return Pdu.objects.filter(pk=user.pdu_id)
    return Pdu.objects.none()


def equality_referrals_for(
    *, user: User, region: Region, service: Service | None = None
) -> QuerySet[Referral]:
    """The referrals whose equality figures a commissioner sees: from the region's PDUs
    (one of their body's regions), to one service if asked; none for anyone else."""
    if not (
        rules.sees_equality(user)
        and intelligence_regions_for(user=user).filter(pk=region.pk).exists()
    ):
        return Referral.objects.none()
    referrals = Referral.objects.filter(pdu__region=region)
    return referrals.filter(service=service) if service is not None else referrals


def equality_services_for(*, user: User, region: Region) -> QuerySet[Service]:
    """The services the region's referrals went to, to break its equality figures down by."""
    return Service.objects.filter(
        pk__in=equality_referrals_for(user=user, region=region).values("service_id")
    ).order_by("name")


def quality_pdu_for(*, user: User) -> Pdu | None:
    """The PDU whose referral quality a user sees: a practitioner's own (the user's PDU,
    read once however often a page names it)."""
    if rules.sees_pdu_quality(user):
        return user.pdu
    return None


# Surveys --------------------------------------------------------------------------------------


def survey_list_commissioned_by(*, user: User) -> QuerySet[Survey]:
    """A commissioner's body's surveys (every status); none for anyone else."""
    if not rules.schedules_surveys(user):
        return Survey.objects.none()
    return Survey.objects.filter(commissioning_body_id=user.commissioning_body_id)


def survey_regions_for(*, user: User) -> QuerySet[Region]:
    """The regions a user may schedule a survey for: a commissioner's body's."""
    if not rules.schedules_surveys(user):
        return Region.objects.none()
    return user.commissioning_body.regions.order_by("name")


def respondent_regions_for(*, user: User) -> QuerySet[Region]:
    """The regions whose surveys a user is asked: a practitioner's PDU's region; for provider
    staff, those where their organisation has its head office or a service."""
    if rules.records_unmet_need(user):
        return Region.objects.filter(pdus__pk=user.pdu_id)
    if rules.is_provider_staff(user):
        return Region.objects.filter(
            Q(pk=user.organisation.head_office_region_id)
            | Q(pdus__services__organisation_id=user.organisation_id)
        ).distinct()
    return Region.objects.none()


def _audience_of(user: User) -> str | None:
    if rules.records_unmet_need(user):
        return SurveyAudience.PRACTITIONERS
    if rules.is_provider_staff(user):
        return SurveyAudience.PROVIDER_STAFF
    return None


def survey_list_addressed_to(*, user: User) -> QuerySet[Survey]:
    """The surveys a user is asked to answer, once they have opened (so ones they answered
    stay listed, closed or not): to their audience, in one of their regions."""
    audience = _audience_of(user)
    if audience is None:
        return Survey.objects.none()
    return (
        Survey.objects.filter(
            audience=audience,
            regions__in=respondent_regions_for(user=user),
            opens_on__lte=timezone.localdate(),
        )
        .distinct()
        .order_by("closes_on", "id")
    )


def survey_open_list_addressed_to(*, user: User) -> QuerySet[Survey]:
    """The surveys a user may answer today, answered or not."""
    today = timezone.localdate()
    return survey_list_addressed_to(user=user).filter(
        closes_on__gte=today, closed_early_at__isnull=True
    )


def survey_respondent_region(*, survey: Survey, user: User) -> Region | None:
    """The survey's region the respondent answers from: their PDU's, or the first of their
    organisation's among the survey's."""
    return (
        survey.regions.filter(pk__in=respondent_regions_for(user=user).values("pk"))
        .order_by("name")
        .first()
    )


def survey_audience(*, survey: Survey) -> QuerySet[User]:
    """The active people a survey is addressed to: practitioners placed in its regions, or
    the staff of organisations with their head office or a service there."""
    regions = survey.regions.all()
    users = User.objects.filter(is_active=True)
    if survey.audience == SurveyAudience.PRACTITIONERS:
        return users.filter(role=Role.PRACTITIONER, pdu__region__in=regions).distinct()
    return users.filter(
        Q(organisation__head_office_region__in=regions)
        | Q(organisation__services__pdus__region__in=regions),
        role__in=PROVIDER_ROLES,
    ).distinct()


def survey_services_for(*, user: User) -> QuerySet[Service]:
    """The services a practitioner may rate their confidence in: the active ones of their
    PDU's directory."""
    if not rules.records_unmet_need(user):
        return Service.objects.none()
    return (
        Service.objects.filter(status=Service.Status.ACTIVE, pdus__pk=user.pdu_id)
        .select_related("organisation")
        .distinct()
        .order_by("name")
    )


def partnership_report_regions_for(*, user: User) -> QuerySet[Region]:
    """The regions whose partnership reports a user reads: a commissioner's body's; for
    provider staff, those their organisation has an open service in; none for anyone else."""
    if rules.sees_commissioners_reports(user):
        return user.commissioning_body.regions.order_by("name")
    if rules.sees_providers_reports(user):
        services = Service.objects.filter(organisation_id=user.organisation_id).exclude(
            status=Service.Status.CLOSED
        )
        return Region.objects.filter(pdus__services__in=services).distinct().order_by("name")
    return Region.objects.none()


def partnership_report_list_visible_to(*, user: User) -> QuerySet[PartnershipReport]:
    """The kept reports a user may read: both versions of their regions' for a commissioner,
    the providers' version only for provider staff."""
    reports = PartnershipReport.objects.select_related("region").filter(
        region__in=partnership_report_regions_for(user=user)
    )
    if rules.sees_commissioners_reports(user):
        return reports
    return reports.filter(audience=PartnershipReport.Audience.PROVIDERS)


def partnership_report_generate_regions_for(*, user: User) -> QuerySet[Region]:
    """The regions a user may generate a report for: a commissioner's body's."""
    if rules.generates_partnership_reports(user):
        return user.commissioning_body.regions.order_by("name")
    return Region.objects.none()
