"""Webhooks to a real receiving HTTP server: signed deliveries of ids (never personal
data), retried after a failure, refused when replayed late, and only ever about referrals
the endpoint's organisation may see; HMPPS domain events through the same deliveries."""

import ipaddress
import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from integrations import services, signing
from integrations.models import WebhookDelivery
from integrations.tasks import webhook_delivery_send
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import make_service
from referrals import services as referral_services
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP server in a thread that records each request and answers with the next of
    `codes` (the last one again once they run out)."""

    def __init__(self, codes=(200,)):
        self.codes = list(codes)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def local_webhooks(settings):
    settings.WEBHOOKS_ALLOW_LOCAL = True
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.WEBHOOK_MAX_ATTEMPTS = 3


@pytest.fixture
def receiver(local_webhooks):
    receiving = Receiver(codes=(500, 200))
    yield receiving
    receiving.close()


@pytest.fixture
def draft():
    return referral_in(Status.DRAFT)


def test_a_delivery_is_signed_retried_after_a_500_and_carries_no_personal_data(receiver, draft):
    admin = provider_admin_for(draft.service)
    endpoint = services.endpoint_create(by=admin, url=receiver.url, event_types=["referral.sent"])
    referral_services.referral_send(referral=draft, by=draft.practitioner)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    webhook_delivery_send.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=30) <= wait < timedelta(seconds=40)

    # Not due yet: a repeat of the task does not send it early.
    assert services.delivery_attempt(delivery_id=delivery.pk) is False
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1), tick=False):
        webhook_delivery_send.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)

    assert len(receiver.requests) == 2
    for headers, body in receiver.requests:
        timestamp = int(headers[signing.SIGNATURE_HEADER].split(",")[0].removeprefix("t="))
        signing.signature_verify(
            secret=endpoint.secret,
            body=body,
            header=headers[signing.SIGNATURE_HEADER],
            now=timestamp,
        )
        assert headers["Webhook-Id"] == str(delivery.public_id)
        payload = json.loads(body)
        assert payload["type"] == "referral.sent"
        assert payload["referral"]["id"] == str(draft.public_id)
        for personal in (draft.crn, draft.first_name, draft.last_name, draft.address):
            assert personal not in body.decode()


def test_a_replayed_or_tampered_delivery_is_refused_by_the_check():
    body = b'{"type":"referral.sent"}'
    header = signing.signature_header(secret="whsec_x", body=body, timestamp=1_800_000_000)
    assert (
        signing.signature_verify(secret="whsec_x", body=body, header=header, now=1_800_000_100)
        == 1_800_000_000
    )
    with pytest.raises(signing.SignatureInvalid, match="too old"):
        signing.signature_verify(
            secret="whsec_x",
            body=body,
            header=header,
            now=1_800_000_000 + signing.REPLAY_WINDOW_SECONDS + 1,
        )
    with pytest.raises(signing.SignatureInvalid, match="does not match"):
        signing.signature_verify(
            secret="whsec_x", body=body + b" ", header=header, now=1_800_000_000
        )
    with pytest.raises(signing.SignatureInvalid, match="does not match"):
        signing.signature_verify(secret="another", body=body, header=header, now=1_800_000_000)
    # Re-signing with a new time needs the secret: moving `t` breaks the signature.
    moved = header.replace("t=1800000000", "t=1800000500")
    with pytest.raises(signing.SignatureInvalid):
        signing.signature_verify(secret="whsec_x", body=body, header=moved, now=1_800_000_500)


def test_no_delivery_about_a_referral_outside_the_organisation_or_its_choice(local_webhooks, draft):
    ours = provider_admin_for(draft.service)
    other = provider_admin_for(make_service("Elsewhere"))
    sent_only = services.endpoint_create(
        by=ours, url="http://localhost/ours", event_types=["referral.sent"]
    )
    everything = services.endpoint_create(
        by=other,
        url="http://localhost/theirs",
        event_types=["referral.sent", "referral.accepted", "referral.withdrawn"],
    )
    referral = referral_services.referral_send(referral=draft, by=draft.practitioner)
    referral_services.referral_accept(referral=referral, by=ours)

    assert list(WebhookDelivery.objects.values_list("endpoint", "event_type")) == [
        (sent_only.pk, "referral.sent")
    ]
    assert not everything.deliveries.exists()


def test_a_delivery_fails_after_the_last_attempt(local_webhooks, draft):
    dead = Receiver(codes=(503,))
    try:
        endpoint = services.endpoint_create(
            by=provider_admin_for(draft.service), url=dead.url, event_types=["referral.sent"]
        )
        referral_services.referral_send(referral=draft, by=draft.practitioner)
        delivery = endpoint.deliveries.get()
        for _ in range(3):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
            webhook_delivery_send.apply(args=[delivery.pk])
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, len(dead.requests)) == ("failed", 3, 3)
        assert services.deliveries_due() == []
    finally:
        dead.close()


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://example.org/hooks", "https://"),
        ("https://10.0.0.7/hooks", "public internet"),
        ("https://127.0.0.1/hooks", "public internet"),
        ("https://169.254.169.254/latest", "public internet"),
        ("https://user:pass@example.org/hooks", "user name"),
        ("http://localhost:8000/hooks", "https://"),
    ],
)
def test_private_local_and_plain_http_addresses_are_refused(url, refusal, draft):
    admin = provider_admin_for(draft.service)
    with pytest.raises(ValidationError) as raised:
        services.endpoint_create(by=admin, url=url, event_types=["referral.sent"])
    assert refusal in str(raised.value.message_dict["url"])


def test_a_delivery_to_an_address_now_refused_is_not_sent(settings, draft):
    settings.WEBHOOKS_ALLOW_LOCAL = True
    receiving = Receiver()
    try:
        endpoint = services.endpoint_create(
            by=provider_admin_for(draft.service), url=receiving.url, event_types=["referral.sent"]
        )
        referral_services.referral_send(referral=draft, by=draft.practitioner)
        settings.WEBHOOKS_ALLOW_LOCAL = False
        with pytest.raises(services.DeliveryFailed):
            services.delivery_attempt(delivery_id=endpoint.deliveries.get().pk)
        assert receiving.requests == []
    finally:
        receiving.close()


class Rebinding:
    """A name server under an attacker's control: a public address to the first lookup of a
    name, a loopback one to every later lookup."""

    def __init__(self):
        self.lookups: list[str] = []

    def getaddrinfo(self, host, port, *args, **kwargs):
        try:
            address = str(ipaddress.ip_address(host))  # an address is its own answer
        except ValueError:
            self.lookups.append(host)
            address = "8.8.8.8" if len(self.lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


class HelloCatcher:
    """A TCP server that keeps the first bytes a client sends (a TLS ClientHello, which
    names the server in clear) and hangs up."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = b""
        self.thread = threading.Thread(target=self._catch, daemon=True)
        self.thread.start()

    def _catch(self):
        connection, _ = self.server.accept()
        with connection:
            connection.settimeout(5)
            self.received = connection.recv(4096)

    def close(self):
        self.thread.join(timeout=5)
        self.server.close()


