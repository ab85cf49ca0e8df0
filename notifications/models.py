"""Notifications to users, and the outbox of tasks for the worker.

Both tables keep the names they were made with in `partnership` (the move to this app
changed no data), so code on either side of a deploy reads and writes the same rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """A message to one user, shown in the portal and, when asked for, sent by email once."""

    class EmailStatus(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        PENDING = "pending", "Pending"
        # Claimed by a worker and committed before the provider is called (see
        # services.notification_email_deliver), so a crash never leaves it looking unsent.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    # Lets a sender say "this event, for this person" so a repeat never notifies twice.
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=15, choices=EmailStatus.choices, default=EmailStatus.NOT_REQUIRED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "partnership_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            # The stalled-email sweep reads only the few emails not yet settled.
            models.Index(
                fields=["created_at"],
                condition=Q(email_status="pending"),
                name="notification_email_pending",
            ),
            models.Index(
                fields=["email_claimed_at"],
                condition=Q(email_status="sending"),
                name="notification_email_sending",
            ),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once_per_recipient_and_event",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class PendingTask(models.Model):
    """A task for the worker, recorded in the transaction of the change that needs it and
    removed once the broker has taken it: a broker outage delays the task, never loses it."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "partnership_pendingtask"
        indexes = [models.Index(fields=["created_at"], name="pending_task_by_age")]

    def __str__(self) -> str:
        return f"{self.task_name} recorded {self.created_at:%Y-%m-%d %H:%M}"
