"""Who people are, and the shape every app's policy is declared in.

The role predicates here are the only role checks in the project; each app's `rules.py`
composes them with its own relationships (the referring PDU, the receiving organisation,
the lead commissioning body) into a table of actions (`Policy`). Services call `require`
first; views, API views, forms and templates ask `actions_for` or `allows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rules

from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role


def _has_role(*roles: str) -> rules.Predicate:
    allowed = frozenset(roles)

    @rules.predicate(name="has_role_" + "_or_".join(sorted(allowed)))
    def has_role(user) -> bool:
        return getattr(user, "is_authenticated", False) and getattr(user, "role", None) in allowed

    return has_role


is_practitioner = _has_role(Role.PRACTITIONER)
is_provider_admin = _has_role(Role.PROVIDER_ADMIN)
is_caseworker = _has_role(Role.CASEWORKER)
is_provider_staff = _has_role(Role.PROVIDER_ADMIN, Role.CASEWORKER)
is_commissioner = _has_role(Role.COMMISSIONER)
is_assessor = _has_role(Role.ASSESSOR)
is_commissioning_staff = _has_role(Role.COMMISSIONER, Role.ASSESSOR)
is_service_support = _has_role(Role.ADMIN)


@rules.predicate
def has_pdu(user) -> bool:
    """A practitioner placed in a probation delivery unit (a referral needs one)."""
    return bool(getattr(user, "pdu_id", None))


@rules.predicate
def has_organisation(user) -> bool:
    return bool(getattr(user, "organisation_id", None))


@rules.predicate
def has_commissioning_body(user) -> bool:
    return bool(getattr(user, "commissioning_body_id", None))


@dataclass(frozen=True)
class Action:
    """One thing a user may do to an object: who may (`who`, a predicate of user and
    object), in which states (`states`, None for any), and for a transition the state it
    leads to (`target`). `label` is the past tense a page shows ("Accepted")."""

    name: str
    who: Callable
    states: frozenset[str] | None = None
    target: str | None = None
    label: str = ""
    # Said when the state forbids it; "{state}" is the object's state, as its label.
    refused: str = "This cannot be done while it is {state}"


class Policy:
    """An app's table of actions over one kind of object.

    `require` raises `NotPermitted` when the user lacks the relationship (pages show 404,
    the API 403), then `StateConflict` when the object's state forbids it (409);
    `actions_for` lists what the user may do now, for pages and the API to offer."""

    def __init__(
        self,
        actions: Iterable[Action],
        *,
        state_of: Callable[[object], str] = lambda obj: obj.status,
        state_label: Callable[[object], str] = lambda obj: obj.get_status_display().lower(),
    ):
        self.actions = {action.name: action for action in actions}
        self.state_of = state_of
        self.state_label = state_label

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def __contains__(self, name: str) -> bool:
        return name in self.actions

    def permitted(self, user, name: str, obj) -> bool:
        """Whether the user's role and relationship allow the action, whatever the state."""
        who = self.actions[name].who
        # A predicate's `test` passes it only the arguments it takes: a role predicate
        # (of the user alone) can stand in a row by itself.
        return bool(who.test(user, obj) if isinstance(who, rules.Predicate) else who(user, obj))

    def in_state(self, name: str, obj) -> bool:
        states = self.actions[name].states
        return states is None or self.state_of(obj) in states

    def allows(self, user, name: str, obj) -> bool:
        return self.permitted(user, name, obj) and self.in_state(name, obj)

    def require(self, user, name: str, obj) -> Action:
        """The action, if this user may take it on this object now; else the domain error."""
        action = self.actions[name]
        if not self.permitted(user, name, obj):
            raise NotPermitted(f"You do not have permission to {name.replace('_', ' ')}")
        if not self.in_state(name, obj):
            raise StateConflict(action.refused.format(state=self.state_label(obj)))
        return action

    def actions_for(self, user, obj) -> list[str]:
        """What the user may do to the object now, in the table's order."""
        return [name for name in self.actions if self.allows(user, name, obj)]


class Policies:
    """An app's tables over several kinds of object, one per type (`type(None)` for the
    actions that have no object yet, such as creating one). No action is in two tables, so
    an action's name says which table `require` and `allows` ask; `actions_for` asks the
    table of the object's type."""

    def __init__(self, by_type: dict[type, Policy]):
        self.by_type = by_type
        self.of_action: dict[str, Policy] = {}
        for policy in by_type.values():
            for name in policy.actions:
                if name in self.of_action:
                    raise ValueError(f"The action {name!r} is declared in two tables")
                self.of_action[name] = policy

    def policy_for(self, obj) -> Policy:
        return self.by_type[type(obj)]

    def require(self, user, action: str, obj) -> Action:
        """The action, if the user may take it on the object now; else `NotPermitted`
        (their role or relationship does not allow it) or `StateConflict` (the object's
        state does not). Services call it first."""
        return self.of_action[action].require(user, action, obj)

    def allows(self, user, action: str, obj) -> bool:
        return self.of_action[action].allows(user, action, obj)

    def actions_for(self, user, obj) -> list[str]:
        """What the user may do to the object now, in its table's order."""
        return self.policy_for(obj).actions_for(user, obj)

    def refusal(self, user, action: str, obj) -> list[str]:
        """Why the object's state stops the user taking the action now (empty when nothing
        does), for a page to say instead of offering its form. Out of the user's reach
        altogether is `NotPermitted`, raised: the page answers 404."""
        try:
            self.require(user, action, obj)
        except StateConflict as exc:
            return exc.reasons
        return []
