"""Writes to commissioning: rounds and their steps, applications, assessment, awards, agreements."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from commissioning import rules
from commissioning.models import (
    Agreement,
    AgreementService,
    Application,
    AssessorAssignment,
    Criterion,
    FundingRound,
    Lot,
    LotAssessor,
    RoundComment,
    RoundStep,
    Score,
)
from notifications.services import notification_send
from partnership.errors import InvalidInput, StateConflict
from partnership.models import Role, User
from partnership.months import add_months
from providers.models import Organisation
from providers.rules import belongs_to

LONDON = ZoneInfo("Europe/London")


def _locked_round(funding_round: FundingRound) -> FundingRound:
    """The round as it is now, locked, so that a step taken at the same moment waits."""
    return FundingRound.objects.select_for_update().get(pk=funding_round.pk)


def _locked_application(pk: int) -> Application:
    """The application as it is now, locked, so that a decision or another change made at
    the same moment waits."""
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("lot__funding_round", "organisation")
        .get(pk=pk)
    )


@transaction.atomic
def round_create(
    *, by: User, data: dict, regions: Iterable, co_funders: Iterable = ()
) -> FundingRound:
    """A draft round led by the commissioner's body."""
    rules.require(by, "create_round", None)
    funding_round = FundingRound(lead_body_id=by.commissioning_body_id, created_by=by, **data)
    _check_round_terms(funding_round, regions=regions, by=by)
    funding_round.save()
    funding_round.regions.set(regions)
    funding_round.co_funders.set(co_funders)
    return funding_round


def _check_round_terms(funding_round: FundingRound, *, regions: Iterable, by: User) -> None:
    """A round being set up must be in the lead body's regions, close in the future and
    have its dates in order; the model's own checks follow. One error per field, as the
    round form gives them."""
    errors: dict[str, str] = {}
    covered = set(by.commissioning_body.regions.values_list("pk", flat=True))
    if not regions:
        errors["regions"] = "Select at least one region"
    elif any(getattr(region, "pk", region) not in covered for region in regions):
        errors["regions"] = "Select only regions your commissioning body covers"
    consultation, opens = funding_round.consultation_opens_on, funding_round.opens_on
    closes = funding_round.closes_at
    closes_on = timezone.localdate(closes, timezone=LONDON) if closes else None
    if closes and closes <= timezone.now():
        errors["closes_at"] = "The closing date must be in the future"
    elif opens and closes_on and closes_on <= opens:
        errors["closes_at"] = "The closing date must be after the round opens"
    if consultation and opens and opens < consultation:
        errors["opens_on"] = "The round must open after consultation starts"
    if closes_on and funding_round.decision_by and funding_round.decision_by < closes_on:
        errors["decision_by"] = "Decisions must be due after the closing date"
    try:
        funding_round.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})


@transaction.atomic
def round_update(
    *,
    funding_round: FundingRound,
    by: User,
    data: dict,
    regions: Iterable,
    co_funders: Iterable = (),
) -> FundingRound:
    """Change a round's terms while it is still being designed (draft or consultation)."""
    funding_round = _locked_round(funding_round)
    rules.require(by, "edit_terms", funding_round)
    for key, value in data.items():
        setattr(funding_round, key, value)
    _check_round_terms(funding_round, regions=regions, by=by)
    funding_round.save()
    funding_round.regions.set(regions)
    funding_round.co_funders.set(co_funders)
    return funding_round


@transaction.atomic
def comment_add(*, funding_round: FundingRound, by: User, text: str) -> RoundComment:
    """A provider's comment on a draft round in consultation; the lead commissioners are told."""
    # The round as it is now, not as the caller last saw it.
    rules.require(by, "comment", FundingRound.objects.get(pk=funding_round.pk))
    if not text.strip():
        raise ValidationError({"text": ["Enter your comment"]})
    comment = RoundComment.objects.create(
        funding_round=funding_round,
        organisation_id=by.organisation_id,
        author=by,
        text=text.strip(),
    )
    notification_send(
        recipients=User.objects.filter(
            role=Role.COMMISSIONER,
            commissioning_body_id=funding_round.lead_body_id,
            is_active=True,
        ),
        kind="round_comment",
        title=f"{by.organisation.name} commented on {funding_round.title}",
        body=comment.text[:500],
        dedupe_key=f"round-comment-{comment.pk}",
    )
    return comment


