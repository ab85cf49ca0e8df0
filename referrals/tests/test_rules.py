"""The referral's policy (referrals/rules.py): the table as declared, who it lets act in which
state, `require`'s two refusals, `actions_for` equal to what `require` allows for every
person and state, and the referral page offering exactly the actions in `actions_for`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from partnership.errors import NotPermitted, StateConflict
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import rules, selectors, services
from referrals.models import Referral, Status
from referrals.tests.factories import (
    provider_admin_for,
    referral_in,
    sent_on,
    trained_caseworker_for,
)

# The world is built once for the module (below); each test still runs in a savepoint.
pytestmark = pytest.mark.django_db

ALL = frozenset(Status.values)
NOT_CLOSED = frozenset(
    {Status.DRAFT, Status.SENT, Status.RETURNED, Status.ACCEPTED, Status.IN_PROGRESS}
)
WORKING = frozenset({Status.ACCEPTED, Status.IN_PROGRESS})

# The people around one referral. The provider admin has no risk training.
REFERRER, COLLEAGUE, OTHER_PDU = "referrer", "same-PDU practitioner", "other-PDU practitioner"
ADMIN, TRAINED, UNTRAINED = "provider admin", "trained caseworker", "untrained caseworker"
OTHER_PROVIDER = "other organisation's trained caseworker"
OUTSIDERS = ("commissioner", "assessor", "service support")
REFERRING = frozenset({REFERRER, COLLEAGUE})
RECEIVING = frozenset({ADMIN, TRAINED, UNTRAINED})  # never for a draft

# The table, written out again: who (ignoring drafts for the provider), in which states, and
# for a transition where it leads.
TABLE = {
    "send": (REFERRING, {Status.DRAFT, Status.RETURNED}, Status.SENT),
    "accept": (RECEIVING, {Status.SENT}, Status.ACCEPTED),
    "return": (RECEIVING, {Status.SENT}, Status.RETURNED),
    "decline": (RECEIVING, {Status.SENT}, Status.DECLINED),
    "withdraw": (REFERRING, NOT_CLOSED, Status.WITHDRAWN),
    "assign": ({ADMIN}, WORKING, None),
    "start": (RECEIVING, {Status.ACCEPTED}, Status.IN_PROGRESS),
    "complete": (RECEIVING, WORKING, Status.COMPLETED),
    "edit": (REFERRING, NOT_CLOSED, None),
    "upload_document": (REFERRING, NOT_CLOSED, None),
    "remove_document": (REFERRING, NOT_CLOSED, None),
    "delete_draft": ({REFERRER}, {Status.DRAFT}, None),
    "read_risk": (REFERRING | {TRAINED}, ALL, None),
    "record_session": (RECEIVING, WORKING, None),
    "raise_concern": (RECEIVING, WORKING, None),
    "acknowledge_concern": (REFERRING, ALL, None),
    "write_report": (RECEIVING, WORKING, None),
}
TRANSITION_LABELS = {
    "send": "Sent",
    "accept": "Accepted",
    "return": "Returned for information",
    "decline": "Declined",
    "withdraw": "Withdrawn",
    "assign": "Assigned",
    "start": "In progress",
    "complete": "Completed",
}
# What the referral page offers a button, link or form for (`data-action` on each); sending
# is done from checking the answers, starting and completing by the work itself, and risk
# and its documents are shown, not acted on, there.
PAGE_CONTROLS = frozenset(
    {
        "accept",
        "return",
        "decline",
        "withdraw",
        "assign",
        "edit",
        "record_session",
        "raise_concern",
        "write_report",
        "acknowledge_concern",
    }
)


def expected_allowed(person: str, action: str, status: str) -> bool:
    who, states, _ = TABLE[action]
    if person not in REFERRING and status == Status.DRAFT:
        return False  # a draft is the practitioner's alone
    return person in who and status in states


def test_the_table_declares_every_action_with_its_states_targets_and_labels():
    assert list(rules.POLICY.actions) == list(TABLE)
    for name, (_, states, target) in TABLE.items():
        action = rules.POLICY[name]
        declared = ALL if action.states is None else action.states
        assert declared == states, name
        assert action.target == target, name
    for name, label in TRANSITION_LABELS.items():
        assert rules.POLICY[name].label == label


# A world of one referral in every state -----------------------------------------------------


@dataclass
class World:
    people: dict
    referrals: dict  # status -> referral


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        service = make_service()
        trained = trained_caseworker_for(service)  # signs the agreement
        practitioner = UserFactory(role=Role.PRACTITIONER)
        other_service = make_service("Thames housing")
        people = {
            REFERRER: practitioner,
            COLLEAGUE: UserFactory(role=Role.PRACTITIONER, pdu=practitioner.pdu),
            OTHER_PDU: UserFactory(
                role=Role.PRACTITIONER, pdu=Pdu.objects.exclude(pk=practitioner.pdu_id).first()
            ),
            ADMIN: provider_admin_for(service),
            TRAINED: trained,
            UNTRAINED: UserFactory(role=Role.CASEWORKER, organisation=service.organisation),
            OTHER_PROVIDER: trained_caseworker_for(other_service),
            "commissioner": UserFactory(role=Role.COMMISSIONER),
            "assessor": UserFactory(role=Role.ASSESSOR),
            "service support": UserFactory(role=Role.ADMIN, is_staff=True),
        }
        admin = people[ADMIN]
        referrals = {
            status: referral_in(status, practitioner=practitioner, service=service)
            for status in (
                Status.DRAFT,
                Status.SENT,
                Status.RETURNED,
                Status.ACCEPTED,
                Status.DECLINED,
                Status.WITHDRAWN,
            )
        }
        for status in (Status.IN_PROGRESS, Status.COMPLETED):
            referral = referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
            referral = sent_on(referral, timezone.localdate() - timedelta(days=7))
            services.session_record(
                referral=referral,
                by=admin,
                kind="first_contact",
                held_on=timezone.localdate() - timedelta(days=1),
                mode="phone",
                attendance="attended",
            )
            # An open concern: acknowledging it is for the referring PDU whatever follows.
            services.concern_raise(
                referral=referral, by=admin, urgency="routine", what_happened="Missed a call."
            )
            if status == Status.COMPLETED:
                services.report_send(
                    referral=referral,
                    by=admin,
                    closing_reason="completed",
                    summary="Housed.",
                    outcomes={o.pk: ("achieved", "") for o in referral.desired_outcomes.all()},
                )
            referrals[status] = Referral.objects.get(pk=referral.pk)
        assert {r.status for r in referrals.values()} == ALL
        yield World(people=people, referrals=referrals)
        transaction.set_rollback(True)


def _cases():
    people = [REFERRER, COLLEAGUE, OTHER_PDU, ADMIN, TRAINED, UNTRAINED, OTHER_PROVIDER, *OUTSIDERS]
    for person in people:
        for status in sorted(ALL):
            yield pytest.param(person, status, id=f"{person}/{status}".replace(" ", "-"))


@pytest.mark.parametrize(("person", "status"), list(_cases()))
def test_who_may_do_what_in_each_state(world, person, status):
    user, referral = world.people[person], world.referrals[status]
    allowed = {name for name in TABLE if expected_allowed(person, name, status)}
    assert set(rules.actions_for(user, referral)) == allowed


@pytest.mark.parametrize(("person", "status"), list(_cases()))
def test_actions_for_is_exactly_what_require_allows(world, person, status):
    """`require` refuses the relationship first (NotPermitted), then the state
    (StateConflict); `actions_for` lists exactly the actions it lets through."""
    user, referral = world.people[person], world.referrals[status]
    passed = []
    for name in rules.POLICY.actions:
        try:
            rules.require(user, name, referral)
        except NotPermitted:
            assert not rules.permitted(user, name, referral), name
        except StateConflict:
            assert rules.permitted(user, name, referral), name
            assert status not in rules.POLICY[name].states, name
        else:
            passed.append(name)
    assert rules.actions_for(user, referral) == passed


def test_require_says_not_permitted_before_the_state(world):
    declined = world.referrals[Status.DECLINED]
    # Neither the practitioner's to accept nor acceptable now: the relationship is refused.
    with pytest.raises(NotPermitted):
        rules.require(world.people[REFERRER], "accept", declined)
    with pytest.raises(StateConflict, match="A referral that is declined cannot be accepted"):
        rules.require(world.people[ADMIN], "accept", declined)
    in_progress = world.referrals[Status.IN_PROGRESS]
    with pytest.raises(StateConflict, match="in progress cannot be started"):
        rules.require(world.people[TRAINED], "start", in_progress)
    assert rules.require(world.people[ADMIN], "assign", in_progress).target is None


@pytest.mark.parametrize(
    ("person", "reason"),
    [
        (REFERRER, None),
        (COLLEAGUE, None),
        (OTHER_PDU, "another PDU's referral"),
        (ADMIN, "no current risk training"),
        (TRAINED, None),
        (UNTRAINED, "no current risk training"),
        (OTHER_PROVIDER, "another organisation's referral"),
        ("commissioner", "role without access to risk information"),
        ("service support", "role without access to risk information"),
    ],
)
def test_risk_denial_says_why_in_the_access_logs_words(world, person, reason):
    referral = world.referrals[Status.SENT]
    assert rules.risk_denial(world.people[person], referral) == reason
    assert rules.allows(world.people[person], "read_risk", referral) is (reason is None)


def test_the_provider_reads_no_risk_of_a_draft(world):
    draft = world.referrals[Status.DRAFT]
    assert rules.risk_denial(world.people[TRAINED], draft) == "another organisation's referral"


@pytest.mark.parametrize(("person", "status"), list(_cases()))
def test_the_scope_is_the_queryset_form_of_can_see(world, person, status):
    user, referral = world.people[person], world.referrals[status]
    listed = selectors.referral_list_visible_to(user=user).filter(pk=referral.pk).exists()
    assert listed is bool(rules.can_see(user, referral))


# The referral page offers exactly the actions allowed ---------------------------------------

CONTROL = re.compile(r'data-action="([a-z_]+)"')


def _page_cases():
    for person in (REFERRER, COLLEAGUE, ADMIN, TRAINED, UNTRAINED):
        for status in sorted(ALL):
            if status == Status.DRAFT and person not in REFERRING:
                continue  # the provider never sees a draft
            yield pytest.param(person, status, id=f"{person}/{status}".replace(" ", "-"))


@pytest.mark.parametrize(("person", "status"), list(_page_cases()))
def test_the_referral_page_shows_exactly_the_allowed_actions(world, person, status):
    user, referral = world.people[person], world.referrals[status]
    client = Client()
    client.force_login(user)
    with transaction.atomic():
        response = client.get(f"/referrals/{referral.public_id}/")
        transaction.set_rollback(True)
    assert response.status_code == 200
    page = response.content.decode()
    shown = set(CONTROL.findall(page))
    expected = set(rules.actions_for(user, referral)) & PAGE_CONTROLS
    if not referral.concerns.filter(acknowledged_at__isnull=True).exists():
        expected.discard("acknowledge_concern")  # one button per open concern: none here
    assert shown == expected
    # Risk is on the page exactly when it may be read.
    assert ('data-testid="risk"' in page) is rules.allows(user, "read_risk", referral)


def test_the_detail_page_asks_for_risk_only_of_those_who_may_read_it(world):
    """An untrained caseworker's page computes the refusal, and reads nothing."""
    referral = world.referrals[Status.SENT]
    client = Client()
    client.force_login(world.people[UNTRAINED])
    with transaction.atomic(), mock.patch.object(services, "risk_read") as risk_read:
        assert client.get(f"/referrals/{referral.public_id}/").status_code == 200
        transaction.set_rollback(True)
    risk_read.assert_not_called()


@pytest.mark.parametrize("status", sorted(NOT_CLOSED))
def test_checking_the_answers_offers_sending_only_when_it_is_allowed(world, status):
    referral = world.referrals[status]
    client = Client()
    client.force_login(world.people[REFERRER])
    with transaction.atomic():
        response = client.get(f"/referrals/{referral.public_id}/check/")
        transaction.set_rollback(True)
    assert response.status_code == 200
    sends = 'data-action="send"' in response.content.decode()
    assert sends is (status in (Status.DRAFT, Status.RETURNED))
