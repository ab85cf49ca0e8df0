"""Assessors per lot: the lead commissioner assigns an assessor of a body funding the round
(the lead body or a co-funder) to a lot, and they then assess every application submitted to
it; the assessor's home lists what they must declare and score."""

import pytest
from django.core.exceptions import ValidationError
from django.utils.html import escape

from commissioning import rules, selectors, services
from commissioning.models import AssessorAssignment, LotAssessor
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from partnership.errors import NotPermitted
from partnership.models import Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    commissioner = UserFactory(role=Role.COMMISSIONER)
    co_funder = CommissioningBodyFactory()
    funding_round = new_round(commissioner)
    funding_round.co_funders.set([co_funder])
    lot = add_lot(funding_round, commissioner, "Wellbeing", 100_000)
    other_lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=co_funder)
    return commissioner, funding_round, lot, other_lot, assessor


def _url(lot):
    return f"/funding-rounds/lots/{lot.pk}/assessors/"


def test_a_co_funders_assessor_assigned_to_a_lot_assesses_its_bids_before_and_after(client, world):
    commissioner, funding_round, lot, other_lot, assessor = world
    before, _ = apply(lot, income=50_000)
    elsewhere, _ = apply(other_lot, income=50_000)
    client.force_login(commissioner)
    page = client.get(_url(lot)).content.decode()
    assert f'<option value="{assessor.pk}">{escape(assessor.get_full_name())}' in page
    response = client.post(_url(lot), {"assessor": assessor.pk})
    assert response.status_code == 302
    assert LotAssessor.objects.filter(lot=lot, assessor=assessor).exists()
    after, _ = apply(lot, income=60_000)
    assigned = set(
        AssessorAssignment.objects.filter(assessor=assessor).values_list(
            "application_id", flat=True
        )
    )
    # Both bids for the lot, the one before and the one after; none for the other lot.
    assert assigned == {before.pk, after.pk} and elsewhere.pk not in assigned
    # Once assigned, the assessor is no longer offered; with no one left the page says why.
    page = client.get(_url(lot)).content.decode()
    assert 'data-testid="no-assessors"' in page and "already assigned" in page


def test_an_empty_list_says_why_and_how_to_fix_it(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Wellbeing", 100_000)
    open_round(funding_round, commissioner)
    # An assessor of a body that does not fund the round is not offered.
    stranger = UserFactory(role=Role.ASSESSOR, commissioning_body=CommissioningBodyFactory())
    client.force_login(commissioner)
    page = client.get(_url(lot)).content.decode()
    assert "No assessors belong to the commissioning bodies funding this round" in page
    assert "Ask service support to add an assessor" in page
    assert commissioner.commissioning_body.name in page
    assert stranger.email not in page
    refused = client.post(_url(lot), {"assessor": stranger.pk})
    assert refused.status_code == 400
    assert not LotAssessor.objects.exists()


def test_only_assessors_of_the_funding_bodies_may_be_assigned_in_the_service(world):
    commissioner, funding_round, lot, _, assessor = world
    stranger = UserFactory(role=Role.ASSESSOR, commissioning_body=CommissioningBodyFactory())
    with pytest.raises(ValidationError):
        services.lot_assessor_assign(lot=lot, by=commissioner, assessor=stranger)
    not_an_assessor = UserFactory(
        role=Role.COMMISSIONER, commissioning_body=funding_round.co_funders.get()
    )
    with pytest.raises(ValidationError):
        services.lot_assessor_assign(lot=lot, by=commissioner, assessor=not_an_assessor)
    assert rules.may_assess_round(assessor, funding_round)
    assert not rules.may_assess_round(stranger, funding_round)
    assessor.is_active = False
    assert not rules.may_assess_round(assessor, funding_round)


def test_the_page_is_404_out_of_scope_and_head_does_not_write(client, world):
    commissioner, funding_round, lot, _, assessor = world
    # A commissioner of a body that covers the region but does not lead the round.
    other = UserFactory(role=Role.COMMISSIONER)
    for user in (
        other,
        assessor,
        UserFactory(role=Role.PROVIDER_ADMIN),
        UserFactory(role=Role.PRACTITIONER),
    ):
        client.force_login(user)
        assert client.get(_url(lot)).status_code == 404
        assert client.post(_url(lot), {"assessor": assessor.pk}).status_code == 404
    with pytest.raises(NotPermitted):
        services.lot_assessor_assign(lot=lot, by=other, assessor=assessor)
    client.force_login(commissioner)
    assert client.get("/funding-rounds/lots/999999/assessors/").status_code == 404
    assert client.head(_url(lot), {"assessor": assessor.pk}).status_code == 200
    assert not LotAssessor.objects.exists()


def test_the_assessors_home_lists_what_to_declare_and_score_with_links(client, world):
    commissioner, funding_round, lot, _, assessor = world
    first, _ = apply(lot, income=50_000)
    second, _ = apply(lot, income=60_000)
    services.lot_assessor_assign(lot=lot, by=commissioner, assessor=assessor)
    to_score = AssessorAssignment.objects.get(assessor=assessor, application=second)
    services.conflict_declare(assignment=to_score, by=assessor, has_conflict=False)
    to_declare = AssessorAssignment.objects.get(assessor=assessor, application=first)
    work = selectors.assessor_work(user=assessor)
    assert work["to_declare"] == [to_declare] and work["to_score"] == [to_score]
    client.force_login(assessor)
    page = client.get("/").content.decode()
    declare = page[page.index('data-testid="to-declare"') : page.index('data-testid="to-score"')]
    score = page[page.index('data-testid="to-score"') :]
    assert f'href="/assessments/{to_declare.pk}/"' in declare
    assert f'href="/assessments/{to_score.pk}/"' in score
    assert f'href="/assessments/{to_declare.pk}/"' not in score
    # Scored, it leaves the list.
    services.scores_record(
        assignment=to_score,
        by=assessor,
        scores={c.pk: (3, "") for c in funding_round.criteria.all()},
    )
    assert selectors.assessor_work(user=assessor)["to_score"] == []


def test_the_round_page_links_its_lead_commissioner_to_each_lots_assessors(client, world):
    commissioner, funding_round, lot, other_lot, _ = world
    client.force_login(commissioner)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert f'href="{_url(lot)}"' in page and f'href="{_url(other_lot)}"' in page


def test_assigning_to_one_application_says_why_when_no_one_can_be_chosen(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Wellbeing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)
    client.force_login(commissioner)
    url = f"/funding/applications/{application.public_id}/assessors/new/"
    page = client.get(url).content.decode()
    assert "No assessors belong to the commissioning bodies funding this round" in page
    assert "<select" not in page
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    page = client.get(url).content.decode()
    assert f'<option value="{assessor.pk}">' in page
    assert f'href="/funding-rounds/lots/{lot.pk}/assessors/"' in page
    assert client.post(url, {"assessor": assessor.pk}).status_code == 302
    page = client.get(url).content.decode()
    assert "already assigned to this application" in page
