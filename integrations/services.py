"""Writes of integrations: recording each change for the feed, with its webhook and domain-
event deliveries (in the change's transaction); giving changes their feed positions;
endpoints; sending a delivery and retrying it."""

from __future__ import annotations

import functools
import http.client
import json
import logging
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from integrations import addresses, events, rules, signing
from integrations.models import ReferralChange, WebhookDelivery, WebhookEndpoint
from partnership.models import User
from referrals.selectors import (
    ReferralScope,
    referral_list_in_scope,
    referral_scope_of_organisation,
    referral_scope_of_pdu,
)

logger = logging.getLogger(__name__)

# One assigner of feed positions at a time (a transaction-level advisory lock's key).
_POSITIONS_LOCK = 0x1E57_C4A6
USER_AGENT = "probation-partnerships-webhooks/1"


def change_record(*, event) -> ReferralChange | None:
    """Record a timeline entry for the feed, and a delivery for each endpoint that wants it
    and whose owner (the organisation, or the PDU) may see the referral, and for the HMPPS
    domain-event receiver; all in the entry's transaction. Each delivery is sent once the
    transaction commits."""
    event_type = events.event_type_for(kind=event.kind, from_status=event.from_status)
    if event_type is None:
        return None
    referral = event.referral
    change = ReferralChange.objects.create(
        referral=referral, event=event, event_type=event_type, occurred_at=event.at
    )
    deliveries = []
    endpoints = _endpoints_told_of(referral, event_type)
    if endpoints:
        payload = events.webhook_payload(change)
        deliveries += [
            WebhookDelivery(
                endpoint=endpoint, change=change, event_type=event_type, payload=payload
            )
            for endpoint in endpoints
        ]
    if settings.HMPPS_DOMAIN_EVENTS_URL:
        deliveries += [
            WebhookDelivery(
                destination=WebhookDelivery.Destination.HMPPS_DOMAIN_EVENTS,
                change=change,
                event_type=f"{events.DOMAIN_EVENT_PREFIX}.{domain_event.event_type}",
                payload=events.domain_event_envelope(change, domain_event),
            )
            for domain_event in events.domain_events_for(
                kind=event.kind, from_status=event.from_status
            )
        ]
    for delivery in WebhookDelivery.objects.bulk_create(deliveries):
        transaction.on_commit(lambda pk=delivery.pk: _delivery_queue(pk))
    # Placed in the feed once committed (a read never writes); the sweep places any missed.
    transaction.on_commit(change_positions_assign, robust=True)
    return change


# The referrals each kind of endpoint owner may see: the referrals app's own scopes.
_OWNER_SCOPES: dict[str, Callable[[int], ReferralScope]] = {
    rules.ORGANISATION.field: lambda pk: referral_scope_of_organisation(organisation_id=pk),
    rules.PDU.field: lambda pk: referral_scope_of_pdu(pdu_id=pk),
}


def _endpoints_told_of(referral, event_type: str) -> list[WebhookEndpoint]:
    """The endpoints that want the event, of the referral's organisation and of its PDU,
    whose owner may see the referral now: an endpoint is never told of what its owner's
    people could not read."""
    owners = Q()
    for owner in rules.OWNERS:
        # Never `column=None`: that would match every endpoint of the other side.
        if owner.of(referral) is not None:
            owners |= Q(**{owner.column: owner.of(referral)})
    if not owners:
        return []
    endpoints = WebhookEndpoint.objects.filter(owners, event_types__contains=[event_type])
    sees: dict[str, bool] = {}
    told = []
    for endpoint in endpoints:
        owner = rules.owner_of(endpoint)
        if owner.field not in sees:
            scope = _OWNER_SCOPES[owner.field](owner.of(endpoint))
            sees[owner.field] = referral_list_in_scope(scope=scope).filter(pk=referral.pk).exists()
        if sees[owner.field]:
            told.append(endpoint)
    return told


