"""Reads of intelligence, each scoped to the user asking: out of scope is not there."""

from __future__ import annotations

from django.db.models import QuerySet

from intelligence import rules
from intelligence.models import PartnershipReport, UnmetNeed
from partnership.models import Pdu, Region, User
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


def quality_pdus_for(*, user: User) -> QuerySet[Pdu]:
    """The PDUs whose referral quality a user sees: a practitioner's own."""
    if rules.sees_pdu_quality(user):
        return Pdu.objects.filter(pk=user.pdu_id)
    return Pdu.objects.none()


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
