"""Reads of commissioning, each scoped to the user asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from commissioning.models import (
    Agreement,
    Application,
    AssessorAssignment,
    FundingRound,
    Lot,
    Score,
)
from partnership.models import Role, User


def round_list_visible_to(*, user: User) -> QuerySet[FundingRound]:
    """Commissioners: rounds in their regions, or led or co-funded by their body. Providers'
    admins: rounds past draft (consultation onwards), so they can comment and apply."""
    rounds = FundingRound.objects.select_related("lead_body")
    if user.role in (Role.COMMISSIONER, Role.ASSESSOR) and user.commissioning_body_id:
        body = user.commissioning_body_id
        return rounds.filter(
            Q(lead_body_id=body)
            | Q(co_funders=body)
            | Q(regions__in=user.commissioning_body.regions.all())
        ).distinct()
    if user.role == Role.PROVIDER_ADMIN:
        return rounds.exclude(status=FundingRound.Status.DRAFT)
    return rounds.none()


def round_list_managed_by(*, user: User) -> QuerySet[FundingRound]:
    """Rounds a commissioner may change: those their body leads."""
    if user.role != Role.COMMISSIONER or not user.commissioning_body_id:
        return FundingRound.objects.none()
    return FundingRound.objects.filter(lead_body_id=user.commissioning_body_id)


def lot_list_visible_to(*, user: User) -> QuerySet[Lot]:
    """Lots of the rounds the user may see."""
    return Lot.objects.filter(funding_round__in=round_list_visible_to(user=user))


def application_list_visible_to(*, user: User) -> QuerySet[Application]:
    """Providers: their own organisation's. Commissioners: submitted ones in rounds they see.
    Assessors: only those assigned to them, once they have declared no conflict."""
    applications = Application.objects.select_related("lot__funding_round", "organisation")
    # Applications and agreements are the organisation's business with commissioners:
    # for its admins, not its caseworkers.
    if user.role == Role.PROVIDER_ADMIN and user.organisation_id:
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


def moderation_table(*, funding_round: FundingRound) -> list[dict]:
    """Per lot, each submitted or decided application with every assessor's weighted total
    (a percentage of the best possible score), their mean, the spread between assessors
    and the application's rank in its lot. Three queries, whatever the number of bids."""
    criteria = {c.pk: c.weight for c in funding_round.criteria.all()}
    best = 5 * sum(criteria.values()) or 1
    applications = list(
        Application.objects.filter(lot__funding_round=funding_round)
        .exclude(status__in=[Application.Status.DRAFT, Application.Status.WITHDRAWN])
        .select_related("lot", "organisation")
        .order_by("lot_id", "id")
    )
    totals: dict[int, dict[int, int]] = {}
    for score in Score.objects.filter(
        assignment__application__in=applications,
        assignment__completed_at__isnull=False,
        assignment__has_conflict=False,
    ).values("assignment__application_id", "assignment__assessor_id", "criterion_id", "score"):
        by_assessor = totals.setdefault(score["assignment__application_id"], {})
        weighted = score["score"] * criteria.get(score["criterion_id"], 0)
        by_assessor[score["assignment__assessor_id"]] = (
            by_assessor.get(score["assignment__assessor_id"], 0) + weighted
        )
    lots: dict[int, dict] = {}
    for application in applications:
        marks = [round(100 * total / best, 1) for total in totals.get(application.pk, {}).values()]
        row = {
            "application": application,
            "assessor_totals": marks,
            "mean": round(sum(marks) / len(marks), 1) if marks else None,
            "spread": round(max(marks) - min(marks), 1) if len(marks) > 1 else 0 if marks else None,
        }
        lots.setdefault(application.lot_id, {"lot": application.lot, "rows": []})["rows"].append(
            row
        )
    for lot in lots.values():
        ranked = sorted((r for r in lot["rows"] if r["mean"] is not None), key=lambda r: -r["mean"])
        for row in ranked:
            row["rank"] = 1 + sum(1 for other in ranked if other["mean"] > row["mean"])
        lot["rows"].sort(key=lambda r: (r.get("rank") or 10**6, r["application"].pk))
    return list(lots.values())


def agreement_list_visible_to(*, user: User) -> QuerySet[Agreement]:
    """Providers: their organisation's agreements. Commissioners: those of rounds they see."""
    agreements = Agreement.objects.select_related(
        "organisation", "application", "lot__funding_round", "lot__category"
    )
    if user.role == Role.PROVIDER_ADMIN and user.organisation_id:
        return agreements.filter(organisation_id=user.organisation_id)
    if user.role == Role.COMMISSIONER:
        return agreements.filter(lot__funding_round__in=round_list_visible_to(user=user))
    return agreements.none()