def _delivery_queue(delivery_id: int) -> None:
    """Hand a delivery to the worker; with the broker down it stays pending, and the sweep
    (`deliveries_due`) sends it."""
    from integrations.tasks import webhook_delivery_send

    try:
        webhook_delivery_send.delay(delivery_id)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the delivery stands
        logger.warning("Delivery %s not queued (%s)", delivery_id, type(exc).__name__)


def change_positions_assign() -> int:
    """Give every committed change without a feed position the next positions; returns how
    many. One assigner at a time, under a lock held until its commit: a later assigner
    starts after, so each position given is above every position anyone can already read,
    and a reader's cursor never passes a change that is still to appear."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_POSITIONS_LOCK])
        # Positions in the order the changes were made (by id): an UPDATE alone takes its
        # rows in whatever order its plan reads them.
        cursor.execute(
            f"""
            WITH unplaced AS (
                SELECT id FROM {ReferralChange._meta.db_table}
                WHERE position IS NULL ORDER BY id FOR UPDATE SKIP LOCKED
            ), placed AS (
                SELECT id, nextval('integrations_change_position') AS position
                FROM (SELECT id FROM unplaced ORDER BY id) in_order
            )
            UPDATE {ReferralChange._meta.db_table} change
            SET position = placed.position
            FROM placed WHERE change.id = placed.id
            """  # noqa: S608 - the table's name is the model's
        )
        return cursor.rowcount


# Endpoints ---------------------------------------------------------------------------------


@transaction.atomic
def endpoint_create(
    *, by: User, url: str, event_types: list[str], description: str = ""
) -> WebhookEndpoint:
    """Register an endpoint of the user's own organisation (a provider admin) or PDU (a
    practitioner), told of events that side may choose, with a new secret (the caller
    shows it once)."""
    owner = rules.require_may_manage_webhooks(by)
    errors: dict[str, list[str]] = {}
    refusal = addresses.url_refusal(url)
    if refusal:
        errors["url"] = [refusal]
    unknown = set(event_types) - set(owner.event_types)
    if not event_types or unknown:
        errors["event_types"] = ["Select the events to be told of"]
    if errors:
        raise ValidationError(errors)
    endpoint = WebhookEndpoint(
        **{owner.column: owner.of(by)},
        url=url,
        event_types=sorted(set(event_types)),
        description=description.strip(),
        secret="whsec_" + secrets.token_urlsafe(32),
        created_by=by,
    )
    endpoint.full_clean()
    endpoint.save()
    logger.info("Webhook endpoint %s added by user %s", endpoint.public_id, by.pk)
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    """Remove an endpoint and its delivery log."""
    rules.require_may_manage_endpoint(by, endpoint)
    endpoint.delete()


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send a delivery again (a new attempt, signed afresh), whatever became of it."""
    rules.require_may_manage_endpoint(by, delivery.endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: _delivery_queue(delivery.pk))
    delivery.refresh_from_db()
    return delivery


