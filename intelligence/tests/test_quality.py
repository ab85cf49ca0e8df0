"""Referral quality from the provider's side: an optional rating on accepting, returning or
declining, saved with the decision or not at all, and the PDU's figures on the practitioner's
home page."""

from __future__ import annotations

import pytest

from intelligence import figures, services
from intelligence.models import QualityRating
from partnership.errors import NotPermitted
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent():
    return referral_in(Status.SENT)


def _act(client, referral, action, data):
    client.force_login(provider_admin_for(referral.service))
    return client.post(f"/referrals/{referral.public_id}/{action}/", data)


@pytest.mark.parametrize("action", ["accept", "return", "decline"])
def test_the_decision_pages_ask_for_an_optional_rating(client, sent, action):
    client.force_login(provider_admin_for(sent.service))

    page = client.get(f"/referrals/{sent.public_id}/{action}/").content.decode()

    assert 'data-testid="quality-rating"' in page
    assert 'name="quality-rating"' in page and 'name="quality-missing"' in page


def test_withdrawing_does_not_ask(client, sent):
    client.force_login(sent.practitioner)

    page = client.get(f"/referrals/{sent.public_id}/withdraw/").content.decode()

    assert "quality-rating" not in page


def test_accepting_with_a_rating_keeps_it_with_the_referral(client, sent):
    response = _act(client, sent, "accept", {"quality-rating": "complete"})

    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Status.ACCEPTED
    rating = QualityRating.objects.get(referral=sent)
    assert (rating.rating, rating.missing, rating.decision) == ("complete", [], "accept")


def test_returning_says_what_was_missing(client, sent):
    response = _act(
        client,
        sent,
        "return",
        {
            "reason": "Please add the risk assessment date.",
            "quality-rating": "missing",
            "quality-missing": ["risk_date", "sentence"],
        },
    )

    assert response.status_code == 302
    rating = QualityRating.objects.get(referral=sent)
    assert (rating.rating, rating.missing, rating.decision) == (
        "missing",
        ["risk_date", "sentence"],
        "return",
    )


def test_a_decision_without_a_rating_is_a_decision_all_the_same(client, sent):
    response = _act(client, sent, "decline", {"reason": "no_capacity"})

    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == Status.DECLINED
    assert not QualityRating.objects.exists()


def test_an_inconsistent_rating_stops_the_decision_with_an_error(client, sent):
    response = _act(client, sent, "accept", {"quality-rating": "missing"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page and "Select what was missing" in page
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert not QualityRating.objects.exists()


def test_a_refused_decision_keeps_no_rating(client, sent):
    # Declining for "other" needs a note: the decision is refused, and the rating with it.
    response = _act(client, sent, "decline", {"reason": "other", "quality-rating": "unusable"})

    assert response.status_code == 200
    sent.refresh_from_db()
    assert sent.status == Status.SENT
    assert not QualityRating.objects.exists()


def test_only_the_receiving_organisation_rates(sent):
    for user in [sent.practitioner, UserFactory(role=Role.PROVIDER_ADMIN)]:
        with pytest.raises(NotPermitted):
            services.quality_rate(referral=sent, by=user, decision="accept", rating="complete")


def test_the_service_checks_the_rating_is_consistent(sent):
    admin = provider_admin_for(sent.service)
    with pytest.raises(Exception, match="only when"):
        services.quality_rate(
            referral=sent, by=admin, decision="accept", rating="complete", missing=["risk"]
        )
    with pytest.raises(Exception, match="rated on"):
        services.quality_rate(referral=sent, by=admin, decision="assign", rating="complete")


def test_a_pdus_figures_count_its_referrals_only(practitioner):
    mine = [referral_in(Status.SENT, practitioner=practitioner) for _ in range(3)]
    theirs = referral_in(Status.SENT, practitioner=UserFactory(pdu=Pdu.objects.get(name="Lambeth")))
    for referral, rating, missing in zip(
        [*mine, theirs],
        ["complete", "missing", "missing", "unusable"],
        [[], ["risk"], ["risk", "needs"], []],
        strict=True,
    ):
        services.quality_rate(
            referral=referral,
            by=provider_admin_for(referral.service),
            decision="accept",
            rating=rating,
            missing=missing,
        )

    quality = figures.referral_quality(
        pdus=[practitioner.pdu], months=figures.unmet_need_months(months=6)
    )

    assert quality.rated == 3
    assert [(value, count) for value, _, count, _ in quality.by_rating] == [
        ("complete", 1),
        ("missing", 2),
        ("unusable", 0),
    ]
    assert quality.missing[0] == ("Risk of serious harm levels or summary", 2)
    assert quality.complete_by_month[-1][1:] == (3, 33.3)


def test_the_practitioners_home_shows_the_pdus_panel(client, practitioner):
    referral = referral_in(Status.SENT, practitioner=practitioner)
    services.quality_rate(
        referral=referral,
        by=provider_admin_for(referral.service),
        decision="return",
        rating="missing",
        missing=["documents"],
    )
    client.force_login(practitioner)

    page = client.get("/").content.decode()

    assert 'data-testid="quality-panel"' in page
    assert 'data-testid="quality-missing"' in page
    assert "Risk documents or licence conditions (1)" in page


def test_nobody_else_sees_the_panel(client, commissioner):
    client.force_login(commissioner)

    assert "quality-panel" not in client.get("/").content.decode()
