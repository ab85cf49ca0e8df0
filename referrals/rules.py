"""Who may do what to a referral, in which state: one table, `POLICY`.

Every action on a referral is declared here once: the transitions of its state machine
(send, accept, return, decline, withdraw, assign, start, complete) and the rest (changing it,
its risk documents, reading its risk, recording the provider's work), each with the
relationship it needs and the states it is allowed in. Services call `require` first; pages,
the API and templates ask `actions_for` or `allows`; the selectors' scopes are the queryset
form of `can_see`, so a referral out of scope is a 404 before any of this is asked.
"""

from __future__ import annotations

import rules

from partnership.errors import NotPermitted
from partnership.rules import (
    Action,
    Policy,
    has_organisation,
    has_pdu,
    is_practitioner,
    is_provider_admin,
    is_provider_staff,
)
from providers.rules import has_current_risk_training
from providers.selectors import organisation_has_signed_current_agreement
from referrals.models import CLOSED_STATUSES, Status

# Who sees referrals at all, and whose: `selectors.referral_scope_for` is the queryset form.
is_pdu_practitioner = is_practitioner & has_pdu
is_organisation_staff = is_provider_staff & has_organisation


@rules.predicate
def in_referring_pdu(user, referral) -> bool:
    return user.pdu_id == referral.pdu_id


@rules.predicate
def at_receiving_organisation(user, referral) -> bool:
    return user.organisation_id == referral.organisation_id


@rules.predicate
def sent_to_provider(user, referral) -> bool:
    """The provider hears of a referral when it is sent: a draft is the practitioner's alone."""
    return referral.status != Status.DRAFT


@rules.predicate
def made_it(user, referral) -> bool:
    return user.pk == referral.practitioner_id


# The referring PDU's practitioners (the one who made it and their colleagues).
is_referring_practitioner = is_pdu_practitioner & in_referring_pdu
# The practitioner who made it, still in its PDU: a draft is theirs to delete.
is_referral_owner = is_referring_practitioner & made_it
# The receiving organisation's staff, never for a draft.
is_receiving_staff = is_organisation_staff & at_receiving_organisation & sent_to_provider
is_receiving_admin = is_provider_admin & is_receiving_staff
can_see = is_referring_practitioner | is_receiving_staff


NO_RISK_TRAINING = "no current risk training"


def risk_denial(user, referral) -> str | None:
    """Why the user may not read the referral's risk information, in the access log's words,
    or None if they may. The referring PDU may; the receiving organisation's staff only with
    current risk training, while the organisation's information-sharing agreement is signed."""
    if is_practitioner(user):
        return None if is_referring_practitioner(user, referral) else "another PDU's referral"
    if is_provider_staff(user):
        if not is_receiving_staff(user, referral):
            return "another organisation's referral"
        if not organisation_has_signed_current_agreement(
            organisation=referral.service.organisation
        ):
            return "the information-sharing agreement is not signed"
        if not has_current_risk_training(user):
            return NO_RISK_TRAINING
        return None
    return "role without access to risk information"


def assignment_denial(caseworker, referral) -> str | None:
    """Why the member of staff may not be assigned the referral, in the assigner's words, or
    None if they may. The assignee is one of the receiving organisation's active staff, and
    able to read the referral's risk as far as it rests on them: every referral is sent with
    its risk, which whoever works with the person needs (`risk_denial`). An unsigned
    information-sharing agreement stops all of the organisation's staff alike, so it does
    not choose between them."""
    if not (caseworker.is_active and is_receiving_staff(caseworker, referral)):
        return "Choose a member of your organisation's staff"
    if risk_denial(caseworker, referral) == NO_RISK_TRAINING:
        return (
            f"{caseworker.full_name} cannot be assigned: they do not have current risk "
            "awareness training, which is needed to read this referral's risk information"
        )
    return None


@rules.predicate
def may_read_risk(user, referral) -> bool:
    return risk_denial(user, referral) is None


NOT_CLOSED = frozenset(Status.values) - frozenset(CLOSED_STATUSES)
WORKING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS})