def test_a_delivery_connects_to_the_address_it_checked_never_to_a_second_lookup(
    settings, draft, monkeypatch
):
    """DNS rebinding: the check and the connection see one lookup's answer, so a name that
    answers 8.8.8.8 to the check and 127.0.0.1 afterwards never reaches the loopback. The
    name is still the one TLS asks the server's certificate for (SNI)."""
    settings.WEBHOOKS_ALLOW_LOCAL = True  # added without a lookup
    endpoint = services.endpoint_create(
        by=provider_admin_for(draft.service),
        url="https://hooks.example.org/events",
        event_types=["referral.sent"],
    )
    referral_services.referral_send(referral=draft, by=draft.practitioner)
    settings.WEBHOOKS_ALLOW_LOCAL = False

    name_server = Rebinding()
    monkeypatch.setattr(socket, "getaddrinfo", name_server.getaddrinfo)
    catcher = HelloCatcher()
    connected = []
    real_create_connection = socket.create_connection

    def create_connection(address, *args, **kwargs):
        host, port = address
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # A name: the real function would look it up again, as here.
            host = socket.getaddrinfo(host, port)[0][4][0]
        connected.append((host, port))
        if host != "8.8.8.8":
            raise OSError("reached an address that was never checked")
        # Stands in for 8.8.8.8, to see what TLS says to it.
        return real_create_connection(("127.0.0.1", catcher.port), timeout=5)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    try:
        with pytest.raises(services.DeliveryFailed):
            services.delivery_attempt(delivery_id=endpoint.deliveries.get().pk)
    finally:
        catcher.close()
    assert connected == [("8.8.8.8", 443)]
    assert name_server.lookups == ["hooks.example.org"]
    assert b"hooks.example.org" in catcher.received  # the ClientHello's server name


