"""Funding rounds, lots, applications, assessment, awards and agreements."""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from partnership.history import track_changes


class Mechanism(models.TextChoices):
    GRANT = "grant", "Grant"
    CONTRACT = "contract", "Contract"


class FundingRound(models.Model):
    """A round of funding, let as grants or contracts, in lots."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CONSULTATION = "consultation", "In consultation"
        OPEN = "open", "Open for applications"
        ASSESSMENT = "assessment", "In assessment"
        AWARDED = "awarded", "Awarded"
        CLOSED = "closed", "Closed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    mechanism = models.CharField(max_length=10, choices=Mechanism.choices, default=Mechanism.GRANT)
    lead_body = models.ForeignKey(
        "partnership.CommissioningBody", on_delete=models.PROTECT, related_name="rounds_led"
    )
    co_funders = models.ManyToManyField(
        "partnership.CommissioningBody", blank=True, related_name="rounds_co_funded"
    )
    regions = models.ManyToManyField("partnership.Region", related_name="funding_rounds")
    budget = models.PositiveBigIntegerField(help_text="In pounds")
    consultation_opens_on = models.DateField(null=True, blank=True)
    opens_on = models.DateField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    decision_by = models.DateField(null=True, blank=True)
    minimum_agreement_months = models.PositiveSmallIntegerField(default=24)
    break_clause_policy = models.TextField(blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class RoundComment(models.Model):
    """A provider's comment on a round during consultation."""

    funding_round = models.ForeignKey(
        FundingRound, on_delete=models.CASCADE, related_name="comments"
    )
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.organisation} on {self.funding_round}"


class Lot(models.Model):
    """A part of a round: one category in one area, with its own budget."""

    funding_round = models.ForeignKey(FundingRound, on_delete=models.CASCADE, related_name="lots")
    title = models.CharField(max_length=200)
    category = models.ForeignKey(
        "partnership.ServiceCategory", on_delete=models.PROTECT, related_name="+"
    )
    pdus = models.ManyToManyField("partnership.Pdu", related_name="lots")
    budget = models.PositiveBigIntegerField()
    expected_monthly_referrals = models.PositiveIntegerField()
    income_ceiling = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Only organisations with an annual income below this may apply",
    )

    class Meta:
        ordering = ["funding_round", "id"]

    def __str__(self) -> str:
        return self.title


@track_changes(model_name="ApplicationHistory", verbose_name_plural="application history")
class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUCCESSFUL = "successful", "Successful"
        UNSUCCESSFUL = "unsuccessful", "Unsuccessful"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="applications")
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    approach = models.TextField(blank=True, help_text="How you will deliver the service")
    experience = models.TextField(blank=True, help_text="Your experience of similar work")
    outcomes = models.TextField(blank=True, help_text="The difference it will make")
    amount_requested = models.PositiveBigIntegerField(null=True, blank=True)
    proposed_monthly_capacity = models.PositiveIntegerField(null=True, blank=True)
    pdus = models.ManyToManyField("partnership.Pdu", blank=True, related_name="+")
    staff_training_budget = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.DRAFT)
    feedback = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["lot", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "organisation"],
                condition=~Q(status="withdrawn"),
                name="application_once_per_lot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} for {self.lot}"


class Criterion(models.Model):
    """A weighted criterion the round's applications are scored against."""

    funding_round = models.ForeignKey(
        FundingRound, on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["funding_round", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class LotAssessor(models.Model):
    """An assessor assigned to a lot: they assess every application submitted to it, those
    submitted before they were assigned and those submitted after."""

    lot = models.ForeignKey(Lot, on_delete=models.CASCADE, related_name="lot_assessors")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="lots_assessed"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["lot", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "assessor"], name="assessor_once_per_lot")
        ]

    def __str__(self) -> str:
        return f"{self.assessor} on {self.lot}"


