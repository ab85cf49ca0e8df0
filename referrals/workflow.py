"""The referral's state machine, declared once: used by the pages, the API and the tests."""

from dataclasses import dataclass

from partnership.models import Role
from referrals.models import Status

PRACTITIONER = frozenset({Role.PRACTITIONER})
PROVIDER = frozenset({Role.PROVIDER_ADMIN, Role.CASEWORKER})
PROVIDER_ADMIN = frozenset({Role.PROVIDER_ADMIN})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status stays as it is
    roles: frozenset[str]
    label: str


TRANSITIONS = {
    t.action: t
    for t in [
        Transition(
            "send", frozenset({Status.DRAFT, Status.RETURNED}), Status.SENT, PRACTITIONER, "Sent"
        ),
        Transition("accept", frozenset({Status.SENT}), Status.ACCEPTED, PROVIDER, "Accepted"),
        Transition(
            "return",
            frozenset({Status.SENT}),
            Status.RETURNED,
            PROVIDER,
            "Returned for information",
        ),
        Transition("decline", frozenset({Status.SENT}), Status.DECLINED, PROVIDER, "Declined"),
        Transition(
            "withdraw",
            frozenset(
                {Status.DRAFT, Status.SENT, Status.RETURNED, Status.ACCEPTED, Status.IN_PROGRESS}
            ),
            Status.WITHDRAWN,
            PRACTITIONER,
            "Withdrawn",
        ),
        Transition(
            "assign",
            frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
            None,
            PROVIDER_ADMIN,
            "Assigned",
        ),
        # The first session starts the work; the end-of-service report completes it.
        Transition(
            "start", frozenset({Status.ACCEPTED}), Status.IN_PROGRESS, PROVIDER, "In progress"
        ),
        Transition(
            "complete",
            frozenset({Status.ACCEPTED, Status.IN_PROGRESS}),
            Status.COMPLETED,
            PROVIDER,
            "Completed",
        ),
    ]
}


class InvalidTransition(Exception):
    """The action is not possible from the referral's current status."""


def check(action: str, status: str, role: str) -> Transition:
    """The transition for an action, if the role may take it from this status."""
    transition = TRANSITIONS[action]
    if role not in transition.roles:
        raise PermissionError(f"A {role} cannot {action} a referral")
    if status not in transition.sources:
        raise InvalidTransition(
            f"A referral that is {Status(status).label.lower()} cannot be {action}ed"
        )
    return transition


def actions_for(status: str, role: str) -> list[str]:
    return [t.action for t in TRANSITIONS.values() if status in t.sources and role in t.roles]
