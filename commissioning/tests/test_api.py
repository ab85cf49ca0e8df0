"""The commissioning API: 409 for refused steps, scoping of applications and assessments."""

import uuid
from datetime import timedelta

import pytest
from django.test.client import MULTIPART_CONTENT
from django.utils import timezone

from commissioning import services
from commissioning.models import FundingRound
from commissioning.tests.factories import add_lot, apply, auth, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
    refused = client.post(
        f"/api/v1/funding-rounds/{round_id}/consult/", content_type="application/json", **headers
    )
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
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
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


def test_a_lot_names_its_round_in_the_body_and_a_bad_body_is_a_400(client):
    from tests.fuzz.schema import openapi_document

    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    headers = auth(commissioner)
    lot = {
        "title": "Housing",
        "category": "accommodation",
        "pdus": [],
        "budget": 50_000,
        "expected_monthly_referrals": 10,
    }

    def post(body):
        return client.post("/api/v1/lots/", body, content_type="application/json", **headers)

    not_an_object = post("housing")
    assert not_an_object.status_code == 400
    assert not_an_object["Content-Type"] == "application/problem+json"
    for round_id in ("not-a-uuid", str(uuid.uuid4()), None):
        refused = post({**lot, "funding_round": round_id})
        assert refused.status_code == 400
        assert "funding_round" in refused.json()["errors"]
    created = post({**lot, "funding_round": str(funding_round.public_id)})
    assert created.status_code == 201, created.json()
    assert created.json()["funding_round"] == str(funding_round.public_id)
    # The schema says so, so that a client can make that request.
    documented = openapi_document()["components"]["schemas"]["LotInputRequest"]
    assert "funding_round" in documented["required"]