@track_changes(model_name="AssessorAssignmentHistory", verbose_name_plural="assessment history")
class AssessorAssignment(models.Model):
    """An assessor assigned to an application; nothing is visible before conflicts are declared."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="assignments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    conflict_declared_at = models.DateTimeField(null=True, blank=True)
    has_conflict = models.BooleanField(default=False)
    conflict_details = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["application", "assessor"], name="assessor_once_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assessor} on {self.application}"


@track_changes(model_name="ScoreHistory", verbose_name_plural="score history")
class Score(models.Model):
    assignment = models.ForeignKey(
        AssessorAssignment, on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(5)])
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"], name="score_once_per_criterion"
            ),
            models.CheckConstraint(name="score_zero_to_five", condition=Q(score__lte=5)),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


@track_changes(model_name="AgreementHistory", verbose_name_plural="agreement history")
class Agreement(models.Model):
    """The grant or contract that an award becomes."""

    class Status(models.TextChoices):
        MOBILISING = "mobilising", "Mobilising"
        LIVE = "live", "Live"
        ENDED = "ended", "Ended"
        TERMINATED = "terminated", "Terminated"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="agreement"
    )
    organisation = models.ForeignKey(
        "providers.Organisation", on_delete=models.PROTECT, related_name="agreements"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="agreements")
    mechanism = models.CharField(max_length=10, choices=Mechanism.choices)
    value = models.PositiveBigIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    break_clause_dates = ArrayField(models.DateField(), default=list, blank=True)
    justification = models.TextField(
        blank=True, help_text="Why the term is short or has no break clause"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.MOBILISING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="agreement_ends_after_start", condition=Q(ends_on__gt=models.F("starts_on"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_mechanism_display()} to {self.organisation} for {self.lot}"


class AgreementService(models.Model):
    """A service an agreement funds, with the referrals it is contracted to take each month."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="funded_services"
    )
    service = models.ForeignKey(
        "providers.Service", on_delete=models.PROTECT, related_name="funding"
    )
    contracted_monthly_referrals = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agreement", "service"], name="agreement_service_once")
        ]

    def __str__(self) -> str:
        return f"{self.service} under {self.agreement}"


class RoundStep(models.Model):
    """A step a round took (`rules.ROUND_STEPS`): who took it, when, and why if it came
    before the round's calendar said (closing applications early needs a reason)."""

    funding_round = models.ForeignKey(FundingRound, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=30)
    from_status = models.CharField(max_length=15, choices=FundingRound.Status.choices)
    to_status = models.CharField(max_length=15, choices=FundingRound.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    early = models.BooleanField(default=False)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.funding_round}: {self.get_from_status_display()} to {self.get_to_status_display()}"


class ContractRelease(models.Model):
    """One state of a contract round as published in OCDS: a change to the round, its awards
    or its contracts makes a new release, and the earlier ones stay as its history."""

    funding_round = models.ForeignKey(
        FundingRound, on_delete=models.CASCADE, related_name="contract_releases"
    )
    sequence = models.PositiveIntegerField()
    date = models.DateTimeField(help_text="When the data in this release last changed")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the release's content")
    document = models.TextField(help_text="The OCDS release as JSON, id and date included")

    class Meta:
        ordering = ["funding_round", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["funding_round", "sequence"], name="contract_release_sequence_once"
            )
        ]

    def __str__(self) -> str:
        return self.release["id"]

    @property
    def release(self) -> dict:
        return json.loads(self.document)


class GrantRecord(models.Model):
    """An awarded grant as published in 360Giving, kept current as its data changes (see
    `exports.record_grants`) so the export reads stored grants instead of building each."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="grant_record"
    )
    modified = models.DateTimeField(help_text="When the data in the grant last changed")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the document")
    document = models.TextField(help_text="The 360Giving grant as JSON, indented by two")

    def __str__(self) -> str:
        return self.grant["id"]

    @property
    def grant(self) -> dict:
        return json.loads(self.document)