class TestHmppsDomainEvents:
    def test_off_by_default(self, draft):
        referral_services.referral_send(referral=draft, by=draft.practitioner)
        assert not WebhookDelivery.objects.exists()

    def test_sent_accepted_and_ended_reach_the_probation_system_in_the_envelope(
        self, settings, local_webhooks, draft
    ):
        receiving = Receiver()
        settings.HMPPS_DOMAIN_EVENTS_URL = receiving.url
        settings.HMPPS_DOMAIN_EVENTS_SECRET = "hmpps-secret"
        try:
            admin = provider_admin_for(draft.service)
            referral = referral_services.referral_send(referral=draft, by=draft.practitioner)
            referral_services.referral_accept(referral=referral, by=admin)
            referral_services.referral_withdraw(
                referral=referral, by=draft.practitioner, reason="moved"
            )
            deliveries = WebhookDelivery.objects.order_by("id")
            assert [d.event_type for d in deliveries] == [
                "probation-partnerships.referral.sent",
                "probation-partnerships.referral.accepted",
                "probation-partnerships.referral.ended",
            ]
            # What is stored keeps no CRN: it is added as each envelope is sent.
            assert draft.crn not in str(list(deliveries.values_list("payload", flat=True)))
            for delivery in deliveries:
                assert services.delivery_attempt(delivery_id=delivery.pk) is True
            headers, body = receiving.requests[0]
            timestamp = int(headers[signing.SIGNATURE_HEADER].split(",")[0][2:])
            signing.signature_verify(
                secret="hmpps-secret",
                body=body,
                header=headers[signing.SIGNATURE_HEADER],
                now=timestamp,
            )
            envelope = json.loads(body)
            assert envelope["eventType"] == "probation-partnerships.referral.sent"
            assert envelope["version"] == 1
            assert envelope["description"]
            assert envelope["detailUrl"].endswith(f"/api/v1/referrals/{draft.public_id}/")
            assert envelope["occurredAt"]
            assert envelope["additionalInformation"]["referralId"] == str(draft.public_id)
            assert envelope["personReference"] == {
                "identifiers": [{"type": "CRN", "value": draft.crn}]
            }
        finally:
            receiving.close()

    def test_a_decline_and_an_end_of_service_report_are_published_as_they_end_it(
        self, settings, local_webhooks
    ):
        receiving = Receiver()
        settings.HMPPS_DOMAIN_EVENTS_URL = receiving.url
        settings.HMPPS_DOMAIN_EVENTS_SECRET = "hmpps-secret"
        try:
            declined = referral_in(Status.SENT)
            referral_services.referral_decline(
                referral=declined, by=provider_admin_for(declined.service), reason="no_capacity"
            )
            completed = referral_in(Status.ACCEPTED)
            staff = provider_admin_for(completed.service)
            referral_services.session_record(
                referral=completed,
                by=staff,
                kind="first_contact",
                held_on=timezone.localdate(),
                mode="in_person",
                attendance="attended",
            )
            referral_services.report_send(
                referral=completed,
                by=staff,
                closing_reason="completed",
                summary="Went well.",
                outcomes={o.pk: ("achieved", "") for o in completed.desired_outcomes.all()},
            )
            published = {}
            for delivery in WebhookDelivery.objects.filter(
                destination=WebhookDelivery.Destination.HMPPS_DOMAIN_EVENTS
            ).order_by("id"):
                assert services.delivery_attempt(delivery_id=delivery.pk) is True
            for _, body in receiving.requests:
                envelope = json.loads(body)
                [person] = envelope["personReference"]["identifiers"]
                published.setdefault(person["value"], []).append(envelope["eventType"])
                assert envelope["additionalInformation"]["referralId"] in envelope["detailUrl"]
                assert envelope["version"] == 1 and envelope["description"]
                assert envelope["occurredAt"]
            assert published[declined.crn] == [
                "probation-partnerships.referral.sent",
                "probation-partnerships.referral.ended",
            ]
            assert published[completed.crn] == [
                "probation-partnerships.referral.sent",
                "probation-partnerships.referral.accepted",
                "probation-partnerships.end-of-service-report.submitted",
                "probation-partnerships.referral.ended",
            ]
        finally:
            receiving.close()


