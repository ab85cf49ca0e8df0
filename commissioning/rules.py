"""Who may do what in commissioning, and when: one table of actions per kind of object.

The relationships are written here once: the lead commissioner (a commissioner of the body
that leads the round; the only one who changes it), the commissioners of a round (their body
leads it, co-funds it or covers one of its regions), the applicant organisation's admins and
the assigned assessor. Services call `require` first; pages, the API and templates ask
`actions_for` (or `allows`) and offer nothing else.

Funding rounds (`ROUNDS`; states are the round's status):

| action             | who                                 | states                              |
|--------------------|-------------------------------------|-------------------------------------|
| edit_terms         | lead commissioner                   | draft, consultation                 |
| add_lot            | lead commissioner                   | draft, consultation                 |
| add_criterion      | lead commissioner                   | draft, consultation                 |
| edit_lot           | lead commissioner                   | draft, consultation                 |
| remove_lot         | lead commissioner                   | draft, consultation                 |
| edit_criterion     | lead commissioner                   | draft, consultation                 |
| remove_criterion   | lead commissioner                   | draft, consultation                 |
| consult            | lead commissioner                   | draft → consultation                |
| open               | lead commissioner                   | consultation → open                 |
| close_applications | lead commissioner                   | open → assessment                   |
| award              | lead commissioner                   | assessment → awarded                |
| close              | lead commissioner                   | awarded → closed                    |
| assign_assessors   | lead commissioner                   | open, assessment                    |
| moderate           | a commissioner of the round         | open, assessment, awarded, closed   |
| view_market_health | a commissioner of the round         | any                                 |
| comment            | a provider's admin                  | consultation                        |
| apply              | a provider's admin                  | open                                |

`assign_assessors` assigns an assessor to one of the round's lots (they then assess every
application submitted to it) or to one application; the assessor must be one who
`may_assess_round`: an active assessor of the body leading the round or of a co-funder.

The steps (the rows with →) are the round's state machine; what else must be true before a
step (lots, a budget that adds up, a closing date to come) is checked by the service. The
steps also follow the round's calendar (`calendar_refusals`): consultation starts no earlier
than its date, the round opens no earlier than its opening date, and applications close no
earlier than the closing date unless the lead commissioner records why (`closes_early`).
Lots and criteria are changed and removed (the lot's and criterion's actions are asked of
their round) only while the round is being designed.

Applications (`APPLICATIONS`; a state is the application's status and its round's, as
"submitted/assessment"; a successful application that has its agreement is "agreed"):

| action            | who                       | states                                        |
|-------------------|---------------------------|-----------------------------------------------|
| edit              | the applicant's admin     | draft in an open round                        |
| submit            | the applicant's admin     | draft in an open round                        |
| withdraw          | the applicant's admin     | draft or submitted, in an open round          |
| view_assessment   | lead commissioner         | any                                           |
| assign_assessor   | lead commissioner         | submitted, while the round assigns assessors  |
| decide            | lead commissioner         | submitted, in a round in assessment           |
| create_agreement  | lead commissioner         | successful, with no agreement yet             |

Assessments (`ASSESSMENTS`, an assessor's assignment to an application; "open" while the
application awaits its decision in a round taking or assessing applications, else "closed"):

| action           | who                                                | states |
|------------------|----------------------------------------------------|--------|
| declare_conflict | the assigned assessor                              | open   |
| score            | the assigned assessor, having declared no conflict | open   |

Agreements (`AGREEMENTS`; states are the agreement's status). Creating one is
`create_agreement` on the successful application, as the agreement does not exist yet:

| action     | who               | states                        |
|------------|-------------------|-------------------------------|
| set_status | lead commissioner | mobilising, live              |
| go_live    | lead commissioner | mobilising → live             |
| end        | lead commissioner | live → ended                  |
| terminate  | lead commissioner | mobilising, live → terminated |

`set_status` is any change at all, asked first: someone it is not for is refused before
the status they asked for is read; then the change itself (`AGREEMENT_STEPS`).

What is done to no object yet is asked of `None` (`FUNDING`): `list_rounds`
(commissioners, assessors and providers' admins), `create_round` and `view_market_trends`
(a commissioner of a commissioning body: its regions' market over the years),
`list_assessments` (assessors), `list_agreements` (commissioners and providers' admins).

Each action is in exactly one table: `require` and `allows` find it by its name,
`actions_for` by the object's kind.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import rules
from django.utils import timezone

from commissioning.models import Agreement, Application, AssessorAssignment, FundingRound
from partnership.rules import (
    Action,
    Policies,
    Policy,
    has_commissioning_body,
    has_organisation,
    is_assessor,
    is_commissioner,
    is_commissioning_staff,
    is_provider_admin,
)

LONDON = ZoneInfo("Europe/London")
RoundStatus = FundingRound.Status
ApplicationStatus = Application.Status
AgreementStatus = Agreement.Status


# Relationships -----------------------------------------------------------------------------


@rules.predicate
def is_lead_commissioner(user, funding_round) -> bool:
    """A commissioner of the body that leads the round: the one who changes it."""
    return bool(
        is_commissioner(user)
        and funding_round is not None
        and user.commissioning_body_id
        and user.commissioning_body_id == funding_round.lead_body_id
    )


@rules.predicate
def commissions_round(user, funding_round) -> bool:
    """The user's commissioning body leads or co-funds the round, or covers one of its
    regions (the rounds `selectors.round_list_visible_to` shows commissioning staff)."""
    body_id = getattr(user, "commissioning_body_id", None)
    if not body_id or funding_round is None:
        return False
    if funding_round.lead_body_id == body_id:
        return True
    if funding_round.co_funders.filter(pk=body_id).exists():
        return True
    return funding_round.regions.filter(commissioning_bodies__pk=body_id).exists()


@rules.predicate
def leads_its_round(user, obj) -> bool:
    """The lead commissioner of the round an application or agreement belongs to."""
    return is_lead_commissioner(user, obj.lot.funding_round)


@rules.predicate
def is_applicant_admin(user, obj) -> bool:
    """An admin of the organisation that applied (an application) or holds (an agreement).
    Applications and agreements are the organisation's business with commissioners: for
    its admins, not its caseworkers."""
    return bool(
        is_provider_admin(user)
        and user.organisation_id
        and user.organisation_id == obj.organisation_id
    )


@rules.predicate
def is_assigned_assessor(user, assignment) -> bool:
    return bool(is_assessor(user) and assignment.assessor_id == user.pk)


@rules.predicate
def has_declared_no_conflict(user, assignment) -> bool:
    """Nothing of the application is the assessor's business until they say they have no
    conflict of interest with the applicant."""
    return assignment.conflict_declared_at is not None and not assignment.has_conflict


is_provider_with_organisation = is_provider_admin & has_organisation


@rules.predicate
def may_assess_round(assessor, funding_round) -> bool:
    """An active assessor of the body that leads the round or of one that co-funds it: the
    only people who may be assigned to its lots and applications."""
    body_id = getattr(assessor, "commissioning_body_id", None)
    if not (is_assessor(assessor) and assessor.is_active and body_id and funding_round):
        return False
    return funding_round.lead_body_id == body_id or (
        funding_round.co_funders.filter(pk=body_id).exists()
    )


# Funding rounds ----------------------------------------------------------------------------

DESIGNING = frozenset({RoundStatus.DRAFT, RoundStatus.CONSULTATION})
ASSIGNING = frozenset({RoundStatus.OPEN, RoundStatus.ASSESSMENT})
SCORED = frozenset(
    {RoundStatus.OPEN, RoundStatus.ASSESSMENT, RoundStatus.AWARDED, RoundStatus.CLOSED}
)
STEP_REFUSED = "A round that is {state} cannot do that"


def _step(name: str, source: str, target: str) -> Action:
    return Action(
        name, is_lead_commissioner, frozenset({source}), target=target, refused=STEP_REFUSED
    )


ROUNDS = Policy(
    [
        Action(
            "edit_terms",
            is_lead_commissioner,
            DESIGNING,
            refused="A round's terms can only change before it opens",
        ),
        Action(
            "add_lot",
            is_lead_commissioner,
            DESIGNING,
            refused="Lots can only be added before the round opens",
        ),
        Action(
            "add_criterion",
            is_lead_commissioner,
            DESIGNING,
            refused="Criteria are set before the round opens",
        ),
        Action(
            "edit_lot",
            is_lead_commissioner,
            DESIGNING,
            refused="Lots can only change before the round opens",
        ),
        Action(
            "remove_lot",
            is_lead_commissioner,
            DESIGNING,
            refused="Lots can only be removed before the round opens",
        ),
        Action(
            "edit_criterion",
            is_lead_commissioner,
            DESIGNING,
            refused="Criteria can only change before the round opens",
        ),
        Action(
            "remove_criterion",
            is_lead_commissioner,
            DESIGNING,
            refused="Criteria can only be removed before the round opens",
        ),
        _step("consult", RoundStatus.DRAFT, RoundStatus.CONSULTATION),
        _step("open", RoundStatus.CONSULTATION, RoundStatus.OPEN),
        _step("close_applications", RoundStatus.OPEN, RoundStatus.ASSESSMENT),
        _step("award", RoundStatus.ASSESSMENT, RoundStatus.AWARDED),
        _step("close", RoundStatus.AWARDED, RoundStatus.CLOSED),
        Action(
            "assign_assessors",
            is_lead_commissioner,
            ASSIGNING,
            refused="Assessors are assigned while the round is open or in assessment",
        ),
        Action(
            "moderate",
            is_commissioner & commissions_round,
            SCORED,
            refused="Applications are scored once the round has opened",
        ),
        Action("view_market_health", is_commissioner & commissions_round),
        Action(
            "comment",
            is_provider_with_organisation,
            frozenset({RoundStatus.CONSULTATION}),
            refused="Comments are taken only while the round is in consultation",
        ),
        Action(
            "apply",
            is_provider_with_organisation,
            frozenset({RoundStatus.OPEN}),
            refused="This round is not open for applications",
        ),
    ]
)

# The round's state machine: the steps from draft to closed, in order.
ROUND_STEPS = tuple(name for name, action in ROUNDS.actions.items() if action.target)

# Steps that cannot be undone: their confirmation says what will be sent, to whom.
IRREVERSIBLE_STEPS = frozenset({"close_applications", "award", "close"})


def _on(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def closes_early(funding_round: FundingRound, now: datetime) -> bool:
    """Closing applications now would be before the round's closing date and time."""
    return bool(funding_round.closes_at and now < funding_round.closes_at)


