"""The organisation admin's webhook pages: list, add (the secret shown once), the delivery
log and a replay, removal; out of reach (404) for anyone else."""

import pytest

from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import services as referral_services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(settings):
    settings.WEBHOOKS_ALLOW_LOCAL = True
    return provider_admin_for(make_service())


def test_an_admin_adds_a_webhook_and_sees_its_secret_once(client, admin):
    client.force_login(admin)
    page = client.get("/webhooks/")
    assert page.status_code == 200 and b"no webhooks" in page.content
    assert b'href="/webhooks/"' in client.get("/").content  # in the navigation

    response = client.post(
        "/webhooks/add/",
        {
            "url": "http://localhost:8000/hooks",
            "event_types": ["referral.sent", "referral.withdrawn"],
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.public_id}/"
    )
    shown = client.get(response["Location"])
    assert endpoint.secret.encode() in shown.content
    again = client.get(response["Location"])
    assert endpoint.secret.encode() not in again.content
    assert b"A referral is withdrawn" in again.content
    assert endpoint.secret.encode() not in client.get("/webhooks/").content


def test_a_refused_address_is_shown_in_the_error_summary(client, admin, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    client.force_login(admin)
    response = client.post(
        "/webhooks/add/", {"url": "https://192.168.1.10/hooks", "event_types": ["referral.sent"]}
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content
    assert b"private and local addresses are refused" in response.content
    assert b"Error: Add a webhook" in response.content
    assert not WebhookEndpoint.objects.exists()


def test_the_delivery_log_replays_a_delivery_and_the_webhook_can_be_removed(client, admin):
    draft = referral_in(Status.DRAFT, service=admin.organisation.services.get())
    endpoint = services.endpoint_create(
        by=admin, url="http://localhost:9/hooks", event_types=["referral.sent"]
    )
    referral_services.referral_send(referral=draft, by=draft.practitioner)
    delivery = endpoint.deliveries.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=8)
    client.force_login(admin)

    log = client.get(f"/webhooks/{endpoint.public_id}/")
    assert b"referral.sent" in log.content and b"Failed" in log.content
    assert draft.crn.encode() not in log.content
    replay = client.post(f"/webhooks/{endpoint.public_id}/deliveries/{delivery.public_id}/replay/")
    assert replay.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "pending"

    assert client.get(f"/webhooks/{endpoint.public_id}/remove/").status_code == 200
    assert client.post(f"/webhooks/{endpoint.public_id}/remove/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_others_get_a_404(client, admin):
    endpoint = services.endpoint_create(
        by=admin, url="http://localhost:9/hooks", event_types=["referral.sent"]
    )
    others = [
        provider_admin_for(make_service("Elsewhere")),
        UserFactory(role=Role.CASEWORKER, organisation=admin.organisation),
        UserFactory(role=Role.PRACTITIONER),
        UserFactory(role=Role.COMMISSIONER),
    ]
    for user in others:
        client.force_login(user)
        assert client.get(f"/webhooks/{endpoint.public_id}/").status_code == 404
        assert client.post(f"/webhooks/{endpoint.public_id}/remove/").status_code == 404
    for user in (others[1], others[3]):
        client.force_login(user)
        assert client.get("/webhooks/").status_code == 404
        assert client.get("/webhooks/add/").status_code == 404
    # A practitioner has webhooks of their own (their PDU's), never the organisation's.
    client.force_login(others[2])
    assert str(endpoint.public_id) not in client.get("/webhooks/").content.decode()
    assert WebhookEndpoint.objects.exists()