class TestApi:
    def headers(self, user, scope="write"):
        _, raw = issue_token(user, scope=scope)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def test_an_admin_adds_an_endpoint_sees_its_secret_once_and_replays_a_delivery(
        self, client, local_webhooks, draft
    ):
        admin = provider_admin_for(draft.service)
        auth = self.headers(admin)
        response = client.post(
            "/api/v1/webhooks/",
            {"url": "http://localhost:9/hooks", "event_types": ["referral.sent"]},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["secret"].startswith("whsec_")
        listed = client.get("/api/v1/webhooks/", **auth).json()["results"]
        assert [e["id"] for e in listed] == [created["id"]]
        assert "secret" not in listed[0]

        referral_services.referral_send(referral=draft, by=draft.practitioner)
        log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/", **auth).json()
        assert log["count"] == 1
        [delivery] = log["results"]
        assert delivery["event_type"] == "referral.sent"
        WebhookDelivery.objects.update(status="failed")
        replayed = client.post(
            f"/api/v1/webhooks/{created['id']}/deliveries/{delivery['id']}/replay/", **auth
        )
        assert replayed.status_code == 202
        assert replayed.json()["status"] == "pending"
        not_a_uuid = client.post(
            f"/api/v1/webhooks/{created['id']}/deliveries/{'-' * 36}/replay/", **auth
        )
        assert not_a_uuid.status_code == 404

        assert client.delete(f"/api/v1/webhooks/{created['id']}/", **auth).status_code == 204
        assert not WebhookDelivery.objects.exists()

    def test_other_organisations_and_other_roles_cannot_reach_an_endpoint(
        self, client, local_webhooks, draft
    ):
        admin = provider_admin_for(draft.service)
        endpoint = services.endpoint_create(
            by=admin, url="http://localhost/hooks", event_types=["referral.sent"]
        )
        other_admin = provider_admin_for(make_service("Elsewhere"))
        caseworker = UserFactory(role=Role.CASEWORKER, organisation=draft.service.organisation)
        for user in (other_admin, caseworker, draft.practitioner):
            auth = self.headers(user)
            assert client.get("/api/v1/webhooks/", **auth).json()["results"] == []
            detail = f"/api/v1/webhooks/{endpoint.public_id}/"
            assert client.get(detail, **auth).status_code == 404
            assert client.delete(detail, **auth).status_code == 404
        refused = client.post(
            "/api/v1/webhooks/",
            {"url": "http://localhost/x", "event_types": ["referral.sent"]},
            content_type="application/json",
            **self.headers(caseworker),
        )
        assert refused.status_code == 403
        bad = client.post(
            "/api/v1/webhooks/",
            {"url": "http://example.org/x", "event_types": ["no.such.event"]},
            content_type="application/json",
            **self.headers(admin),
        )
        assert bad.status_code == 400
        assert set(bad.json()["errors"]) >= {"event_types"}


def test_deliveries_commit_or_roll_back_with_the_change_and_are_queued_after_it(
    local_webhooks, draft, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import transaction

    from integrations.models import ReferralChange

    services.endpoint_create(
        by=provider_admin_for(draft.service),
        url="http://localhost/hooks",
        event_types=["referral.sent"],
    )

    class Undone(Exception):
        pass

    with pytest.raises(Undone), transaction.atomic():
        referral_services.referral_send(referral=draft, by=draft.practitioner)
        assert WebhookDelivery.objects.count() == 1
        raise Undone
    assert not WebhookDelivery.objects.exists() and not ReferralChange.objects.exists()

    queued = []
    monkeypatch.setattr(webhook_delivery_send, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        referral_services.referral_send(referral=draft, by=draft.practitioner)
    assert queued == [WebhookDelivery.objects.get().pk]


def test_the_sweep_queues_what_is_due_and_gives_the_feed_its_positions(
    local_webhooks, draft, monkeypatch
):
    from integrations.models import ReferralChange
    from integrations.tasks import webhook_deliveries_sweep

    services.endpoint_create(
        by=provider_admin_for(draft.service),
        url="http://localhost/hooks",
        event_types=["referral.sent"],
    )
    referral_services.referral_send(referral=draft, by=draft.practitioner)
    due = WebhookDelivery.objects.get()
    queued = []
    monkeypatch.setattr(webhook_delivery_send, "delay", queued.append)
    assert webhook_deliveries_sweep() == 1
    assert queued == [due.pk]
    assert not ReferralChange.objects.filter(position__isnull=True).exists()

    WebhookDelivery.objects.update(next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert webhook_deliveries_sweep() == 0
