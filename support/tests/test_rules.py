"""The console's table: service support alone, never on their own account's sign-in."""

import pytest

from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import OrganisationFactory
from support import rules

pytestmark = pytest.mark.django_db

ACCOUNT_ACTIONS = ["deactivate", "reset_two_factor", "lift_lockout", "end_sessions"]


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
def test_no_other_role_may_do_anything(role):
    user = UserFactory(role=role)
    member = UserFactory(role=Role.CASEWORKER)
    assert not rules.may_use_console(user)
    assert rules.actions_for(user, member) == []
    assert rules.actions_for(user, OrganisationFactory()) == []
    with pytest.raises(NotPermitted):
        rules.require(user, "read_access_log")


def test_service_support_may_do_everything_to_another_account():
    support = UserFactory(role=Role.ADMIN)
    member = UserFactory(role=Role.CASEWORKER)
    assert rules.actions_for(support, member) == ACCOUNT_ACTIONS
    member.is_active = False
    assert rules.actions_for(support, member) == [
        "reactivate",
        "reset_two_factor",
        "lift_lockout",
        "end_sessions",
    ]
    with pytest.raises(StateConflict):
        rules.require(support, "deactivate", member)
    assert rules.actions_for(support, OrganisationFactory()) == ["verify_organisation"]


def test_service_support_does_not_deactivate_or_sign_out_themselves():
    support = UserFactory(role=Role.ADMIN)
    assert "deactivate" not in rules.actions_for(support, support)
    assert "end_sessions" not in rules.actions_for(support, support)
