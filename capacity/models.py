"""Capacity and agreement alerts, raised by the monitoring (`capacity.alerts`)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Alert(models.Model):
    """A capacity or agreement alert: one per subject, rule and month while it is unresolved.

    The subject is a service (capacity rules) or an agreement (milestones), never both. The
    organisation and regions are copied from the subject so that scoping (provider admins by
    organisation, commissioners by their body's regions) is a plain filter.
    """

    class Rule(models.TextChoices):
        OVER_CAPACITY = "over_capacity", "Over capacity"
        HEADING_OVER = "heading_over", "Heading over capacity"
        UNDER_USED = "under_used", "Under-used"
        LONG_WAIT = "long_wait", "Long wait"
        UNFUNDED_DEMAND = "unfunded_demand", "Unfunded demand"
        AGREEMENT_MILESTONE = "agreement_milestone", "Agreement milestone"

    class Severity(models.TextChoices):
        AMBER = "amber", "Amber"
        RED = "red", "Red"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rule = models.CharField(max_length=20, choices=Rule.choices)
    severity = models.CharField(max_length=5, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    period = models.DateField(help_text="The first day of the month the alert is about")
    service = models.ForeignKey(
        "providers.Service",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="capacity_alerts",
    )
    agreement = models.ForeignKey(
        "commissioning.Agreement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.CASCADE, related_name="capacity_alerts"
    )
    regions = models.ManyToManyField("partnership.Region", blank=True, related_name="+")
    figures = models.JSONField(default=dict, blank=True)
    message = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    evaluated_at = models.DateTimeField(default=timezone.now)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement_note = models.TextField(
        blank=True, help_text="What is being done about it, from whoever acknowledged it"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-opened_at"], name="alert_status_recent"),
            models.Index(fields=["organisation", "status"], name="alert_organisation"),
            # The alert centre's and the API's orders: a page is read from the top of the
            # order, each alert tested against the user's regions, not all sorted first.
            models.Index(
                fields=["-severity", "-opened_at", "-id"],
                condition=~Q(status="resolved"),
                name="alert_current_order",
            ),
            models.Index(fields=["-opened_at", "-id"], name="alert_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                name="alert_has_one_subject",
                condition=Q(service__isnull=False, agreement__isnull=True)
                | Q(service__isnull=True, agreement__isnull=False),
            ),
            models.CheckConstraint(
                name="alert_period_is_first_of_month", condition=Q(period__day=1)
            ),
            models.CheckConstraint(
                name="alert_resolved_when_resolved_at",
                condition=Q(status="resolved", resolved_at__isnull=False)
                | (~Q(status="resolved") & Q(resolved_at__isnull=True)),
            ),
            models.CheckConstraint(
                name="alert_acknowledged_has_when",
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
            ),
            # What stops two concurrent runs raising the same alert twice.
            models.UniqueConstraint(
                fields=["service", "rule", "period"],
                condition=Q(service__isnull=False) & ~Q(status="resolved"),
                name="alert_one_unresolved_per_service_rule_period",
            ),
            models.UniqueConstraint(
                fields=["agreement", "rule", "period"],
                condition=Q(agreement__isnull=False) & ~Q(status="resolved"),
                name="alert_one_unresolved_per_agreement_rule_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.get_rule_display().lower()}: {self.subject_name} ({self.period_code})"

    @property
    def subject_name(self) -> str:
        return str(self.service if self.service_id else self.agreement)

    @property
    def period_code(self) -> str:
        """The month as the API shows it: YYYY-MM."""
        return f"{self.period:%Y-%m}"

    @property
    def is_unresolved(self) -> bool:
        return self.status != self.Status.RESOLVED

    @property
    def portal_path(self) -> str:
        """Where a notification about the alert links to in the portal."""
        return f"/alerts/{self.public_id}/"


class DemandMonth(models.Model):
    """A month's demand against capacity for one category and region, as
    `utilisation.utilisation_history` counts it, kept by the monitoring run
    (`utilisation.keep_demand_months`): the demand view then reads the twelve months before
    this one from a few hundred rows instead of counting their referrals again. Every
    category and region of a kept month has a row, zeros included, written together.

    The month the run was in is kept too, `in_progress`: of it only the capacity is read
    (shared among every service covering the region, the part of the count that grows with
    the number of services); its referrals are counted on every read. A change to a
    service's or an agreement's capacity drops it (`receivers.kept_capacity_drop`), so that
    the next read counts capacity afresh until the next run keeps it again."""

    month = models.DateField(help_text="The first day of the month")
    category = models.ForeignKey(
        "partnership.ServiceCategory", on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey("partnership.Region", on_delete=models.CASCADE, related_name="+")
    sent = models.PositiveIntegerField()
    accepted = models.PositiveIntegerField()
    capacity = models.FloatField()
    kept_at = models.DateTimeField(help_text="When the monitoring run counted it")
    in_progress = models.BooleanField(
        default=False,
        help_text="The month had not ended when it was kept: only its capacity is read",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "category", "region"], name="demand_month_once"
            ),
            models.CheckConstraint(
                name="demand_month_is_first_of_month", condition=Q(month__day=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.category_id}/{self.region_id}"
