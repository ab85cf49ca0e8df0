"""The shape every app's policy is declared in (partnership/rules.py)."""

from types import SimpleNamespace

import pytest
import rules

from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role
from partnership.rules import Action, Policies, Policy, is_practitioner, is_provider_staff


def _user(role, **fields):
    return SimpleNamespace(is_authenticated=True, role=role, **fields)


class _Thing(SimpleNamespace):
    def get_status_display(self):
        return self.status.capitalize()


@rules.predicate
def _owns(user, thing) -> bool:
    return user.pk == thing.owner_id


POLICY = Policy(
    [
        Action("open", is_practitioner & _owns, frozenset({"draft"}), target="open"),
        Action("look", is_practitioner | is_provider_staff),
        # A role predicate (of the user alone) stands in a row by itself.
        Action("staff_room", is_provider_staff),
    ]
)


def test_role_predicates_need_a_signed_in_user_of_that_role():
    assert is_practitioner(_user(Role.PRACTITIONER))
    assert not is_practitioner(_user(Role.CASEWORKER))
    assert is_provider_staff(_user(Role.CASEWORKER)) and is_provider_staff(
        _user(Role.PROVIDER_ADMIN)
    )
    assert not is_provider_staff(SimpleNamespace(is_authenticated=False, role=Role.CASEWORKER))


def test_require_refuses_the_relationship_before_the_state():
    stranger = _user(Role.PRACTITIONER, pk=2)
    with pytest.raises(NotPermitted):
        POLICY.require(stranger, "open", _Thing(owner_id=1, status="closed"))
    owner = _user(Role.PRACTITIONER, pk=1)
    with pytest.raises(StateConflict, match="while it is closed"):
        POLICY.require(owner, "open", _Thing(owner_id=1, status="closed"))
    assert POLICY.require(owner, "open", _Thing(owner_id=1, status="draft")).target == "open"


def test_actions_for_lists_only_what_require_would_allow():
    owner = _user(Role.PRACTITIONER, pk=1)
    assert POLICY.actions_for(owner, _Thing(owner_id=1, status="draft")) == ["open", "look"]
    assert POLICY.actions_for(_user(Role.CASEWORKER, pk=3), _Thing(owner_id=1, status="draft")) == [
        "look",
        "staff_room",
    ]
    assert POLICY.actions_for(owner, _Thing(owner_id=1, status="closed")) == ["look"]
    assert (
        POLICY.actions_for(_user(Role.COMMISSIONER, pk=1), _Thing(owner_id=1, status="draft")) == []
    )


def test_policies_ask_the_table_an_action_is_declared_in():
    creating = Policy([Action("create", is_practitioner)])
    policies = Policies({_Thing: POLICY, type(None): creating})
    owner = _user(Role.PRACTITIONER, pk=1)
    assert policies.allows(owner, "create", None)
    assert policies.actions_for(owner, _Thing(owner_id=1, status="draft")) == ["open", "look"]
    assert policies.refusal(owner, "open", _Thing(owner_id=1, status="closed")) == [
        "This cannot be done while it is closed"
    ]
    with pytest.raises(NotPermitted):
        policies.refusal(_user(Role.PRACTITIONER, pk=2), "open", _Thing(owner_id=1, status="draft"))


def test_policies_refuse_an_action_declared_twice():
    with pytest.raises(ValueError, match="two tables"):
        Policies({_Thing: POLICY, type(None): Policy([Action("look", is_practitioner)])})