def calendar_refusals(
    funding_round: FundingRound, action: str, now: datetime, *, reason: str | None = ""
) -> list[str]:
    """What the round's calendar says must be true before the step, as messages for
    whatever is not: a step never comes before its date, except closing applications early
    with a recorded reason (`reason=None`: not asked yet, as a confirmation page is first
    shown, so its absence is not counted)."""
    today = timezone.localdate(now, timezone=LONDON)
    consultation = funding_round.consultation_opens_on
    if action == "consult" and consultation and today < consultation:
        return [f"Consultation starts on {_on(consultation)}: wait until then, or change the date"]
    if action == "open" and funding_round.opens_on and today < funding_round.opens_on:
        return [
            f"The round opens on {_on(funding_round.opens_on)}: wait until then, "
            "or change the opening date while the round is in consultation"
        ]
    if action == "close_applications" and closes_early(funding_round, now) and reason is not None:
        if reason.strip():
            return []
        closes = timezone.localtime(funding_round.closes_at, LONDON)
        return [
            f"Applications close on {_on(closes.date())}: to close them early, "
            "give the reason, which is kept on the round's history"
        ]
    return []


# Applications ------------------------------------------------------------------------------

AGREED = "agreed"


def application_state(application: Application) -> str:
    """The application's status and its round's ("submitted/assessment"); a successful
    application that already has its agreement is "agreed"."""
    if application.status == ApplicationStatus.SUCCESSFUL and hasattr(application, "agreement"):
        return AGREED
    return f"{application.status}/{application.lot.funding_round.status}"