@transaction.atomic
def lot_add(*, funding_round: FundingRound, by: User, data: dict, pdus: Iterable) -> Lot:
    """A lot of a round being designed."""
    funding_round = _locked_round(funding_round)
    rules.require(by, "add_lot", funding_round)
    lot = Lot(funding_round=funding_round, **data)
    lot.full_clean()
    lot.save()
    lot.pdus.set(pdus)
    return lot


def _guards(funding_round: FundingRound, action: str) -> list[str]:
    """What must be true before the step, beyond the round's state, as messages for
    whatever is not."""
    reasons = []
    lots = funding_round.lots.all()
    if action in ("consult", "open"):
        if not lots.exists():
            reasons.append("Add at least one lot")
        total = lots.aggregate(total=Sum("budget"))["total"] or 0
        if total > funding_round.budget:
            reasons.append(
                f"The lots' budgets (£{total:,}) are more than the round's budget (£{funding_round.budget:,})"
            )
    if action == "open":
        if not funding_round.closes_at or funding_round.closes_at <= timezone.now():
            reasons.append("Set a closing date in the future")
        if not funding_round.criteria.exists():
            reasons.append("Set the criteria applications are scored against")
    if action == "award":
        undecided = Application.objects.filter(
            lot__funding_round=funding_round, status=Application.Status.SUBMITTED
        )
        if undecided.exists():
            reasons.append(f"Decide every application first ({undecided.count()} still to decide)")
    return reasons


def step_blockers(funding_round: FundingRound, action: str) -> list[str]:
    """What must be true before the step, beyond the round's state, for a confirmation page
    to say before anything is asked (an early close's missing reason is the page's to ask)."""
    return rules.calendar_refusals(funding_round, action, timezone.now(), reason=None) + _guards(
        funding_round, action
    )


# Who is told of a step that cannot be undone, and what: (kind, title, body, applications).
STEP_NOTICES = {
    "close_applications": (
        "round_applications_closed",
        "Applications to {round} have closed",
        "Submitted applications will now be assessed; drafts were not submitted in time.",
        [Application.Status.DRAFT, Application.Status.SUBMITTED],
    ),
    "award": (
        "round_awarded",
        "Awards for {round} are confirmed",
        "Your application's decision and feedback are on its page.",
        [Application.Status.SUCCESSFUL, Application.Status.UNSUCCESSFUL],
    ),
    "close": (
        "round_closed",
        "{round} is closed",
        "The round is closed: nothing more will change in it.",
        [Application.Status.SUCCESSFUL, Application.Status.UNSUCCESSFUL],
    ),
}


