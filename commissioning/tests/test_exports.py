"""The 360Giving and OCDS exports validate against the standards' schemas."""

from datetime import date

import pytest

from commissioning import services
from commissioning.exports import record_grants, record_releases
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from commissioning.tests.standards import assert_valid, giving_validator, ocds_validator
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db


def awarded_round(mechanism):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    if mechanism == "contract":
        type(funding_round).objects.filter(pk=funding_round.pk).update(mechanism="contract")
        funding_round.refresh_from_db()
    lot = add_lot(funding_round, commissioner, "Housing", 150_000)
    open_round(funding_round, commissioner)
    winner, _ = apply(lot, income=50_000, amount=70_000)
    loser, _ = apply(lot, income=60_000, amount=80_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    services.application_decide(
        application=winner, by=commissioner, successful=True, feedback="Strong bid."
    )
    services.application_decide(
        application=loser, by=commissioner, successful=False, feedback="Thank you."
    )
    services.round_transition(funding_round=funding_round, by=commissioner, action="award")
    services.agreement_create(
        application=winner,
        by=commissioner,
        value=68_000,
        starts_on=date(2027, 4, 1),
        ends_on=date(2029, 4, 1),
        break_clause_dates=[date(2028, 4, 1)],
    )
    return winner


def test_the_360giving_export_validates_and_lists_only_awarded_grants(client):
    winner = awarded_round("grant")
    record_grants()  # as the round's committed changes do
    _, raw = issue_token(UserFactory())
    package = client.get("/api/v1/exports/360giving/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert_valid(giving_validator(), package)
    assert len(package["grants"]) == 1
    grant = package["grants"][0]
    assert grant["id"].startswith("360G-")
    assert grant["amountAwarded"] == 68_000
    assert grant["recipientOrganization"][0]["id"] == winner.organisation.org_id
    # The validator really checks grants: one without a title is refused.
    broken = {**package, "grants": [{k: v for k, v in grant.items() if k != "title"}]}
    assert list(giving_validator().iter_errors(broken))


def test_the_ocds_export_validates_for_a_contract_round(client):
    winner = awarded_round("contract")
    record_releases()  # as the round's committed changes do
    _, raw = issue_token(UserFactory())
    package = client.get("/api/v1/exports/ocds/", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert_valid(ocds_validator(), package)
    (release,) = package["releases"]
    assert release["tag"] == ["award", "contract"]
    assert release["awards"][0]["suppliers"][0]["name"] == winner.organisation.name
    assert release["contracts"][0]["value"]["amount"] == 68_000
    broken = {**package, "releases": [{k: v for k, v in release.items() if k != "initiationType"}]}
    assert list(ocds_validator().iter_errors(broken))


def test_both_exports_validate_for_the_demo_data(client):
    from partnership.demo import load_demo

    load_demo()
    record_grants()  # as the demo's committed changes do
    record_releases()
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    giving = client.get("/api/v1/exports/360giving/").json()
    ocds = client.get("/api/v1/exports/ocds/").json()
    assert_valid(giving_validator(), giving)
    assert_valid(ocds_validator(), ocds)
    assert giving["grants"]
    assert any(release["awards"] for release in ocds["releases"])
