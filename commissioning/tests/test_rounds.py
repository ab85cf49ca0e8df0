"""A round from draft to awarded, its guards, eligibility, assessment and market health."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from commissioning import selectors, services
from commissioning.market import market_health
from commissioning.models import FundingRound
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from partnership.errors import NotPermitted, StateConflict
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from providers.models import Organisation
from providers.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner():
    return UserFactory(role=Role.COMMISSIONER)


def test_a_round_cannot_open_without_lots_or_over_its_budget(commissioner):
    funding_round = new_round(commissioner, budget=100_000)
    with pytest.raises(StateConflict, match="Add at least one lot"):
        services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    add_lot(funding_round, commissioner, "Housing", 80_000)
    add_lot(funding_round, commissioner, "Recovery", 40_000)
    with pytest.raises(StateConflict, match="more than the round's budget"):
        services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    with pytest.raises(StateConflict):
        services.round_transition(funding_round=funding_round, by=commissioner, action="award")
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.DRAFT


def test_only_the_lead_commissioner_changes_a_round(commissioner):
    funding_round = new_round(commissioner)
    with pytest.raises(NotPermitted):
        add_lot(funding_round, UserFactory(role=Role.COMMISSIONER), "Housing", 10_000)


def test_late_ineligible_and_duplicate_applications_are_refused(commissioner):
    funding_round = new_round(commissioner)
    ring_fenced = add_lot(
        funding_round, commissioner, "Small organisations' housing", 100_000, ceiling=100_000
    )
    open_round(funding_round, commissioner)

    with pytest.raises(ValidationError, match="annual income under £100,000"):
        apply(ring_fenced, income=2_000_000)

    application, admin = apply(ring_fenced, income=50_000)
    with pytest.raises(ValidationError, match="already applied"):
        services.application_save(lot=ring_fenced, by=admin, data={})

    outsider = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=10_000)
    )
    with pytest.raises(ValidationError, match="lot's area"):
        services.application_save(
            lot=ring_fenced, by=outsider, data={}, pdus=Pdu.objects.filter(region__code="J")[:1]
        )

    late_admin = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=10_000)
    )
    draft = services.application_save(lot=ring_fenced, by=late_admin, data={"approach": "x"})
    FundingRound.objects.filter(pk=funding_round.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(StateConflict, match="round has closed"):
        services.application_submit(application=draft, by=late_admin)


def test_a_round_walks_to_awarded_and_market_health_is_exact(commissioner):
    funding_round = new_round(commissioner)
    add_lot(funding_round, commissioner, "Wellbeing", 50_000, slug="emotional-wellbeing")
    single = add_lot(funding_round, commissioner, "Recovery", 100_000, slug="dependency-recovery")
    contested = add_lot(funding_round, commissioner, "Housing", 150_000)
    open_round(funding_round, commissioner)

    sole, _ = apply(single, income=50_000, amount=60_000)  # small, local
    first, _ = apply(contested, income=500_000, amount=90_000)  # medium, local
    second, _ = apply(
        contested, income=40_000_000, reach="national", amount=30_000
    )  # major, national
    third, _ = apply(contested, income=5_000, amount=20_000)  # micro, local

    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    assignment = services.assessor_assign(application=first, by=commissioner, assessor=assessor)
    assert not selectors.application_list_visible_to(user=assessor).exists()
    with pytest.raises(NotPermitted):
        services.scores_record(assignment=assignment, by=assessor, scores={})
    services.conflict_declare(assignment=assignment, by=assessor, has_conflict=False)
    assert list(selectors.application_list_visible_to(user=assessor)) == [first]
    criteria = list(funding_round.criteria.all())
    services.scores_record(
        assignment=assignment, by=assessor, scores={c.pk: (4, "") for c in criteria}
    )

    for application, successful in [(sole, True), (first, True), (second, True), (third, False)]:
        services.application_decide(
            application=application, by=commissioner, successful=successful, feedback="Thank you."
        )
    services.round_transition(funding_round=funding_round, by=commissioner, action="award")

    health = market_health(funding_round=funding_round)
    assert [lot["bidders"] for lot in health["lots"]] == [0, 1, 3]
    assert health["lots_with_one_bidder_or_none"] == 2
    assert health["share_of_lots_with_one_bidder_or_none"] == Decimal("66.7")
    # Awards: 60,000 small + 90,000 medium + 30,000 major = 180,000.
    assert health["total_awarded"] == 180_000
    assert health["awarded_by_size_band"] == {
        "small": Decimal("33.3"),
        "medium": Decimal("50.0"),
        "major": Decimal("16.7"),
    }
    assert health["awarded_to_national"] == Decimal("16.7")
    assert health["awarded_to_largest_six"] == Decimal("100.0")
    # HHI: 33.33² + 50² + 16.67² = 1111.1 + 2500 + 277.8 = 3888.9
    assert health["hhi"] == 3889


def test_agreements_need_a_justification_for_short_terms_or_no_break_clause(commissioner):
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    services.application_decide(
        application=application, by=commissioner, successful=True, feedback="Well done."
    )
    start = date(2027, 4, 1)
    with pytest.raises(ValidationError, match="shorter than 24 months"):
        services.agreement_create(
            application=application,
            by=commissioner,
            value=100_000,
            starts_on=start,
            ends_on=date(2028, 3, 31),
            break_clause_dates=[date(2027, 10, 1)],
        )
    with pytest.raises(ValidationError, match="no break clause"):
        services.agreement_create(
            application=application,
            by=commissioner,
            value=100_000,
            starts_on=start,
            ends_on=date(2029, 4, 1),
            break_clause_dates=[],
        )
    agreement = services.agreement_create(
        application=application,
        by=commissioner,
        value=100_000,
        starts_on=start,
        ends_on=date(2029, 4, 1),
        break_clause_dates=[date(2028, 4, 1)],
    )
    assert agreement.mechanism == "grant" and agreement.status == "mobilising"
    services.agreement_set_status(agreement=agreement, by=commissioner, status="live")
    with pytest.raises(StateConflict):
        services.agreement_set_status(agreement=agreement, by=commissioner, status="mobilising")


def test_providers_see_only_their_own_applications(commissioner):
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    mine, admin = apply(lot, income=50_000)
    theirs, _ = apply(lot, income=60_000)
    assert list(selectors.application_list_visible_to(user=admin)) == [mine]
    assert set(selectors.application_list_visible_to(user=commissioner)) == {mine, theirs}
    assert not selectors.application_list_visible_to(
        user=UserFactory(role=Role.PRACTITIONER)
    ).exists()
    assert Organisation.objects.count() >= 2


def test_a_services_page_shows_the_agreement_that_funds_it(client, commissioner):
    from providers.tests.factories import make_service

    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, admin = apply(lot, income=50_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    services.application_decide(
        application=application, by=commissioner, successful=True, feedback="Yes."
    )
    service = make_service(organisation=application.organisation)
    services.agreement_create(
        application=application,
        by=commissioner,
        value=90_000,
        starts_on=date(2027, 4, 1),
        ends_on=date(2029, 4, 1),
        break_clause_dates=[date(2028, 4, 1)],
        services={service: 15},
    )
    client.force_login(admin)
    page = client.get(f"/services/{service.pk}/").content.decode()
    assert (
        'data-testid="funded-by"' in page
        and funding_round.title in page
        and "15 referrals a month" in page
    )
