"""Webhooks of a PDU's system, managed by its practitioners: told only of the PDU's
referrals and of the events a practitioner's system wants, signed and logged like a
provider's; out of reach (404) for another PDU's practitioners and for provider staff, as a
provider's endpoints are for practitioners, in the pages and the API alike."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations import services, signing
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tests.test_webhooks import Receiver
from partnership.errors import NotPermitted
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services as referral_services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local_webhooks(settings):
    settings.WEBHOOKS_ALLOW_LOCAL = True


@pytest.fixture
def practitioner():
    return UserFactory(role=Role.PRACTITIONER)  # Manchester North


@pytest.fixture
def lambeth_practitioner():
    return UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.get(name="Lambeth"))


@pytest.fixture
def service():
    return make_service(pdus=("Manchester North", "Lambeth"))


def _session(referral, by):
    return referral_services.session_record(
        referral=referral,
        by=by,
        kind="first_contact",
        held_on=timezone.localdate(),
        mode="in_person",
        attendance="attended",
    )


def test_a_pdu_endpoint_is_told_of_its_pdus_referrals_only_and_a_providers_is_unchanged(
    practitioner, lambeth_practitioner, service
):
    receiving = Receiver()
    try:
        admin = provider_admin_for(service)
        ours = services.endpoint_create(
            by=practitioner,
            url=receiving.url,
            event_types=["referral.accepted", "session.recorded"],
        )
        assert (ours.pdu_id, ours.organisation_id) == (practitioner.pdu_id, None)
        provider_side = services.endpoint_create(
            by=admin, url=receiving.url, event_types=["referral.sent", "referral.accepted"]
        )
        mine = referral_in(Status.SENT, practitioner=practitioner, service=service)
        theirs = referral_in(Status.SENT, practitioner=lambeth_practitioner, service=service)
        for referral in (mine, theirs):
            referral = referral_services.referral_accept(referral=referral, by=admin)
            _session(referral, admin)

        assert sorted(ours.deliveries.values_list("change__referral", "event_type")) == [
            (mine.pk, "referral.accepted"),
            (mine.pk, "session.recorded"),
        ]
        # The provider's endpoint hears of both referrals, as before, and nothing it did
        # not choose.
        assert sorted(provider_side.deliveries.values_list("change__referral", "event_type")) == [
            (mine.pk, "referral.accepted"),
            (mine.pk, "referral.sent"),
            (theirs.pk, "referral.accepted"),
            (theirs.pk, "referral.sent"),
        ]

        # Sent like any delivery: signed with the PDU endpoint's secret, ids only.
        for delivery in ours.deliveries.order_by("id"):
            assert services.delivery_attempt(delivery_id=delivery.pk) is True
        assert len(receiving.requests) == 2
        for headers, body in receiving.requests:
            header = headers[signing.SIGNATURE_HEADER]
            timestamp = int(header.split(",")[0].removeprefix("t="))
            signing.signature_verify(secret=ours.secret, body=body, header=header, now=timestamp)
            assert json.loads(body)["referral"]["id"] == str(mine.public_id)
            assert mine.crn not in body.decode()
    finally:
        receiving.close()


def test_a_pdu_endpoint_is_not_told_of_another_pdus_referral_sent_to_its_own_service(
    practitioner, lambeth_practitioner, service
):
    """The PDU's scope, not the service's: a referral of Lambeth to a service Manchester
    North also uses is Lambeth's alone."""
    services.endpoint_create(
        by=practitioner, url="http://localhost/pdu", event_types=["referral.accepted"]
    )
    referral = referral_in(Status.SENT, practitioner=lambeth_practitioner, service=service)
    referral_services.referral_accept(referral=referral, by=provider_admin_for(service))
    assert not WebhookDelivery.objects.exists()


