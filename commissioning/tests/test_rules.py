"""The tables of commissioning/rules.py: who may do what to a round, an application, an
assessment and an agreement, in which states; `require` refuses the relationship
(`NotPermitted`) before the state (`StateConflict`); `actions_for` offers exactly what
`require` allows, for every role in every state; and the scoping selectors agree with the
relationship they stand for."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from commissioning import rules, selectors
from commissioning.models import Agreement, Application, FundingRound
from commissioning.tests.factories import (
    AgreementFactory,
    ApplicationFactory,
    AssessorAssignmentFactory,
    FundingRoundFactory,
    LotFactory,
)
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Region, Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory

pytestmark = pytest.mark.django_db

RoundStatus = FundingRound.Status
ApplicationStatus = Application.Status
AgreementStatus = Agreement.Status


@pytest.fixture
def world():
    """A round led by one body and co-funded by another, in Greater Manchester; a third
    body also covers Greater Manchester, a fourth only London. One application to it, with
    an assigned assessor, and someone of every role around it."""
    manchester, london = Region.objects.get(code="L"), Region.objects.get(code="J")
    lead_body = CommissioningBodyFactory(regions=[manchester])
    co_funder = CommissioningBodyFactory(regions=[london])
    neighbour = CommissioningBodyFactory(regions=[manchester])
    elsewhere = CommissioningBodyFactory(regions=[london])
    funding_round = FundingRoundFactory(lead_body=lead_body, co_funders=[co_funder])
    application = ApplicationFactory(lot=LotFactory(funding_round=funding_round))
    assignment = AssessorAssignmentFactory(application=application)
    users = {
        "lead commissioner": UserFactory(role=Role.COMMISSIONER, commissioning_body=lead_body),
        "co-funder commissioner": UserFactory(role=Role.COMMISSIONER, commissioning_body=co_funder),
        "regional commissioner": UserFactory(role=Role.COMMISSIONER, commissioning_body=neighbour),
        "other commissioner": UserFactory(role=Role.COMMISSIONER, commissioning_body=elsewhere),
        "assigned assessor": assignment.assessor,
        "lead body's assessor": UserFactory(role=Role.ASSESSOR, commissioning_body=lead_body),
        "applicant's admin": application.created_by,
        "applicant's caseworker": UserFactory(
            role=Role.CASEWORKER, organisation=application.organisation
        ),
        "other provider admin": UserFactory(role=Role.PROVIDER_ADMIN),
        "practitioner": UserFactory(role=Role.PRACTITIONER),
        "service support": UserFactory(role=Role.ADMIN),
        "anonymous": AnonymousUser(),
    }
    return SimpleNamespace(
        round=funding_round, application=application, assignment=assignment, users=users
    )


# The tables, as the product states them ----------------------------------------------------

LEAD_ON_ROUND = {
    RoundStatus.DRAFT: [
        "edit_terms",
        "add_lot",
        "add_criterion",
        "edit_lot",
        "remove_lot",
        "edit_criterion",
        "remove_criterion",
        "consult",
        "view_market_health",
    ],
    RoundStatus.CONSULTATION: [
        "edit_terms",
        "add_lot",
        "add_criterion",
        "edit_lot",
        "remove_lot",
        "edit_criterion",
        "remove_criterion",
        "open",
        "view_market_health",
    ],
    RoundStatus.OPEN: [
        "close_applications",
        "assign_assessors",
        "moderate",
        "view_market_health",
    ],
    RoundStatus.ASSESSMENT: ["award", "assign_assessors", "moderate", "view_market_health"],
    RoundStatus.AWARDED: ["close", "moderate", "view_market_health"],
    RoundStatus.CLOSED: ["moderate", "view_market_health"],
}
# Commissioners of the round who do not lead it: they follow it, they do not change it.
FOLLOWER_ON_ROUND = {
    status: [name for name in ("moderate", "view_market_health") if name in actions]
    for status, actions in LEAD_ON_ROUND.items()
}
PROVIDER_ON_ROUND = {
    RoundStatus.DRAFT: [],
    RoundStatus.CONSULTATION: ["comment"],
    RoundStatus.OPEN: ["apply"],
    RoundStatus.ASSESSMENT: [],
    RoundStatus.AWARDED: [],
    RoundStatus.CLOSED: [],
}
NOTHING = dict.fromkeys(RoundStatus.values, [])


def _round_expected(role):
    if role == "lead commissioner":
        return LEAD_ON_ROUND
    if role in ("co-funder commissioner", "regional commissioner"):
        return FOLLOWER_ON_ROUND
    if role in ("applicant's admin", "other provider admin"):
        return PROVIDER_ON_ROUND
    return NOTHING


@pytest.mark.parametrize("status", RoundStatus.values)
def test_who_may_do_what_to_a_round_in_each_state(world, status):
    world.round.status = status
    for role, user in world.users.items():
        assert rules.actions_for(user, world.round) == _round_expected(role)[status], role


def _application_expected(role, status, round_status, agreed=False):
    if role == "applicant's admin":
        if round_status != RoundStatus.OPEN:
            return []
        if status == ApplicationStatus.DRAFT:
            return ["edit", "submit", "withdraw"]
        return ["withdraw"] if status == ApplicationStatus.SUBMITTED else []
    if role == "lead commissioner":
        expected = ["view_assessment"]
        if status == ApplicationStatus.SUBMITTED and round_status in (
            RoundStatus.OPEN,
            RoundStatus.ASSESSMENT,
        ):
            expected.append("assign_assessor")
        if status == ApplicationStatus.SUBMITTED and round_status == RoundStatus.ASSESSMENT:
            expected.append("decide")
        if status == ApplicationStatus.SUCCESSFUL and not agreed:
            expected.append("create_agreement")
        return expected
    return []


@pytest.mark.parametrize("round_status", RoundStatus.values)
@pytest.mark.parametrize("status", ApplicationStatus.values)
def test_who_may_do_what_to_an_application_in_each_state(world, status, round_status):
    application = world.application
    application.status, application.lot.funding_round.status = status, round_status
    for role, user in world.users.items():
        assert rules.actions_for(user, application) == _application_expected(
            role, status, round_status
        ), role


def test_a_successful_application_gets_one_agreement(world):
    lead = world.users["lead commissioner"]
    application = ApplicationFactory(lot=world.application.lot, status=ApplicationStatus.SUCCESSFUL)
    assert "create_agreement" in rules.actions_for(lead, application)
    AgreementFactory(application=application)
    application = Application.objects.get(pk=application.pk)
    assert rules.application_state(application) == rules.AGREED
    assert "create_agreement" not in rules.actions_for(lead, application)
    with pytest.raises(StateConflict, match="without an agreement"):
        rules.require(lead, "create_agreement", application)


@pytest.mark.parametrize(
    ("application_status", "round_status", "declared", "has_conflict", "expected"),
    [
        ("submitted", "open", False, False, ["declare_conflict"]),
        ("submitted", "assessment", True, False, ["declare_conflict", "score"]),
        ("submitted", "assessment", True, True, ["declare_conflict"]),
        ("successful", "assessment", True, False, []),
        ("submitted", "awarded", True, False, []),
        ("withdrawn", "open", False, False, []),
    ],
)
def test_the_assigned_assessor_declares_then_scores_while_the_assessment_is_open(
    world, application_status, round_status, declared, has_conflict, expected
):
    from django.utils import timezone

    assignment = world.assignment
    assignment.application.status = application_status
    assignment.application.lot.funding_round.status = round_status
    assignment.conflict_declared_at = timezone.now() if declared else None
    assignment.has_conflict = has_conflict
    for role, user in world.users.items():
        assert rules.actions_for(user, assignment) == (
            expected if role == "assigned assessor" else []
        ), role


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (AgreementStatus.MOBILISING, ["set_status", "go_live", "terminate"]),
        (AgreementStatus.LIVE, ["set_status", "end", "terminate"]),
        (AgreementStatus.ENDED, []),
        (AgreementStatus.TERMINATED, []),
    ],
)
def test_only_the_lead_commissioner_moves_an_agreement_on(world, status, expected):
    agreement = AgreementFactory(
        application=ApplicationFactory(
            lot=world.application.lot, status=ApplicationStatus.SUCCESSFUL
        ),
        status=status,
    )
    for role, user in world.users.items():
        assert rules.actions_for(user, agreement) == (
            expected if role == "lead commissioner" else []
        ), role
    assert rules.AGREEMENT_STEPS == {
        AgreementStatus.LIVE: "go_live",
        AgreementStatus.ENDED: "end",
        AgreementStatus.TERMINATED: "terminate",
    }


def test_what_is_done_to_no_round_yet(world):
    expected = {
        "lead commissioner": [
            "list_rounds",
            "create_round",
            "view_market_trends",
            "list_agreements",
        ],
        "assigned assessor": ["list_rounds", "list_assessments"],
        "applicant's admin": ["list_rounds", "list_agreements"],
        "applicant's caseworker": [],
        "practitioner": [],
        "service support": [],
        "anonymous": [],
    }
    for role, actions in expected.items():
        assert rules.actions_for(world.users[role], None) == actions, role
    # A commissioner not placed in a commissioning body has nothing to lead a round from
    # (the database refuses such an account; the rule does not rely on it).
    unplaced = UserFactory.build(role=Role.COMMISSIONER, commissioning_body=None)
    assert rules.actions_for(unplaced, None) == ["list_rounds", "list_agreements"]


def test_the_round_steps_are_the_state_machine_from_draft_to_closed():
    assert rules.ROUND_STEPS == ("consult", "open", "close_applications", "award", "close")
    chain = [(rules.ROUNDS[name].states, rules.ROUNDS[name].target) for name in rules.ROUND_STEPS]
    assert [(set(states), target) for states, target in chain] == [
        ({RoundStatus.DRAFT}, RoundStatus.CONSULTATION),
        ({RoundStatus.CONSULTATION}, RoundStatus.OPEN),
        ({RoundStatus.OPEN}, RoundStatus.ASSESSMENT),
        ({RoundStatus.ASSESSMENT}, RoundStatus.AWARDED),
        ({RoundStatus.AWARDED}, RoundStatus.CLOSED),
    ]


# require: the relationship before the state ---------------------------------------------


def test_require_refuses_who_before_when(world):
    world.round.status = RoundStatus.OPEN
    # Wrong person and wrong state: the person is what is refused.
    with pytest.raises(NotPermitted):
        rules.require(world.users["co-funder commissioner"], "consult", world.round)
    with pytest.raises(NotPermitted):
        rules.require(world.users["applicant's admin"], "consult", world.round)
    with pytest.raises(StateConflict, match="A round that is open for applications cannot"):
        rules.require(world.users["lead commissioner"], "consult", world.round)
    step = rules.require(world.users["lead commissioner"], "close_applications", world.round)
    assert step.target == RoundStatus.ASSESSMENT


def test_refusal_says_why_the_state_stops_an_action_and_raises_for_the_wrong_person(world):
    world.round.status = RoundStatus.OPEN
    lead = world.users["lead commissioner"]
    assert rules.refusal(lead, "add_lot", world.round) == [
        "Lots can only be added before the round opens"
    ]
    assert rules.refusal(lead, "close_applications", world.round) == []
    with pytest.raises(NotPermitted):
        rules.refusal(world.users["regional commissioner"], "add_lot", world.round)


# actions_for is exactly what require allows ----------------------------------------------


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
            if name in offered:
                continue
            error = NotPermitted if not policy.permitted(user, name, obj) else StateConflict
            with pytest.raises(error):
                rules.require(user, name, obj)
            assert rules.allows(user, name, obj) is False, (role, name)


def test_actions_for_offers_exactly_what_require_allows_for_every_role_in_every_state(world):
    from django.utils import timezone

    agreement = AgreementFactory(
        application=ApplicationFactory(
            lot=world.application.lot, status=ApplicationStatus.SUCCESSFUL
        )
    )
    _assert_equivalent(world.users, None)
    for round_status in RoundStatus.values:
        world.round.status = round_status
        _assert_equivalent(world.users, world.round)
        world.application.lot.funding_round.status = round_status
        for status in ApplicationStatus.values:
            world.application.status = status
            _assert_equivalent(world.users, world.application)
            for declared in (None, timezone.now()):
                world.assignment.conflict_declared_at = declared
                _assert_equivalent(world.users, world.assignment)
    for status in AgreementStatus.values:
        agreement.status = status
        _assert_equivalent(world.users, agreement)


# The scoping selectors and the relationship they stand for -------------------------------


def test_the_rounds_commissioning_staff_see_are_those_they_commission(world):
    others = [
        FundingRoundFactory(lead_body=world.users["other commissioner"].commissioning_body),
        FundingRoundFactory(regions=[Region.objects.get(code="J")]),
    ]
    rounds = [world.round, *others]
    for role in (
        "lead commissioner",
        "co-funder commissioner",
        "regional commissioner",
        "other commissioner",
        "assigned assessor",
    ):
        user = world.users[role]
        visible = set(selectors.round_list_visible_to(user=user))
        assert visible & set(rounds) == {r for r in rounds if rules.commissions_round(user, r)}
    assert rules.commissions_round(world.users["co-funder commissioner"], world.round)
    assert rules.commissions_round(world.users["regional commissioner"], world.round)
    assert not rules.commissions_round(world.users["other commissioner"], world.round)


def test_only_the_lead_is_the_lead(world):
    lead = world.users["lead commissioner"]
    assert rules.is_lead_commissioner(lead, world.round)
    for role, user in world.users.items():
        if role != "lead commissioner":
            assert not rules.is_lead_commissioner(user, world.round), role
    # An assessor of the lead body is not its commissioner.
    assert not rules.is_lead_commissioner(world.users["lead body's assessor"], world.round)


def test_each_action_is_in_one_table_so_its_name_finds_it():
    names = [name for policy in rules.POLICIES.values() for name in policy.actions]
    assert len(names) == len(set(names)) == len(rules.POLICY_OF_ACTION)
