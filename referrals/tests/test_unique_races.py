"""Requests that race for one row a unique constraint guards answer as the rule says: the
existing referral for a repeated `Idempotency-Key`, a 409 problem document for a second
open referral of a person to a service; never a 500. Each race runs for real, in threads
on their own connections, through the API."""

from django.test import Client

from partnership.models import Role
from partnership.tests.concurrency import run_together
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services
from referrals.models import OPEN_STATUSES, Referral, Status
from referrals.tests.factories import provider_admin_for, referral_in


def _api(user) -> Client:
    _, raw = issue_token(user, scope="write")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_unique_race_creates_with_one_idempotency_key_make_one_referral(committed_db):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    api = _api(practitioner)

    def create(index: int):
        return api.post(
            "/api/v1/referrals/",
            {"service": service.pk, "crn": "X700001"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="same-request",
        )

    responses = run_together(20, create)

    codes = sorted(response.status_code for response in responses)
    assert codes == [200] * 19 + [201], codes
    assert len({response.json()["id"] for response in responses}) == 1
    assert Referral.objects.filter(practitioner=practitioner).count() == 1


def test_unique_race_two_sends_of_one_person_to_one_service_one_is_a_409(committed_db):
    service = make_service(referral_requirements=["date_of_birth"])
    provider_admin_for(service)
    first = referral_in(Status.DRAFT, service=service, crn="X700002")
    second = referral_in(Status.DRAFT, service=service, crn="X700002")
    clients = [_api(first.practitioner), _api(second.practitioner)]
    drafts = [first, second]

    def send(index: int):
        return clients[index].post(f"/api/v1/referrals/{drafts[index].public_id}/send/")

    responses = run_together(2, send)

    assert sorted(response.status_code for response in responses) == [200, 409]
    refused = next(response for response in responses if response.status_code == 409)
    assert refused["Content-Type"] == "application/problem+json"
    assert "already has an open referral" in refused.json()["detail"]
    assert Referral.objects.filter(crn="X700002", status__in=OPEN_STATUSES).count() == 1


def test_unique_race_amending_the_crn_to_a_person_with_an_open_referral_is_a_409(committed_db):
    service = make_service(referral_requirements=["date_of_birth"])
    provider_admin_for(service)
    referral_in(Status.SENT, service=service, crn="X700003")
    other = referral_in(Status.SENT, service=service, crn="X700004")

    changed = _api(other.practitioner).patch(
        f"/api/v1/referrals/{other.public_id}/",
        {"crn": "X700003", "amendment_reason": "The CRN was mistyped."},
        content_type="application/json",
    )

    assert changed.status_code == 409, changed.content
    assert changed["Content-Type"] == "application/problem+json"
    other.refresh_from_db()
    assert other.crn == "X700004"


def test_unique_race_service_layer_repeats_return_the_first_referral(committed_db):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()

    def start(index: int):
        return services.referral_start(
            practitioner=practitioner, service=service, crn="X700005", idempotency_key="k-1"
        )

    outcomes = run_together(10, start)

    assert all(isinstance(outcome, tuple) for outcome in outcomes), outcomes
    assert len({referral.pk for referral, _ in outcomes}) == 1
    assert sum(created for _, created in outcomes) == 1
