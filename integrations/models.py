"""What case systems and probation systems sync from: the change feed of referrals, the
webhook endpoints organisations and PDUs register, and each delivery to them (or to the
deployment's HMPPS domain-event receiver)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReferralChange(models.Model):
    """One entry of the change feed: a referral's timeline event, as a case system sees it
    (a type and ids, never notes or personal data).

    `position` is the feed's cursor. It is given after the change commits, by
    `services.change_positions_assign`, one assigner at a time: so a position is never
    given below one already readable, and a client that reads past a position never misses
    a change that commits later (ids from a sequence would: they commit out of order)."""

    referral = models.ForeignKey(
        "referrals.Referral", on_delete=models.CASCADE, related_name="integration_changes"
    )
    event = models.OneToOneField(
        "referrals.ReferralEvent", on_delete=models.CASCADE, related_name="integration_change"
    )
    event_type = models.CharField(max_length=60)
    occurred_at = models.DateTimeField()
    position = models.BigIntegerField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["position"]
        indexes = [
            models.Index(fields=["id"], condition=Q(position__isnull=True), name="change_unplaced"),
            models.Index(fields=["referral", "-position"], name="change_referral_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} at {self.occurred_at:%Y-%m-%d %H:%M}"


class WebhookEndpoint(models.Model):
    """An HTTPS address of a system told of the events it chose: a provider organisation's
    case system, or a probation delivery unit's (one owner, never both)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "providers.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    pdu = models.ForeignKey(
        "partnership.Pdu",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
    )
    url = models.URLField("URL", max_length=500)
    event_types = ArrayField(models.CharField(max_length=60))
    # Signs every delivery; shown to the admin once, when the endpoint is added.
    secret = models.CharField(max_length=100, editable=False)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="webhook_endpoint_one_owner",
                condition=Q(organisation__isnull=False, pdu__isnull=True)
                | Q(organisation__isnull=True, pdu__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one destination: a webhook endpoint, or the deployment's HMPPS
    domain-event receiver (no endpoint). Recorded in the transaction of the change (an
    outbox), sent by a task, retried with backoff."""

    class Destination(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        HMPPS_DOMAIN_EVENTS = "hmpps_domain_events", "HMPPS domain events"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    destination = models.CharField(
        max_length=20, choices=Destination.choices, default=Destination.WEBHOOK
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    change = models.ForeignKey(ReferralChange, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=100)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # What went wrong, in the words of the HTTP client: never the response's body.
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at", "-id"], name="delivery_log"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="delivery_webhook_has_endpoint",
                condition=Q(destination="webhook", endpoint__isnull=False)
                | Q(destination="hmpps_domain_events", endpoint__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["endpoint", "change"],
                condition=Q(destination="webhook"),
                name="delivery_once_per_endpoint_and_change",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} ({self.get_status_display()})"
