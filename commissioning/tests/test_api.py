"""The commissioning API: 409 for refused steps, scoping of applications and assessments."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commissioning import services
from commissioning.tests.test_rounds import add_lot, apply, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db


def auth(user, scope="write"):
    _, raw = issue_token(user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_commissioner_creates_a_round_and_opening_it_without_lots_is_409(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    headers = auth(commissioner)
    response = client.post(
        "/api/v1/funding-rounds/",
        {
            "title": "Wellbeing grants",
            "mechanism": "grant",
            "regions": ["L"],
            "budget": 100000,
            "closes_at": (timezone.now() + timedelta(days=20)).isoformat(),
        },
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.json()
    round_id = response.json()["id"]
    refused = client.post(f"/api/v1/funding-rounds/{round_id}/consult/", **headers)
    assert refused.status_code == 409
    assert refused["Content-Type"] == "application/problem+json"
    assert "Add at least one lot" in refused.json()["detail"]


def test_applications_are_scoped_and_assessors_must_declare_first(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    mine, my_admin = apply(lot, income=50_000)
    theirs, _ = apply(lot, income=60_000)

    own = auth(my_admin)
    listed = [a["id"] for a in client.get("/api/v1/applications/", **own).json()["results"]]
    assert listed == [str(mine.public_id)]
    assert client.get(f"/api/v1/applications/{theirs.public_id}/", **own).status_code == 404

    services.round_transition(
        funding_round=funding_round, by=commissioner, action="close_applications"
    )
    assessor = UserFactory(role=Role.ASSESSOR)
    assignment = services.assessor_assign(application=theirs, by=commissioner, assessor=assessor)
    reviewer = auth(assessor)
    assert client.get(f"/api/v1/applications/{theirs.public_id}/", **reviewer).status_code == 404
    assert client.get(f"/api/v1/applications/{mine.public_id}/", **reviewer).status_code == 404
    client.post(
        f"/api/v1/assessments/{assignment.pk}/declare/",
        {"has_conflict": False},
        content_type="application/json",
        **reviewer,
    )
    assert client.get(f"/api/v1/applications/{theirs.public_id}/", **reviewer).status_code == 200
    assert client.get(f"/api/v1/applications/{mine.public_id}/", **reviewer).status_code == 404
    criteria = funding_round.criteria.all()
    scored = client.post(
        f"/api/v1/assessments/{assignment.pk}/score/",
        {"scores": [{"criterion": c.pk, "score": 3} for c in criteria]},
        content_type="application/json",
        **reviewer,
    )
    assert scored.status_code == 200 and scored.json()["completed_at"]

    other_assessor = auth(UserFactory(role=Role.ASSESSOR))
    assert client.get(f"/api/v1/assessments/{assignment.pk}/", **other_assessor).status_code == 404


def test_market_health_through_the_api(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    apply(lot, income=50_000)
    body = client.get(
        f"/api/v1/funding-rounds/{funding_round.public_id}/market-health/", **auth(commissioner)
    ).json()
    assert body["lots"][0]["bidders"] == 1 and body["lots_with_one_bidder_or_none"] == 1
    provider = UserFactory(role=Role.PROVIDER_ADMIN)
    assert (
        client.get(
            f"/api/v1/funding-rounds/{funding_round.public_id}/market-health/", **auth(provider)
        ).status_code
        == 404
    )