def _in_rounds(statuses, round_statuses) -> frozenset[str]:
    return frozenset(f"{status}/{state}" for status in statuses for state in round_statuses)


APPLICATIONS = Policy(
    [
        Action(
            "edit",
            is_applicant_admin,
            _in_rounds([ApplicationStatus.DRAFT], [RoundStatus.OPEN]),
            refused="Only a draft can be changed, while the round is open",
        ),
        Action(
            "submit",
            is_applicant_admin,
            _in_rounds([ApplicationStatus.DRAFT], [RoundStatus.OPEN]),
            refused="Only a draft can be submitted, while the round is open",
        ),
        Action(
            "withdraw",
            is_applicant_admin,
            _in_rounds([ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED], [RoundStatus.OPEN]),
            refused="Applications can be withdrawn only before assessment starts",
        ),
        Action("view_assessment", leads_its_round),
        Action(
            "assign_assessor",
            leads_its_round,
            _in_rounds([ApplicationStatus.SUBMITTED], ROUNDS["assign_assessors"].states),
            refused="Assessors are assigned to submitted applications while the round is open or in assessment",
        ),
        Action(
            "decide",
            leads_its_round,
            _in_rounds([ApplicationStatus.SUBMITTED], [RoundStatus.ASSESSMENT]),
            refused="Decisions are made on submitted applications during assessment",
        ),
        Action(
            "create_agreement",
            leads_its_round,
            _in_rounds([ApplicationStatus.SUCCESSFUL], RoundStatus.values),
            refused="Only a successful application without an agreement becomes an agreement",
        ),
    ],
    state_of=application_state,
)


