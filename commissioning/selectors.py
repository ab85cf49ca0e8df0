"""Reads of commissioning, each scoped to the user asking."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from commissioning import rules
from commissioning.models import (
    Agreement,
    Application,
    AssessorAssignment,
    FundingRound,
    Lot,
    LotAssessor,
    RoundComment,
    Score,
)
from partnership.models import Role, User


def round_list_visible_to(*, user: User) -> QuerySet[FundingRound]:
    """Commissioning staff: rounds their body leads, co-funds or commissions in one of its
    regions (`rules.commissions_round`). Providers' admins: rounds past draft (consultation
    onwards), so they can comment and apply."""
    rounds = FundingRound.objects.select_related("lead_body")
    if rules.is_commissioning_staff(user) and rules.has_commissioning_body(user):
        body = user.commissioning_body_id
        return rounds.filter(
            Q(lead_body_id=body)
            | Q(co_funders=body)
            | Q(regions__in=user.commissioning_body.regions.all())
        ).distinct()
    if rules.is_provider_admin(user):
        return rounds.exclude(status=FundingRound.Status.DRAFT)
    return rounds.none()


def lot_list_visible_to(*, user: User) -> QuerySet[Lot]:
    """Lots of the rounds the user may see."""
    return Lot.objects.filter(funding_round__in=round_list_visible_to(user=user))


def round_comment_list_visible_to(
    *, user: User, funding_round: FundingRound
) -> QuerySet[RoundComment]:
    """A round's comments: all of them for its commissioners, a provider's own for its
    admins."""
    comments = funding_round.comments.select_related("organisation")
    if rules.commissions_round(user, funding_round) and rules.is_commissioner(user):
        return comments
    if rules.is_provider_admin(user) and rules.has_organisation(user):
        return comments.filter(organisation_id=user.organisation_id)
    return comments.none()


def application_list_visible_to(*, user: User) -> QuerySet[Application]:
    """Providers' admins: their own organisation's. Commissioners: submitted ones in rounds
    they see. Assessors: only those assigned to them, once they have declared no conflict."""
    applications = Application.objects.select_related("lot__funding_round", "organisation")
    # Applications and agreements are the organisation's business with commissioners:
    # for its admins, not its caseworkers.
    if rules.is_provider_admin(user) and rules.has_organisation(user):
        return applications.filter(organisation_id=user.organisation_id)
    if rules.is_commissioner(user):
        return applications.filter(lot__funding_round__in=round_list_visible_to(user=user)).exclude(
            status__in=[Application.Status.DRAFT]
        )
    if rules.is_assessor(user):
        cleared = AssessorAssignment.objects.filter(
            assessor=user, conflict_declared_at__isnull=False, has_conflict=False
        ).values("application_id")
        return applications.filter(pk__in=cleared)
    return applications.none()


def application_list_own(*, user: User) -> QuerySet[Application]:
    """The applications of a provider admin's organisation; none for anyone else
    (commissioners and assessors see applications, but none of them is their own)."""
    if not (rules.is_provider_admin(user) and rules.has_organisation(user)):
        return Application.objects.none()
    return application_list_visible_to(user=user)


def assessor_list_for(*, funding_round: FundingRound) -> QuerySet[User]:
    """The assessors who may be assigned to a round's applications: active assessors of its
    lead body or of a co-funder."""
    return User.objects.filter(role=Role.ASSESSOR, is_active=True).filter(
        Q(commissioning_body_id=funding_round.lead_body_id)
        | Q(commissioning_body__in=funding_round.co_funders.all())
    )


def assignment_list_for(*, user: User) -> QuerySet[AssessorAssignment]:
    """An assessor's assignments (declared or not), to declare conflicts and score."""
    return AssessorAssignment.objects.filter(assessor=user).select_related(
        "application__lot__funding_round"
    )


def lot_assessor_list(*, lot: Lot) -> QuerySet[LotAssessor]:
    """The assessors assigned to a lot, with their commissioning body."""
    return lot.lot_assessors.select_related("assessor__commissioning_body").order_by(
        "assessor__full_name", "assessor__email"
    )


def assessor_work(*, user: User) -> dict[str, list[AssessorAssignment]]:
    """What an assessor must do now: the open assignments where they have still to declare
    a conflict of interest, and those declared free of conflict still to score. Decided
    applications and declared conflicts ask nothing more of them."""
    open_assignments = [
        assignment
        for assignment in assignment_list_for(user=user)
        .select_related("application__organisation", "application__lot")
        .filter(
            application__status=Application.Status.SUBMITTED,
            application__lot__funding_round__status__in=rules.ASSIGNING,
        )
        .order_by("application__lot__funding_round__closes_at", "application__lot_id", "id")
    ]
    return {
        "to_declare": [a for a in open_assignments if a.conflict_declared_at is None],
        "to_score": [
            a
            for a in open_assignments
            if a.conflict_declared_at is not None and not a.has_conflict and a.completed_at is None
        ],
    }


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
    """Providers' admins: their organisation's agreements. Commissioners: those of rounds
    they see."""
    agreements = Agreement.objects.select_related(
        "organisation", "application", "lot__funding_round", "lot__category"
    )
    if rules.is_provider_admin(user) and rules.has_organisation(user):
        return agreements.filter(organisation_id=user.organisation_id)
    if rules.is_commissioner(user):
        return agreements.filter(lot__funding_round__in=round_list_visible_to(user=user))
    return agreements.none()