# Sending ------------------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """An attempt failed and another is due at `retry_in` seconds from now."""

    def __init__(self, message: str, *, retry_in: float):
        super().__init__(message)
        self.retry_in = retry_in


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to go: it could lead to a private address."""

    def redirect_request(self, *args, **kwargs):
        return None


class _PinnedConnection:
    """A connection to the address that was checked, not to whatever the name resolves to
    by now; the name stays the `Host` header and, over TLS, the name the certificate is
    checked against (`HTTPSConnection` wraps with `server_hostname=self.host`)."""

    def __init__(self, *args, address: str, **kwargs):
        super().__init__(*args, **kwargs)

        def create_connection(where, *rest, **options):
            return socket.create_connection((address, where[1]), *rest, **options)

        self._create_connection = create_connection


class _PinnedHTTPConnection(_PinnedConnection, http.client.HTTPConnection):
    pass


class _PinnedHTTPSConnection(_PinnedConnection, http.client.HTTPSConnection):
    pass


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(functools.partial(_PinnedHTTPConnection, address=self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def https_open(self, req):
        return self.do_open(functools.partial(_PinnedHTTPSConnection, address=self.address), req)


def _opener_to(address: str | None) -> urllib.request.OpenerDirector:
    """No proxies from the environment, no redirects, and a connection to `address` only
    (by name when None: `WEBHOOKS_ALLOW_LOCAL`)."""
    handlers = [urllib.request.ProxyHandler({}), _NoRedirects()]
    if address is not None:
        handlers += [_PinnedHTTPHandler(address), _PinnedHTTPSHandler(address)]
    return urllib.request.build_opener(*handlers)


def backoff_seconds(attempts: int) -> int:
    """The wait after the `attempts`-th failed attempt: doubling from the setting's base,
    at most a day."""
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 24 * 60 * 60)


def _destination(delivery: WebhookDelivery) -> tuple[str, str]:
    if delivery.destination == WebhookDelivery.Destination.HMPPS_DOMAIN_EVENTS:
        return settings.HMPPS_DOMAIN_EVENTS_URL, settings.HMPPS_DOMAIN_EVENTS_SECRET
    return delivery.endpoint.url, delivery.endpoint.secret


@transaction.atomic
def _delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """Take a pending delivery that is due, counting the attempt; None if there is none
    (delivered, failed, not yet due, or another worker has it)."""
    delivery = (
        WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("endpoint", "change__referral")
        .filter(
            pk=delivery_id,
            status=WebhookDelivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .first()
    )
    if delivery is None:
        return None
    delivery.attempts += 1
    delivery.last_attempt_at = timezone.now()
    # Claimed until the attempt's outcome is recorded: a worker that dies mid-send leaves
    # it due again after the timeout, for the sweep.
    delivery.next_attempt_at = delivery.last_attempt_at + timedelta(
        seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 2
    )
    delivery.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    return delivery


def delivery_attempt(*, delivery_id: int) -> bool:
    """Make one attempt at a due delivery; True when the receiver took it (a 2xx). A failed
    attempt is recorded and raises DeliveryFailed with the wait before the next, until
    `WEBHOOK_MAX_ATTEMPTS`, when the delivery is failed. Nothing is held open while the
    receiver answers."""
    delivery = _delivery_claim(delivery_id)
    if delivery is None:
        return False
    url, secret = _destination(delivery)
    payload = delivery.payload
    if delivery.destination == WebhookDelivery.Destination.HMPPS_DOMAIN_EVENTS:
        payload = events.with_person_reference(payload, delivery.change.referral)
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    code, error = None, ""
    try:
        # Looked up once: the connection goes to the address checked here.
        address = addresses.address_checked(url)
    except addresses.AddressRefused as exc:
        error = str(exc)
    else:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
                "Webhook-Id": str(delivery.public_id),
                "Webhook-Event": delivery.event_type,
                signing.SIGNATURE_HEADER: signing.signature_header(secret=secret, body=body),
            },
        )
        try:
            opener = _opener_to(address)
            with opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
                code = response.status
        except urllib.error.HTTPError as exc:
            code, error = exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            error = type(exc).__name__
    return _attempt_record(delivery, code=code, error=error)


def _attempt_record(delivery: WebhookDelivery, *, code: int | None, error: str) -> bool:
    now = timezone.now()
    delivered = code is not None and 200 <= code < 300
    fields = {"response_code": code, "last_error": error[:200]}
    if delivered:
        fields |= {"status": WebhookDelivery.Status.DELIVERED, "delivered_at": now}
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        fields |= {"status": WebhookDelivery.Status.FAILED}
    else:
        retry_in = backoff_seconds(delivery.attempts)
        fields |= {"next_attempt_at": now + timedelta(seconds=retry_in)}
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    if delivered:
        return True
    logger.warning(
        "Delivery %s attempt %s failed: %s", delivery.pk, delivery.attempts, error or code
    )
    if fields.get("status") == WebhookDelivery.Status.FAILED:
        return False
    raise DeliveryFailed(error or f"HTTP {code}", retry_in=retry_in)


def deliveries_due(*, limit: int = 500) -> list[int]:
    """Pending deliveries whose time has come: retries that lost their message, deliveries
    the broker never took, and attempts cut off by a dying worker."""
    return list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