# Assessments -------------------------------------------------------------------------------

OPEN, CLOSED = "open", "closed"


def assessment_state(assignment: AssessorAssignment) -> str:
    """Declarations and scores may change only while the application awaits its decision
    in a round that is taking or assessing applications; after that they are the record
    the decision rests on."""
    application = assignment.application
    is_open = application.status == ApplicationStatus.SUBMITTED and (
        application.lot.funding_round.status in ASSIGNING
    )
    return OPEN if is_open else CLOSED


FROZEN = "The application has been decided, so declarations and scores can no longer change"

ASSESSMENTS = Policy(
    [
        Action("declare_conflict", is_assigned_assessor, frozenset({OPEN}), refused=FROZEN),
        Action(
            "score",
            is_assigned_assessor & has_declared_no_conflict,
            frozenset({OPEN}),
            refused=FROZEN,
        ),
    ],
    state_of=assessment_state,
    state_label=assessment_state,
)


# Agreements --------------------------------------------------------------------------------

RUNNING = frozenset({AgreementStatus.MOBILISING, AgreementStatus.LIVE})

AGREEMENTS = Policy(
    [
        Action(
            "set_status",
            leads_its_round,
            RUNNING,
            refused="An agreement that is {state} cannot change",
        ),
        Action(
            "go_live",
            leads_its_round,
            frozenset({AgreementStatus.MOBILISING}),
            target=AgreementStatus.LIVE,
            refused="An agreement that is {state} cannot become live",
        ),
        Action(
            "end",
            leads_its_round,
            frozenset({AgreementStatus.LIVE}),
            target=AgreementStatus.ENDED,
            refused="An agreement that is {state} cannot end",
        ),
        Action(
            "terminate",
            leads_its_round,
            RUNNING,
            target=AgreementStatus.TERMINATED,
            refused="An agreement that is {state} cannot be terminated",
        ),
    ]
)

# The status each change leads to, and the change that leads there.
AGREEMENT_STEPS = {
    action.target: name for name, action in AGREEMENTS.actions.items() if action.target
}


# What is done to no object yet ----------------------------------------------------------------

FUNDING = Policy(
    [
        Action("list_rounds", is_commissioning_staff | is_provider_admin),
        Action("create_round", is_commissioner & has_commissioning_body),
        Action("view_market_trends", is_commissioner & has_commissioning_body),
        Action("list_assessments", is_assessor),
        Action("list_agreements", is_commissioner | is_provider_admin),
    ]
)


# Asking -----------------------------------------------------------------------------------

POLICIES: dict[type, Policy] = {
    FundingRound: ROUNDS,
    Application: APPLICATIONS,
    AssessorAssignment: ASSESSMENTS,
    Agreement: AGREEMENTS,
    type(None): FUNDING,
}


# Services call `require` first; pages and the API ask `allows` and `actions_for`.
ASK = Policies(POLICIES)
POLICY_OF_ACTION = ASK.of_action
policy_for = ASK.policy_for
require = ASK.require
allows = ASK.allows
actions_for = ASK.actions_for
refusal = ASK.refusal