POLICY = Policy(
    [
        # The state machine: each transition's sources, and the state it leads to.
        Action(
            "send",
            is_referring_practitioner,
            frozenset({Status.DRAFT, Status.RETURNED}),
            target=Status.SENT,
            label="Sent",
            refused="A referral that is {state} cannot be sent",
        ),
        Action(
            "accept",
            is_receiving_staff,
            frozenset({Status.SENT}),
            target=Status.ACCEPTED,
            label="Accepted",
            refused="A referral that is {state} cannot be accepted",
        ),
        Action(
            "return",
            is_receiving_staff,
            frozenset({Status.SENT}),
            target=Status.RETURNED,
            label="Returned for information",
            refused="A referral that is {state} cannot be returned",
        ),
        Action(
            "decline",
            is_receiving_staff,
            frozenset({Status.SENT}),
            target=Status.DECLINED,
            label="Declined",
            refused="A referral that is {state} cannot be declined",
        ),
        Action(
            "withdraw",
            is_referring_practitioner,
            NOT_CLOSED,
            target=Status.WITHDRAWN,
            label="Withdrawn",
            refused="A referral that is {state} cannot be withdrawn",
        ),
        # Assigning keeps the status as it is.
        Action(
            "assign",
            is_receiving_admin,
            WORKING,
            label="Assigned",
            refused="A referral that is {state} cannot be assigned",
        ),
        # The first session starts the work; the end-of-service report completes it.
        Action(
            "start",
            is_receiving_staff,
            frozenset({Status.ACCEPTED}),
            target=Status.IN_PROGRESS,
            label="In progress",
            refused="A referral that is {state} cannot be started",
        ),
        Action(
            "complete",
            is_receiving_staff,
            WORKING,
            target=Status.COMPLETED,
            label="Completed",
            refused="A referral that is {state} cannot be completed",
        ),
        # The rest. A change after sending needs a reason: a rule of the service, not of who.
        Action(
            "edit",
            is_referring_practitioner,
            NOT_CLOSED,
            label="Amended",
            refused="A referral that is {state} cannot be changed",
        ),
        Action(
            "upload_document",
            is_referring_practitioner,
            NOT_CLOSED,
            label="Risk document added",
            refused="A risk document cannot be added to a referral that is {state}",
        ),
        Action(
            "remove_document",
            is_referring_practitioner,
            NOT_CLOSED,
            label="Risk document removed",
            refused="A risk document cannot be removed from a referral that is {state}",
        ),
        # A draft is deleted by the practitioner who made it; once sent, it is withdrawn.
        Action(
            "delete_draft",
            is_referral_owner,
            frozenset({Status.DRAFT}),
            label="Draft deleted",
            refused="Only a draft can be deleted: this referral is {state}",
        ),
        Action("read_risk", may_read_risk, label="Risk information read"),
        Action(
            "record_session",
            is_receiving_staff,
            WORKING,
            label="Session recorded",
            refused="Sessions are recorded once a referral is accepted and until it ends: "
            "this one is {state}",
        ),
        Action(
            "raise_concern",
            is_receiving_staff,
            WORKING,
            label="Concern raised",
            refused="Concerns are raised while the service is working with the person: "
            "this referral is {state}",
        ),
        # A concern raised is answered whatever has happened to the referral since.
        Action("acknowledge_concern", is_referring_practitioner, label="Concern acknowledged"),
        Action(
            "write_report",
            is_receiving_staff,
            WORKING,
            label="End-of-service report sent",
            refused="The end-of-service report is sent once, for a referral that is accepted "
            "or in progress: this one is {state}",
        ),
    ]
)


def require(user, action: str, referral):
    """The action, if the user may take it on the referral now. Raises `NotPermitted` when
    the user lacks the relationship, then `StateConflict` when the referral's state forbids it."""
    return POLICY.require(user, action, referral)


def allows(user, action: str, referral) -> bool:
    """Whether the user may take the action on the referral now."""
    return POLICY.allows(user, action, referral)


def permitted(user, action: str, referral) -> bool:
    """Whether the user's relationship to the referral allows the action, in any state."""
    return POLICY.permitted(user, action, referral)


def actions_for(user, referral) -> list[str]:
    """What the user may do to the referral now, in the table's order."""
    return POLICY.actions_for(user, referral)


def require_can_refer(user) -> None:
    """Starting a referral is for a practitioner placed in a PDU (there is no referral yet
    for the table to be asked about)."""
    if not is_pdu_practitioner(user):
        raise NotPermitted("Only probation practitioners make referrals")
