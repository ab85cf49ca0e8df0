"""The tables of providers/rules.py: an organisation's admins keep its profile, staff and
services and sign for it, commissioners verify, service support registers; a service's
status and a member of staff's account move only as the tables say; `require` refuses the
relationship (`NotPermitted`) before the state (`StateConflict`); and `actions_for` offers
exactly what `require` allows, for every role in every state."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from partnership.errors import NotPermitted, StateConflict
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers import rules, services
from providers.models import Service
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db

ServiceStatus = Service.Status


@pytest.fixture
def world():
    organisation = OrganisationFactory()
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
    colleague = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=organisation)
    users = {
        "admin": admin,
        "caseworker": caseworker,
        "other provider admin": UserFactory(role=Role.PROVIDER_ADMIN),
        "commissioner": UserFactory(role=Role.COMMISSIONER),
        "assessor": UserFactory(role=Role.ASSESSOR),
        "practitioner": UserFactory(role=Role.PRACTITIONER),
        "service support": UserFactory(role=Role.ADMIN),
        "anonymous": AnonymousUser(),
    }
    return SimpleNamespace(
        organisation=organisation,
        service=make_service(organisation=organisation),
        admin=admin,
        colleague=colleague,
        caseworker=caseworker,
        users=users,
    )


def test_an_organisations_admins_keep_it_and_commissioners_verify_it(world):
    expected = {
        "admin": ["edit_profile", "sign_agreement", "manage_staff", "manage_services"],
        "commissioner": ["verify"],
    }
    for role, user in world.users.items():
        assert rules.actions_for(user, world.organisation) == expected.get(role, []), role


def test_what_is_done_to_no_organisation_yet(world):
    expected = {"service support": ["register_organisation"], "commissioner": ["view_market"]}
    for role, user in world.users.items():
        assert rules.actions_for(user, None) == expected.get(role, []), role


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (ServiceStatus.ACTIVE, ["edit_service", "pause", "close"]),
        (ServiceStatus.PAUSED, ["edit_service", "take_referrals", "close"]),
        (ServiceStatus.CLOSED, ["edit_service", "take_referrals"]),
    ],
)
def test_a_services_admins_pause_close_and_reopen_it(world, status, expected):
    world.service.status = status
    for role, user in world.users.items():
        assert rules.actions_for(user, world.service) == (expected if role == "admin" else []), role


@pytest.mark.parametrize(
    ("active", "expected"),
    [
        (True, ["record_training", "remove_training", "deactivate"]),
        (False, ["record_training", "remove_training", "reactivate"]),
    ],
)
def test_an_admin_manages_their_colleagues_accounts_and_training(world, active, expected):
    world.caseworker.is_active = active
    for role, user in world.users.items():
        assert rules.actions_for(user, world.caseworker) == (expected if role == "admin" else []), (
            role
        )


def test_an_admin_cannot_deactivate_themselves_but_a_colleague_can(world):
    assert "deactivate" not in rules.actions_for(world.admin, world.admin)
    with pytest.raises(NotPermitted):
        rules.require(world.admin, "deactivate", world.admin)
    assert "deactivate" in rules.actions_for(world.colleague, world.admin)


def test_require_refuses_who_before_when(world):
    world.service.status = ServiceStatus.CLOSED
    with pytest.raises(NotPermitted):
        rules.require(world.users["other provider admin"], "close", world.service)
    with pytest.raises(StateConflict, match="already closed"):
        rules.require(world.admin, "close", world.service)
    assert rules.require(world.admin, "take_referrals", world.service).target == "active"
    # Someone outside any provider has no organisation to manage services of.
    with pytest.raises(NotPermitted):
        rules.require(world.users["practitioner"], "manage_services", None)


def test_the_services_refuse_as_the_tables_do(world):
    other_admin = world.users["other provider admin"]
    with pytest.raises(NotPermitted):
        services.service_set_status(service=world.service, by=other_admin, status="paused")
    services.service_set_status(service=world.service, by=world.admin, status="closed")
    with pytest.raises(StateConflict):
        services.service_set_status(service=world.service, by=world.admin, status="paused")
    world.service.refresh_from_db()
    assert world.service.status == ServiceStatus.CLOSED
    with pytest.raises(NotPermitted):
        services.organisation_update(
            organisation=world.organisation, by=world.caseworker, data={"description": "Ours"}
        )
    with pytest.raises(NotPermitted):
        services.staff_invite(
            organisation=world.organisation,
            by=other_admin,
            email="new@example.org",
            full_name="New Person",
            role=Role.CASEWORKER,
        )
    with pytest.raises(NotPermitted):
        services.organisation_create(by=world.admin, data={"name": "Another"})


def _allowed_by_require(user, name, obj) -> bool:
    try:
        rules.require(user, name, obj)
    except (NotPermitted, StateConflict):
        return False
    return True


def _assert_equivalent(users, obj):
    policy = rules.policy_for(obj)
    for role, user in users.items():
        offered = rules.actions_for(user, obj)
        assert offered == [name for name in policy.actions if _allowed_by_require(user, name, obj)]
        for name in policy.actions:
            if name not in offered:
                error = NotPermitted if not policy.permitted(user, name, obj) else StateConflict
                with pytest.raises(error):
                    rules.require(user, name, obj)
                assert not rules.allows(user, name, obj), (role, name)


def test_actions_for_offers_exactly_what_require_allows_for_every_role_in_every_state(world):
    users = {**world.users, "colleague": world.colleague}
    _assert_equivalent(users, None)
    _assert_equivalent(users, world.organisation)
    for status in ServiceStatus.values:
        world.service.status = status
        _assert_equivalent(users, world.service)
    for member in (world.caseworker, world.admin):
        for active in (True, False):
            member.is_active = active
            _assert_equivalent(users, member)


def test_each_action_is_in_one_table_so_its_name_finds_it():
    names = [name for policy in rules.POLICIES.values() for name in policy.actions]
    assert len(names) == len(set(names)) == len(rules.POLICY_OF_ACTION)
    assert rules.SERVICE_STEPS == {
        ServiceStatus.PAUSED: "pause",
        ServiceStatus.ACTIVE: "take_referrals",
        ServiceStatus.CLOSED: "close",
    }
