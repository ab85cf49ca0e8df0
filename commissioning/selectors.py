"""Reads of commissioning, each scoped to the user asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from commissioning.models import Application, AssessorAssignment, FundingRound
from partnership.models import Role, User


def round_list_visible_to(*, user: User) -> QuerySet[FundingRound]:
    """Commissioners: rounds in their regions, or led or co-funded by their body. Providers:
    rounds past draft (consultation onwards), so they can comment and apply."""
    rounds = FundingRound.objects.select_related("lead_body")
    if user.role in (Role.COMMISSIONER, Role.ASSESSOR) and user.commissioning_body_id:
        body = user.commissioning_body_id
        return rounds.filter(
            Q(lead_body_id=body)
            | Q(co_funders=body)
            | Q(regions__in=user.commissioning_body.regions.all())
        ).distinct()
    if user.role in (Role.PROVIDER_ADMIN, Role.CASEWORKER):
        return rounds.exclude(status=FundingRound.Status.DRAFT)
    return rounds.none()


def round_list_managed_by(*, user: User) -> QuerySet[FundingRound]:
    """Rounds a commissioner may change: those their body leads."""
    if user.role != Role.COMMISSIONER or not user.commissioning_body_id:
        return FundingRound.objects.none()
    return FundingRound.objects.filter(lead_body_id=user.commissioning_body_id)


def application_list_visible_to(*, user: User) -> QuerySet[Application]:
    """Providers: their own organisation's. Commissioners: submitted ones in rounds they see.
    Assessors: only those assigned to them, once they have declared no conflict."""
    applications = Application.objects.select_related("lot__funding_round", "organisation")
    if user.role in (Role.PROVIDER_ADMIN, Role.CASEWORKER) and user.organisation_id:
        return applications.filter(organisation_id=user.organisation_id)
    if user.role == Role.COMMISSIONER:
        return applications.filter(lot__funding_round__in=round_list_visible_to(user=user)).exclude(
            status__in=[Application.Status.DRAFT]
        )
    if user.role == Role.ASSESSOR:
        cleared = AssessorAssignment.objects.filter(
            assessor=user, conflict_declared_at__isnull=False, has_conflict=False
        ).values("application_id")
        return applications.filter(pk__in=cleared)
    return applications.none()


def assignment_list_for(*, user: User) -> QuerySet[AssessorAssignment]:
    """An assessor's assignments (declared or not), to declare conflicts and score."""
    return AssessorAssignment.objects.filter(assessor=user).select_related(
        "application__lot__funding_round"
    )