def test_a_pdu_endpoint_chooses_from_the_practitioners_events_only(practitioner):
    with pytest.raises(ValidationError) as raised:
        services.endpoint_create(
            by=practitioner, url="http://localhost/pdu", event_types=["referral.sent"]
        )
    assert "event_types" in raised.value.message_dict
    caseworker = UserFactory(role=Role.CASEWORKER)
    with pytest.raises(NotPermitted):
        services.endpoint_create(
            by=caseworker, url="http://localhost/x", event_types=["referral.accepted"]
        )
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_has_exactly_one_owner(practitioner, service):
    admin = provider_admin_for(service)
    both = {"organisation": service.organisation, "pdu": practitioner.pdu}
    for owners in (both, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            WebhookEndpoint.objects.create(
                url="https://hooks.example.org/x",
                event_types=["referral.accepted"],
                secret="whsec_x",
                created_by=admin,
                **owners,
            )


class TestPages:
    def test_a_practitioner_adds_their_pdus_webhook_replays_a_delivery_and_removes_it(
        self, client, practitioner, service
    ):
        client.force_login(practitioner)
        home = client.get("/").content.decode()
        # In the account navigation, not the service navigation.
        account_nav = home.split('aria-label="Account navigation"')[1].split("</nav>")[0]
        assert 'href="/webhooks/"' in account_nav
        assert 'href="/webhooks/"' not in home.split('aria-label="Menu"')[1].split("</nav>")[0]

        listed = client.get("/webhooks/")
        assert listed.status_code == 200 and b"Your PDU has no webhooks" in listed.content
        form = client.get("/webhooks/add/").content
        assert b"A session is recorded" in form and b"A referral is sent to us" not in form

        refused = client.post(
            "/webhooks/add/", {"url": "http://localhost:9/hooks", "event_types": ["referral.sent"]}
        )
        assert refused.status_code == 200 and b"govuk-error-summary" in refused.content
        added = client.post(
            "/webhooks/add/",
            {"url": "http://localhost:9/hooks", "event_types": ["referral.accepted"]},
        )
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.pdu_id == practitioner.pdu_id and endpoint.organisation_id is None
        assert endpoint.secret.encode() in client.get(added["Location"]).content
        assert b"Your PDU's webhooks" in client.get("/webhooks/").content

        referral = referral_in(Status.SENT, practitioner=practitioner, service=service)
        referral_services.referral_accept(referral=referral, by=provider_admin_for(service))
        delivery = endpoint.deliveries.get()
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
        log = client.get(f"/webhooks/{endpoint.public_id}/")
        assert b"referral.accepted" in log.content and b"Failed" in log.content
        replay = client.post(
            f"/webhooks/{endpoint.public_id}/deliveries/{delivery.public_id}/replay/"
        )
        assert replay.status_code == 302
        delivery.refresh_from_db()
        assert delivery.status == "pending"

        assert client.post(f"/webhooks/{endpoint.public_id}/remove/").status_code == 302
        assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def both_sides(practitioner, service):
    """A PDU endpoint and a provider endpoint, each with a delivery about one referral."""
    admin = provider_admin_for(service)
    pdu_endpoint = services.endpoint_create(
        by=practitioner, url="http://localhost/pdu", event_types=["referral.accepted"]
    )
    provider_endpoint = services.endpoint_create(
        by=admin, url="http://localhost/provider", event_types=["referral.accepted"]
    )
    referral_in(Status.ACCEPTED, practitioner=practitioner, service=service)
    return (
        (pdu_endpoint, pdu_endpoint.deliveries.get()),
        (provider_endpoint, provider_endpoint.deliveries.get()),
    )


def _refused_everywhere(client, user, endpoint, delivery, *, token):
    """Every page and API route of the endpoint is a 404 to the user, and neither list
    shows it."""
    client.force_login(user)
    base = f"/webhooks/{endpoint.public_id}/"
    replay = f"deliveries/{delivery.public_id}/replay/"
    assert client.get(base).status_code == 404
    assert client.get(base + "remove/").status_code == 404
    assert client.post(base + "remove/").status_code == 404
    assert client.post(base + replay).status_code == 404
    listed = client.get("/webhooks/")
    assert listed.status_code == 404 or str(endpoint.public_id) not in listed.content.decode()

    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    api = f"/api/v1/webhooks/{endpoint.public_id}/"
    assert client.get(api, **auth).status_code == 404
    assert client.get(api + "deliveries/", **auth).status_code == 404
    assert client.post(api + replay, **auth).status_code == 404
    assert client.delete(api, **auth).status_code == 404
    ids = [e["id"] for e in client.get("/api/v1/webhooks/", **auth).json()["results"]]
    assert str(endpoint.public_id) not in ids
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.attempts == 0


def test_a_pdu_endpoint_is_out_of_reach_of_another_pdu_and_of_provider_staff(
    client, both_sides, service, lambeth_practitioner
):
    (pdu_endpoint, delivery), _ = both_sides
    admin = provider_admin_for(service)
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=service.organisation)
    for user in (lambeth_practitioner, admin, caseworker):
        _, token = issue_token(user, scope="write")
        _refused_everywhere(client, user, pdu_endpoint, delivery, token=token)


def test_a_providers_endpoint_is_out_of_reach_of_practitioners(client, both_sides, practitioner):
    _, (provider_endpoint, delivery) = both_sides
    _, token = issue_token(practitioner, scope="write")
    _refused_everywhere(client, practitioner, provider_endpoint, delivery, token=token)


def test_every_practitioner_of_the_pdu_manages_its_endpoints(client, both_sides):
    (pdu_endpoint, _), _ = both_sides
    colleague = UserFactory(role=Role.PRACTITIONER)  # Manchester North too
    client.force_login(colleague)
    assert client.get(f"/webhooks/{pdu_endpoint.public_id}/").status_code == 200
    assert str(pdu_endpoint.public_id) in client.get("/webhooks/").content.decode()


def test_a_practitioner_manages_their_pdus_endpoints_through_the_api(client, practitioner, service):
    _, token = issue_token(practitioner, scope="write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    refused = client.post(
        "/api/v1/webhooks/",
        {"url": "http://localhost:9/hooks", "event_types": ["referral.sent"]},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 400 and "event_types" in refused.json()["errors"]
    response = client.post(
        "/api/v1/webhooks/",
        {"url": "http://localhost:9/hooks", "event_types": ["referral.accepted"]},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/", **auth).json()["results"]
    assert [e["id"] for e in listed] == [created["id"]]

    referral = referral_in(Status.SENT, practitioner=practitioner, service=service)
    referral_services.referral_accept(referral=referral, by=provider_admin_for(service))
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/", **auth).json()
    [delivery] = log["results"]
    assert delivery["event_type"] == "referral.accepted"
    replayed = client.post(
        f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/replay/", **auth
    )
    assert replayed.status_code == 202
    assert client.delete(f"/api/v1/webhooks/{created['id']}/", **auth).status_code == 204
    assert not WebhookEndpoint.objects.exists()