def step_notice(funding_round: FundingRound, action: str) -> dict | None:
    """What a step will send, to whom: the confirmation page shows it and the step sends it.
    The organisations are those with an application of the statuses the step concerns; the
    people are their active provider admins."""
    if action not in STEP_NOTICES:
        return None
    kind, title, body, statuses = STEP_NOTICES[action]
    organisation_ids = (
        Application.objects.filter(lot__funding_round=funding_round, status__in=statuses)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    recipients = User.objects.filter(
        organisation_id__in=organisation_ids, role=Role.PROVIDER_ADMIN, is_active=True
    ).order_by("pk")
    return {
        "kind": kind,
        "title": title.format(round=funding_round.title),
        "body": body,
        "organisations": organisations,
        "recipients": recipients,
    }


@transaction.atomic
def round_transition(
    *, funding_round: FundingRound, by: User, action: str, reason: str = ""
) -> FundingRound:
    """Move a round one step (`rules.ROUND_STEPS`), if what that step needs is true and its
    date has come (`rules.calendar_refusals`); closing applications before the closing date
    needs a reason. The step goes on the round's history, and those a step that cannot be
    undone concerns are told (`step_notice`)."""
    if action not in rules.ROUND_STEPS:
        raise ValueError(f"{action} is not a step of a funding round")
    funding_round = _locked_round(funding_round)
    step = rules.require(by, action, funding_round)
    now = timezone.now()
    reason = reason.strip() if action == "close_applications" else ""
    reasons = rules.calendar_refusals(funding_round, action, now, reason=reason)
    reasons += _guards(funding_round, action)
    if reasons:
        raise StateConflict(reasons=reasons)
    early = action == "close_applications" and rules.closes_early(funding_round, now)
    RoundStep.objects.create(
        funding_round=funding_round,
        step=action,
        from_status=funding_round.status,
        to_status=step.target,
        by=by,
        at=now,
        early=early,
        reason=reason if early else "",
    )
    funding_round.status = step.target
    funding_round.save(update_fields=["status"])
    notice = step_notice(funding_round, action)
    if notice:
        notification_send(
            recipients=notice["recipients"],
            kind=notice["kind"],
            title=notice["title"],
            body=notice["body"],
            dedupe_key=f"{notice['kind']}-{funding_round.pk}",
        )
    return funding_round


@transaction.atomic
def criterion_add(*, funding_round: FundingRound, by: User, name: str, weight: int) -> Criterion:
    """A weighted criterion of a round being designed."""
    funding_round = _locked_round(funding_round)
    rules.require(by, "add_criterion", funding_round)
    criterion = Criterion(funding_round=funding_round, name=name, weight=weight)
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def lot_update(*, lot: Lot, by: User, data: dict, pdus: Iterable) -> Lot:
    """Change a lot while its round is being designed."""
    funding_round = _locked_round(lot.funding_round)
    rules.require(by, "edit_lot", funding_round)
    lot = Lot.objects.select_for_update().get(pk=lot.pk, funding_round=funding_round)
    for key, value in data.items():
        setattr(lot, key, value)
    lot.full_clean()
    lot.save()
    lot.pdus.set(pdus)
    return lot


@transaction.atomic
def lot_remove(*, lot: Lot, by: User) -> None:
    """Remove a lot while its round is being designed (no one can have applied yet)."""
    funding_round = _locked_round(lot.funding_round)
    rules.require(by, "remove_lot", funding_round)
    Lot.objects.filter(pk=lot.pk, funding_round=funding_round).delete()


@transaction.atomic
def criterion_update(*, criterion: Criterion, by: User, name: str, weight: int) -> Criterion:
    """Change a criterion while its round is being designed."""
    funding_round = _locked_round(criterion.funding_round)
    rules.require(by, "edit_criterion", funding_round)
    criterion = Criterion.objects.select_for_update().get(
        pk=criterion.pk, funding_round=funding_round
    )
    criterion.name, criterion.weight = name, weight
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_remove(*, criterion: Criterion, by: User) -> None:
    """Remove a criterion while its round is being designed (nothing is scored yet)."""
    funding_round = _locked_round(criterion.funding_round)
    rules.require(by, "remove_criterion", funding_round)
    Criterion.objects.filter(pk=criterion.pk, funding_round=funding_round).delete()


APPLICATION_FIELDS = [
    "approach",
    "experience",
    "outcomes",
    "amount_requested",
    "proposed_monthly_capacity",
    "staff_training_budget",
]


# Proportionate questions: a grant asks less than a contract.
QUESTIONS = {
    "grant": ["approach", "outcomes", "amount_requested", "proposed_monthly_capacity"],
    "contract": [
        "approach",
        "experience",
        "outcomes",
        "amount_requested",
        "proposed_monthly_capacity",
    ],
}


def questions_for(mechanism: str) -> list[str]:
    """The answers an application to a round of this mechanism must give."""
    return QUESTIONS[mechanism]


def _eligibility(lot: Lot, organisation: Organisation, pdus: list) -> list[str]:
    problems = []
    if lot.income_ceiling is not None and (
        organisation.annual_income is None or organisation.annual_income >= lot.income_ceiling
    ):
        problems.append(
            f"This lot is for organisations with an annual income under £{lot.income_ceiling:,}"
        )
    lot_pdus = set(lot.pdus.values_list("pk", flat=True))
    if pdus and not {p.pk for p in pdus} <= lot_pdus:
        problems.append("Propose only PDUs in the lot's area")
    return problems


def _check_bid(lot: Lot, amount: int | None) -> None:
    """A bid may ask for no more than the lot's budget, its ceiling."""
    if amount is not None and amount > lot.budget:
        raise ValidationError(
            {
                "amount_requested": [
                    f"The amount you are asking for must be £{lot.budget:,} or less, "
                    "the lot's budget"
                ]
            }
        )


# What a submitted application must answer, by field, as the error summary says it.
MISSING = {
    "approach": "Enter how you will deliver the service",
    "experience": "Enter your experience of similar work",
    "outcomes": "Enter the difference it will make",
    "amount_requested": "Enter the amount you are asking for",
    "proposed_monthly_capacity": "Enter how many referrals a month you can take",
    "pdus": "Select the PDUs you will cover",
}


def application_missing(application: Application) -> dict[str, str]:
    """The answers a draft still needs before it can be submitted, by field."""
    asked = questions_for(application.lot.funding_round.mechanism)
    missing = {
        field: message
        for field, message in MISSING.items()
        if field != "pdus" and field in asked and not getattr(application, field)
    }
    if not application.pdus.exists():
        missing["pdus"] = MISSING["pdus"]
    return missing


def _application_draft_or_new(*, lot: Lot, by: User) -> Application:
    """The organisation's draft for the lot, or a new one if it has not applied yet."""
    # One statement: with two, a draft committed between them would read as "applied".
    application = (
        Application.objects.filter(lot=lot, organisation_id=by.organisation_id)
        .exclude(status=Application.Status.WITHDRAWN)
        .first()
    )
    if application is None:
        return Application(lot=lot, organisation_id=by.organisation_id, created_by=by)
    if application.status != Application.Status.DRAFT:
        raise ValidationError({"lot": ["Your organisation has already applied to this lot"]})
    return application


@transaction.atomic
def application_save(*, lot: Lot, by: User, data: dict, pdus: Iterable = ()) -> Application:
    """Start or update the organisation's draft application to a lot."""
    # The round as it is now, not as the caller last saw it.
    rules.require(by, "apply", FundingRound.objects.get(pk=lot.funding_round_id))
    pdus = list(pdus)
    problems = _eligibility(lot, by.organisation, pdus)
    if problems:
        raise ValidationError({"eligibility": problems})
    for key in data:
        if key not in APPLICATION_FIELDS:
            raise ValueError(f"{key} is not an application field")
    _check_bid(lot, data.get("amount_requested"))
    # A first save that raced another to create the draft updates the winner's draft.
    for attempt in range(2):
        application = _application_draft_or_new(lot=lot, by=by)
        for key, value in data.items():
            setattr(application, key, value)
        application.full_clean(validate_constraints=False)
        try:
            with transaction.atomic():
                application.save()
        except IntegrityError as exc:
            if attempt:
                raise ValidationError(
                    {"lot": ["Your organisation has already applied to this lot"]}
                ) from exc
        else:
            break
    if pdus:
        application.pdus.set(pdus)
    return application


@transaction.atomic
def application_submit(*, application: Application, by: User) -> Application:
    """Submit before the round closes, complete and eligible."""
    application = _locked_application(application.pk)
    rules.require(by, "submit", application)
    funding_round = application.lot.funding_round
    if funding_round.closes_at and funding_round.closes_at <= timezone.now():
        raise StateConflict("The round has closed: applications can no longer be submitted")
    missing = application_missing(application)
    if missing:
        raise ValidationError({field: [message] for field, message in missing.items()})
    _check_bid(application.lot, application.amount_requested)
    problems = _eligibility(application.lot, application.organisation, list(application.pdus.all()))
    if problems:
        raise ValidationError({"eligibility": problems})
    application.status = Application.Status.SUBMITTED
    application.submitted_at = timezone.now()
    application.save(update_fields=["status", "submitted_at"])
    # The lot's assessors assess every application submitted to it.
    for lot_assessor in LotAssessor.objects.filter(lot_id=application.lot_id):
        AssessorAssignment.objects.get_or_create(
            application=application, assessor_id=lot_assessor.assessor_id
        )
    return application


@transaction.atomic
def application_withdraw(*, application: Application, by: User) -> Application:
    """The organisation takes its application back while the round is open."""
    application = _locked_application(application.pk)
    rules.require(by, "withdraw", application)
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status"])
    return application


@transaction.atomic
def assessor_assign(*, application: Application, by: User, assessor: User) -> AssessorAssignment:
    """Assign an assessor to a submitted application (once: again returns the assignment)."""
    application = _locked_application(application.pk)
    rules.require(by, "assign_assessor", application)
    if not rules.may_assess_round(assessor, application.lot.funding_round):
        raise ValidationError(
            {"assessor": ["Choose an assessor of a commissioning body funding this round"]}
        )
    assignment, _ = AssessorAssignment.objects.get_or_create(
        application=application, assessor=assessor
    )
    return assignment


@transaction.atomic
def lot_assessor_assign(*, lot: Lot, by: User, assessor: User) -> LotAssessor:
    """Assign an assessor to a lot: they assess each application submitted to it, now and
    later (`application_submit`). Assigning them again changes nothing."""
    funding_round = _locked_round(lot.funding_round)
    rules.require(by, "assign_assessors", funding_round)
    if not rules.may_assess_round(assessor, funding_round):
        raise ValidationError(
            {"assessor": ["Choose an assessor of a commissioning body funding this round"]}
        )
    lot_assessor, _ = LotAssessor.objects.get_or_create(
        lot=lot, assessor=assessor, defaults={"assigned_by": by}
    )
    for application in lot.applications.filter(status=Application.Status.SUBMITTED):
        AssessorAssignment.objects.get_or_create(application=application, assessor=assessor)
    return lot_assessor


def _locked_assignment(assignment: AssessorAssignment) -> AssessorAssignment:
    """The assignment locked with its application, so that a decision made at the same
    moment waits (and then freezes the declaration and scores)."""
    application = _locked_application(assignment.application_id)
    assignment = AssessorAssignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.application = application
    return assignment


@transaction.atomic
def conflict_declare(
    *, assignment: AssessorAssignment, by: User, has_conflict: bool, details: str = ""
) -> AssessorAssignment:
    """The assessor says whether they have a conflict of interest with the applicant."""
    assignment = _locked_assignment(assignment)
    rules.require(by, "declare_conflict", assignment)
    # The details are asked for with a conflict, and only then (the page's conditional reveal).
    if has_conflict and not details.strip():
        raise ValidationError({"details": ["Describe the conflict of interest"]})
    if not has_conflict and details.strip():
        raise ValidationError({"details": ["Only describe a conflict of interest if you have one"]})
    assignment.has_conflict = has_conflict
    assignment.conflict_details = details.strip()
    assignment.conflict_declared_at = timezone.now()
    assignment.save(update_fields=["has_conflict", "conflict_details", "conflict_declared_at"])
    return assignment


@transaction.atomic
def scores_record(
    *,
    assignment: AssessorAssignment,
    by: User,
    scores: dict[int, tuple[int, str]],
    comment: str = "",
):
    """An assessor's 0–5 score per criterion; needs a declaration of no conflict first."""
    assignment = _locked_assignment(assignment)
    rules.require(by, "score", assignment)
    criteria = {c.pk: c for c in assignment.application.lot.funding_round.criteria.all()}
    errors = []
    for criterion_id, criterion in criteria.items():
        value = scores.get(criterion_id, (None, ""))[0]
        if value is None or not 0 <= int(value) <= 5:
            errors.append(f"Score ‘{criterion.name}’ from 0 to 5")
    if errors:
        raise ValidationError({"scores": errors})
    for criterion_id, (value, note) in scores.items():
        if criterion_id in criteria:
            Score.objects.update_or_create(
                assignment=assignment,
                criterion_id=criterion_id,
                defaults={"score": int(value), "comment": note},
            )
    assignment.comment = comment
    assignment.completed_at = timezone.now()
    assignment.save(update_fields=["comment", "completed_at"])
    return assignment


@transaction.atomic
def application_decide(
    *, application: Application, by: User, successful: bool, feedback: str
) -> Application:
    """Record the decision with feedback; the applicant is told."""
    application = _locked_application(application.pk)
    rules.require(by, "decide", application)
    if not feedback.strip():
        raise ValidationError({"feedback": ["Give the applicant feedback"]})
    application.status = (
        Application.Status.SUCCESSFUL if successful else Application.Status.UNSUCCESSFUL
    )
    application.feedback = feedback.strip()
    application.save(update_fields=["status", "feedback"])
    admins = User.objects.filter(
        organisation_id=application.organisation_id, role=Role.PROVIDER_ADMIN, is_active=True
    )
    notification_send(
        recipients=admins,
        kind="application_decided",
        title=f"Decision on your application for {application.lot.title}",
        body=application.feedback,
        dedupe_key=f"application-decided-{application.pk}",
    )
    return application


@transaction.atomic
def agreement_create(
    *,
    application: Application,
    by: User,
    value: int,
    starts_on: date,
    ends_on: date,
    break_clause_dates: list[date],
    justification: str = "",
    services: dict | None = None,
) -> Agreement:
    """Turn an award into an agreement. A term shorter than the round's minimum, or no
    break clause, needs a recorded justification."""
    # Under the application's lock, so a second award of it waits and is refused.
    application = _locked_application(application.pk)
    rules.require(by, "create_agreement", application)
    funding_round = application.lot.funding_round
    errors = {}
    if ends_on <= starts_on:
        errors["ends_on"] = ["The end date must be after the start date"]
    short = ends_on < add_months(starts_on, funding_round.minimum_agreement_months)
    if (short or not break_clause_dates) and not justification.strip():
        errors["justification"] = [
            f"Explain why the term is shorter than {funding_round.minimum_agreement_months} months"
            if short
            else "Explain why there is no break clause"
        ]
    if any(not starts_on < d < ends_on for d in break_clause_dates):
        errors["break_clause_dates"] = ["Break clauses must fall between the start and end dates"]
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.create(
        application=application,
        organisation=application.organisation,
        lot=application.lot,
        mechanism=funding_round.mechanism,
        value=value,
        starts_on=starts_on,
        ends_on=ends_on,
        break_clause_dates=sorted(break_clause_dates),
        justification=justification.strip(),
    )
    for service, monthly in (services or {}).items():
        if not belongs_to(service, application.organisation_id):
            raise ValidationError({"services": ["Fund only the organisation's own services"]})
        AgreementService.objects.create(
            agreement=agreement, service=service, contracted_monthly_referrals=monthly
        )
    return agreement


@transaction.atomic
def agreement_set_status(*, agreement: Agreement, by: User, status: str) -> Agreement:
    """Move an agreement on: mobilising to live, live to ended, either to terminated
    (`rules.AGREEMENT_STEPS`)."""
    agreement = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("lot__funding_round")
        .get(pk=agreement.pk)
    )
    rules.require(by, "set_status", agreement)
    step = rules.AGREEMENT_STEPS.get(status)
    if step is None:
        if status in Agreement.Status.values:
            raise StateConflict(f"An agreement cannot go back to {status}")
        raise InvalidInput("Choose live, ended or terminated", field="status")
    agreement.status = rules.require(by, step, agreement).target
    agreement.save(update_fields=["status"])
    return agreement
