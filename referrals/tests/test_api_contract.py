"""What a case system relies on beyond the lifecycle: versions (`ETag`, `If-Match`, 412),
idempotency keys that protect (422), concerns acknowledged, staff to assign, a referral's
choices from its own service, and writes never redirected."""

import pytest

from partnership.models import ComplexityLevel, DesiredOutcome, Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services
from referrals.models import Referral, Status
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db


def headers(user):
    _, raw = issue_token(user, scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def url(referral, suffix=""):
    return f"/api/v1/referrals/{referral.public_id}/{suffix}"


def patch(client, referral, body, auth, **extra):
    return client.patch(url(referral), body, content_type="application/json", **auth, **extra)


class TestVersions:
    def test_a_change_from_a_stale_read_is_a_412_and_changes_nothing(self, client):
        draft = referral_in(Status.DRAFT)
        auth = headers(draft.practitioner)
        read = client.get(url(draft), **auth)
        etag = read["ETag"]
        # Another system changes it first.
        first = patch(client, draft, {"availability": "Mornings"}, auth, HTTP_IF_MATCH=etag)
        assert first.status_code == 200
        assert first["ETag"] != etag
        stale = patch(client, draft, {"availability": "Evenings"}, auth, HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        assert stale["Content-Type"] == "application/problem+json"
        assert stale.json()["type"].endswith("/precondition-failed")
        draft.refresh_from_db()
        assert draft.availability == "Mornings"
        # With the current version, the change is made.
        again = patch(
            client, draft, {"availability": "Evenings"}, auth, HTTP_IF_MATCH=first["ETag"]
        )
        assert again.status_code == 200 and again.json()["availability"] == "Evenings"

    def test_an_action_and_a_risk_change_check_their_versions(self, client):
        draft = referral_in(Status.DRAFT)
        auth = headers(draft.practitioner)
        stale_referral = client.get(url(draft), **auth)["ETag"]
        stale_risk = client.get(url(draft, "risk/"), **auth)["ETag"]
        patch(client, draft, {"availability": "Mornings"}, auth)
        client.put(
            url(draft, "risk/"), {"summary": "Changed."}, content_type="application/json", **auth
        )
        assert (
            client.post(url(draft, "send/"), **auth, HTTP_IF_MATCH=stale_referral).status_code
            == 412
        )
        refused = client.put(
            url(draft, "risk/"),
            {"summary": "Mine."},
            content_type="application/json",
            HTTP_IF_MATCH=stale_risk,
            **auth,
        )
        assert refused.status_code == 412
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT and draft.risk.summary == "Changed."


class TestIdempotency:
    def test_a_key_reused_for_another_request_is_a_422_not_the_first_referral(self, client):
        practitioner = UserFactory(role=Role.PRACTITIONER)
        service = make_service()
        auth = {**headers(practitioner), "HTTP_IDEMPOTENCY_KEY": "case-42"}

        def create(crn):
            return client.post(
                "/api/v1/referrals/",
                {"service": service.pk, "crn": crn},
                content_type="application/json",
                **auth,
            )

        first = create("X100001")
        assert first.status_code == 201
        repeat = create("x100001")  # the same request: the same referral
        assert repeat.status_code == 200 and repeat.json()["id"] == first.json()["id"]
        other = create("X100002")
        assert other.status_code == 422
        assert other["Content-Type"] == "application/problem+json"
        assert other.json()["type"].endswith("/idempotency-key-reused")
        assert Referral.objects.count() == 1

    def test_a_crn_out_of_pattern_is_refused_as_the_schema_says(self, client):
        practitioner = UserFactory(role=Role.PRACTITIONER)
        response = client.post(
            "/api/v1/referrals/",
            {"service": make_service().pk, "crn": "123"},
            content_type="application/json",
            **headers(practitioner),
        )
        assert response.status_code == 400
        assert response.json()["codes"]["crn"] == ["invalid"]


def test_the_referring_practitioner_acknowledges_a_concern(client):
    referral = referral_in(Status.ACCEPTED)
    caseworker = trained_caseworker_for(referral.service)
    concern = services.concern_raise(
        referral=referral,
        by=caseworker,
        urgency="urgent",
        what_happened="Threatened at his address.",
        actions_taken="Told the police.",
    )
    acknowledge = url(referral, f"concerns/{concern.public_id}/acknowledge/")
    # Only the referring practitioner: the caseworker may not.
    assert client.post(acknowledge, **headers(caseworker)).status_code == 403
    response = client.post(acknowledge, **headers(referral.practitioner))
    assert response.status_code == 200
    assert response.json()["acknowledged_at"] is not None
    concern.refresh_from_db()
    assert concern.acknowledged_by == referral.practitioner
    other_pdu = UserFactory(
        role=Role.PRACTITIONER, pdu=Pdu.objects.exclude(pk=referral.pdu_id).first()
    )
    assert client.post(acknowledge, **headers(other_pdu)).status_code == 404


def test_a_provider_admin_lists_their_staff_with_risk_training(client):
    service = make_service()
    admin = provider_admin_for(service)
    trained = trained_caseworker_for(service)
    untrained = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    UserFactory(role=Role.CASEWORKER)  # another organisation's
    listed = client.get("/api/v1/staff/", **headers(admin)).json()
    training = {member["id"]: member["has_current_risk_training"] for member in listed["results"]}
    assert training == {admin.pk: False, trained.pk: True, untrained.pk: False}
    assert listed["count"] == 3
    # A caseworker sees none of them, and no one's detail.
    assert client.get("/api/v1/staff/", **headers(untrained)).json()["results"] == []
    assert client.get(f"/api/v1/staff/{trained.pk}/", **headers(untrained)).status_code == 404


def test_a_referral_takes_levels_and_outcomes_only_from_its_services_categories(client):
    draft = referral_in(Status.DRAFT, service=make_service(slugs=("accommodation",)))
    auth = headers(draft.practitioner)
    offered = client.get(f"/api/v1/services/{draft.service_id}/", **auth).json()
    assert {option["category"] for option in offered["complexity_levels"]} == {"accommodation"}
    assert offered["desired_outcomes"][0]["name"]
    womens_level = ComplexityLevel.objects.exclude(category__slug="accommodation").first()
    mentoring = DesiredOutcome.objects.exclude(category__slug="accommodation").first()
    refused = patch(
        client,
        draft,
        {"complexity_level": womens_level.pk, "desired_outcomes": [mentoring.pk]},
        auth,
    )
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"complexity_level", "desired_outcomes"}
    accepted = patch(
        client,
        draft,
        {
            "complexity_level": offered["complexity_levels"][0]["id"],
            "desired_outcomes": [offered["desired_outcomes"][0]["id"]],
        },
        auth,
    )
    assert accepted.status_code == 200


def test_a_write_to_an_address_without_its_slash_is_refused_not_redirected(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    response = client.post(
        "/api/v1/referrals",
        {"service": make_service().pk, "crn": "X100003"},
        content_type="application/json",
        **headers(practitioner),
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "/api/v1/referrals/" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_an_amendment_reason_is_documented_wherever_it_is_required():
    from tests.fuzz.schema import openapi_document

    schemas = openapi_document()["components"]["schemas"]
    for name in ("PatchedReferralUpdateRequest", "RiskRequest"):
        assert (
            "required once the referral has been sent"
            in (schemas[name]["properties"]["amendment_reason"]["description"])
        )