def test_a_round_needs_at_least_one_region(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    response = client.post(
        "/api/v1/funding-rounds/",
        {"title": "Wellbeing grants", "mechanism": "grant", "budget": 1000, "regions": []},
        content_type="application/json",
        **auth(commissioner),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["regions"] == ["Select at least one region"]
    assert not FundingRound.objects.exists()


def test_a_form_body_is_refused_as_a_media_type_the_api_does_not_read(client):
    """One body format an operation (JSON), so that the schema offers one to a client."""
    commissioner = UserFactory(role=Role.COMMISSIONER)
    response = client.post(
        "/api/v1/funding-rounds/",
        {"title": "Wellbeing grants", "mechanism": "grant", "budget": 1000},
        content_type=MULTIPART_CONTENT,
        **auth(commissioner),
    )
    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert not FundingRound.objects.exists()


def test_a_second_agreement_for_an_award_is_a_409_and_dates_stay_in_the_page_years(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
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
    headers = auth(commissioner)

    def post(**dates):
        body = {"application": str(application.public_id), "value": 100_000, **dates}
        return client.post("/api/v1/agreements/", body, content_type="application/json", **headers)

    # The minimum term ends past the calendar's last year.
    far = post(starts_on="9999-12-01", ends_on="9999-12-31", break_clause_dates=[])
    assert far.status_code == 400
    assert set(far.json()["errors"]) == {"starts_on", "ends_on"}
    term = {"starts_on": "2027-04-01", "ends_on": "2029-04-01"}
    assert post(**term, break_clause_dates=["2028-04-01"]).status_code == 201
    again = post(**term, break_clause_dates=["2028-04-01"])
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"


def test_a_round_in_a_year_before_the_pages_is_a_400(client):
    # London's clocks then were minutes and seconds off GMT: no RFC 3339 time could say it.
    response = client.post(
        "/api/v1/funding-rounds/",
        {
            "title": "Wellbeing grants",
            "mechanism": "grant",
            "regions": ["L"],
            "budget": 1000,
            "closes_at": "0085-04-17T03:34:05Z",
        },
        content_type="application/json",
        **auth(UserFactory(role=Role.COMMISSIONER)),
    )
    assert response.status_code == 400
    assert "closes_at" in response.json()["errors"]
    assert not FundingRound.objects.exists()


def test_leaving_out_a_conflict_or_a_decision_is_a_400_not_a_no(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
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
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    assignment = services.assessor_assign(
        application=application, by=commissioner, assessor=assessor
    )
    # Left out is not "no conflict".
    declared = client.post(
        f"/api/v1/assessments/{assignment.pk}/declare/",
        {"details": ""},
        content_type="application/json",
        **auth(assessor),
    )
    assert declared.status_code == 400
    assert "has_conflict" in declared.json()["errors"]
    assignment.refresh_from_db()
    assert assignment.conflict_declared_at is None
    decided = client.post(
        f"/api/v1/applications/{application.public_id}/decide/",
        {"feedback": "Thank you."},
        content_type="application/json",
        **auth(commissioner),
    )
    assert decided.status_code == 400
    assert "successful" in decided.json()["errors"]
    application.refresh_from_db()
    assert application.status == "submitted"
    answered = client.post(
        f"/api/v1/applications/{application.public_id}/decide/",
        {"successful": False, "feedback": "Thank you."},
        content_type="application/json",
        **auth(commissioner),
    )
    assert answered.status_code == 200 and answered.json()["status"] == "unsuccessful"


def test_a_commissioner_cannot_create_a_round_in_regions_their_body_does_not_cover(client):
    from partnership.models import Region

    commissioner = UserFactory(role=Role.COMMISSIONER)
    covered = set(commissioner.commissioning_body.regions.values_list("code", flat=True))
    elsewhere = Region.objects.exclude(code__in=covered).first()
    response = client.post(
        "/api/v1/funding-rounds/",
        {
            "title": "Wellbeing grants",
            "mechanism": "grant",
            "regions": [*sorted(covered)[:1], elsewhere.code],
            "budget": 1000,
        },
        content_type="application/json",
        **auth(commissioner),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["regions"] == [
        "Select only regions your commissioning body covers"
    ]
    assert not FundingRound.objects.exists()


@pytest.mark.parametrize(
    ("dates", "field", "message"),
    [
        ({"closes_at": -1}, "closes_at", "The closing date must be in the future"),
        (
            {"opens_on": 30, "closes_at": 20},
            "closes_at",
            "The closing date must be after the round opens",
        ),
        (
            {"consultation_opens_on": 10, "opens_on": 5, "closes_at": 20},
            "opens_on",
            "The round must open after consultation starts",
        ),
        (
            {"closes_at": 20, "decision_by": 19},
            "decision_by",
            "Decisions must be due after the closing date",
        ),
    ],
)
def test_a_rounds_dates_must_be_in_order_through_the_api_too(client, dates, field, message):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    region = commissioner.commissioning_body.regions.first()
    today = timezone.localdate()
    body = {"title": "Wellbeing grants", "mechanism": "grant", "regions": [region.code]}
    for name, days in dates.items():
        moment = today + timedelta(days=days)
        body[name] = (
            (timezone.now() + timedelta(days=days)).isoformat()
            if name == "closes_at"
            else moment.isoformat()
        )
    body["budget"] = 1000
    response = client.post(
        "/api/v1/funding-rounds/", body, content_type="application/json", **auth(commissioner)
    )
    assert response.status_code == 400
    assert response.json()["errors"][field] == [message]
    assert not FundingRound.objects.exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"has_conflict": True, "details": " "}, "Describe the conflict of interest"),
        (
            {"has_conflict": False, "details": "My cousin works there"},
            "Only describe a conflict of interest if you have one",
        ),
    ],
)
def test_conflict_details_come_with_a_conflict_and_only_then(client, body, message):
    """As on the page: the details are asked for with a conflict; with none there are none."""
    commissioner = UserFactory(role=Role.COMMISSIONER)
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
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    assignment = services.assessor_assign(
        application=application, by=commissioner, assessor=assessor
    )
    declared = client.post(
        f"/api/v1/assessments/{assignment.pk}/declare/",
        body,
        content_type="application/json",
        **auth(assessor),
    )
    assert declared.status_code == 400
    assert declared["Content-Type"] == "application/problem+json"
    assert declared.json()["errors"] == {"details": [message]}
    assignment.refresh_from_db()
    assert assignment.conflict_declared_at is None and assignment.conflict_details == ""
