"""Referrals of people on probation to services, with their risk information, risk
documents, timeline and the append-only log of every read of risk data."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Upper
from django.utils import timezone

from partnership.history import track_changes


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    RETURNED = "returned", "Returned for information"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


# A person has at most one of these per service at a time.
OPEN_STATUSES = [Status.SENT, Status.RETURNED, Status.ACCEPTED, Status.IN_PROGRESS]
CLOSED_STATUSES = [Status.COMPLETED, Status.DECLINED, Status.WITHDRAWN]


class RoshLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", "No capacity"
    OUTSIDE_ELIGIBILITY = "outside_eligibility", "Outside the service's eligibility"
    RISK_UNMANAGEABLE = "risk_unmanageable", "Risk cannot be managed safely"
    NOT_SUITABLE = "not_suitable", "Not suitable for the service"
    DUPLICATE = "duplicate", "Duplicate referral"
    OTHER = "other", "Other"


class WithdrawReason(models.TextChoices):
    RECALLED = "recalled", "Recalled to custody"
    SENTENCE_ENDED = "sentence_ended", "Sentence ended"
    MOVED = "moved", "Moved out of the area"
    NEEDS_MET = "needs_met", "Needs met elsewhere"
    PERSON_DECLINED = "person_declined", "The person declined"
    MADE_IN_ERROR = "made_in_error", "Made in error"
    OTHER = "other", "Other"


@track_changes(model_name="ReferralHistory", verbose_name_plural="referral history")
class Referral(models.Model):
    """A practitioner's referral of a person on probation to a service."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    class Setting(models.TextChoices):
        COMMUNITY = "community", "In the community"
        CUSTODY = "custody", "In custody"

    class ConsentBasis(models.TextChoices):
        CONSENT = "consent", "The person has given consent"
        LICENCE_CONDITION = "licence_condition", "A licence or post-sentence supervision condition"
        REQUIREMENT = "requirement", "A rehabilitation activity requirement"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Null until the row has its id, which the reference is built from.
    reference = models.CharField(max_length=20, unique=True, null=True, editable=False)  # noqa: DJ001
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    pdu = models.ForeignKey("partnership.Pdu", on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(
        "providers.Service", on_delete=models.PROTECT, related_name="referrals"
    )
    # The service's organisation, kept on the referral (a service never changes hands) so
    # that a provider's inbox is one index range however many services it runs.
    organisation = models.ForeignKey(
        "providers.Organisation",
        on_delete=models.PROTECT,
        related_name="referrals",
        editable=False,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)

    # The person on probation.
    crn = models.CharField(
        "CRN",
        max_length=7,
        validators=[
            RegexValidator(r"^[A-Z][0-9]{6}$", "Enter a CRN in the correct format, like X123456")
        ],
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    address = models.TextField(blank=True)
    setting = models.CharField(max_length=10, choices=Setting.choices, default=Setting.COMMUNITY)
    prison = models.CharField(max_length=150, blank=True)
    expected_release_date = models.DateField(null=True, blank=True)

    # Sentence.
    sentence_type = models.CharField(max_length=150, blank=True)
    sentence_end_date = models.DateField(null=True, blank=True)
    rar_days = models.PositiveSmallIntegerField(
        "maximum rehabilitation activity days", null=True, blank=True
    )

    # Needs.
    complexity_level = models.ForeignKey(
        "partnership.ComplexityLevel", null=True, blank=True, on_delete=models.PROTECT
    )
    desired_outcomes = models.ManyToManyField(
        "partnership.DesiredOutcome", blank=True, related_name="+"
    )
    reason = models.TextField(blank=True)
    accessibility_needs = models.TextField(blank=True)
    interpreter_language = models.CharField(max_length=100, blank=True)
    availability = models.TextField(blank=True)
    consent_basis = models.CharField(max_length=20, choices=ConsentBasis.choices, blank=True)

    # Decisions.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_assigned",
    )
    return_reason = models.TextField(blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    withdraw_reason = models.CharField(max_length=20, choices=WithdrawReason.choices, blank=True)
    closing_note = models.TextField(blank=True)

    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # What the probation case record gave when the details were filled in from it
    # (`referrals.prefill`): when, from where, and each field's value, so that a correction
    # and a change in the record since the draft began can be told.
    prefilled = models.JSONField(default=dict, blank=True, editable=False)
    # Why the practitioner entered details by hand that the case record could not give.
    entered_by_hand_reason = models.TextField(blank=True)
    # When the person's details were removed, the retention period after closing.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["service", "status", "-sent_at"], name="referral_inbox"),
            models.Index(fields=["pdu", "status", "-created_at"], name="referral_pdu"),
            models.Index(fields=["crn"], name="referral_crn"),
            models.Index(
                fields=["organisation", "status", "-created_at", "-id"],
                name="referral_provider_inbox",
            ),
            models.Index(fields=["pdu", "-created_at", "-id"], name="referral_pdu_newest"),
            # A provider's whole list, newest first, never shows drafts.
            models.Index(
                fields=["organisation", "-created_at", "-id"],
                condition=~Q(status=Status.DRAFT),
                name="referral_provider_newest",
            ),
            # The capacity monitoring reads what was sent or decided since a month began
            # and what is active now: each has an index, so it never scans old referrals.
            # Partial, so that only a range of dates uses them: a list of one provider's or
            # PDU's, sorted by a date, would otherwise walk the whole country's (the planner
            # cannot know that its recent rows are mostly someone else's).
            models.Index(
                fields=["sent_at"], condition=Q(sent_at__isnull=False), name="referral_sent_at"
            ),
            models.Index(
                fields=["decided_at"],
                condition=Q(decided_at__isnull=False),
                name="referral_decided_at",
            ),
            models.Index(
                fields=["service"],
                condition=Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS]),
                name="referral_active",
            ),
            # A few services' month (the directory's indicators, a service's page): what
            # they were sent and what they decided since it began, without the country's.
            models.Index(fields=["service", "decided_at"], name="referral_service_decided"),
            # ... and a service's last twelve months (its track record on its page), read
            # from the index alone: the id finds each one's sessions.
            models.Index(
                fields=["service", "sent_at"],
                include=["status", "decided_at", "id"],
                name="referral_service_sent",
            ),
            # The demand view counts a region's referrals by month from its PDUs' alone;
            # status and service come with the index entry, so no row is read.
            models.Index(
                fields=["pdu", "sent_at"], include=["status", "service"], name="referral_pdu_sent"
            ),
            models.Index(
                fields=["pdu", "decided_at"],
                include=["status", "service"],
                name="referral_pdu_decided",
            ),
            # The provider's work list sorts by when each referral was sent.
            models.Index(
                fields=["organisation", "-sent_at", "-id"],
                condition=~Q(status=Status.DRAFT),
                name="referral_provider_sent",
            ),
            # A tab in one status; and the tabs' counts, searched or filtered by service,
            # from the index alone.
            models.Index(
                fields=["organisation", "status", "-sent_at", "-id"],
                include=["assigned_to", "service", "first_name", "last_name", "reference"],
                name="referral_provider_status_sent",
            ),
            # The same for a PDU's list (the practitioner's tabs).
            models.Index(
                fields=["pdu", "status"],
                include=[
                    "practitioner",
                    "sent_at",
                    "anonymised_at",
                    "service",
                    "first_name",
                    "last_name",
                    "reference",
                ],
                name="referral_pdu_counts",
            ),
            # A work list's search by name (`selectors.referral_search_q`, first or last
            # name starting with a word) within a provider's or a PDU's referrals: without
            # them a search read every referral of a busy provider. The status within the
            # index narrows each tab's matches there: without it, the planner ANDed the
            # matches with every open referral in the country (the one-open-referral
            # constraint's index), a cost growing with the country's referrals.
            *(
                models.Index(
                    F(scope),
                    OpClass(Upper(name), name="text_pattern_ops"),
                    F("status"),
                    name=f"referral_{label}_{name}",
                )
                for scope, label in (("organisation", "provider"), ("pdu", "pdu"))
                for name in ("first_name", "last_name")
            ),
            # A practitioner's own referrals, newest first (the "My referrals" tab).
            models.Index(
                fields=["practitioner", "-created_at", "-id"], name="referral_practitioner_newest"
            ),
            # "Decision due soonest": those awaiting a decision first, the longest waiting
            # first (`referrals.selectors.DECISION_DUE_ORDER`), for a PDU and a provider.
            models.Index(
                F("pdu"),
                Case(When(status=Status.SENT, then=Value(0)), default=Value(1)),
                F("sent_at"),
                F("id").desc(),
                name="referral_pdu_decision_due",
            ),
            models.Index(
                F("organisation"),
                Case(When(status=Status.SENT, then=Value(0)), default=Value(1)),
                F("sent_at"),
                F("id").desc(),
                name="referral_provider_decision_due",
            ),
            # Accepted referrals no one is assigned yet, the provider's home page's queue.
            models.Index(
                fields=["organisation", "decided_at", "id"],
                condition=Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
                & Q(assigned_to__isnull=True),
                name="referral_provider_unassigned",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["crn", "service"],
                condition=Q(status__in=OPEN_STATUSES),
                name="referral_one_open_per_person_and_service",
            ),
            models.UniqueConstraint(
                fields=["practitioner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="referral_idempotency_key_once",
            ),
            # An anonymised referral keeps no CRN.
            models.CheckConstraint(
                name="referral_crn_format",
                condition=Q(crn__regex=r"^[A-Z][0-9]{6}$") | Q(crn="", anonymised_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference or str(self.public_id)

    def save(self, *args, **kwargs):
        if self.organisation_id is None and self.service_id is not None:
            self.organisation_id = self.service.organisation_id
        super().save(*args, **kwargs)

    @property
    def portal_path(self) -> str:
        """Where a notification about the referral links to in the portal."""
        return f"/referrals/{self.public_id}/"

    @property
    def person_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@track_changes(model_name="RiskInformationHistory", verbose_name_plural="risk information history")
class RiskInformation(models.Model):
    """The risk picture a provider needs to work safely with the person."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="risk")
    rosh_children = models.CharField(
        "risk of serious harm to children", max_length=10, choices=RoshLevel.choices, blank=True
    )
    rosh_public = models.CharField(
        "risk of serious harm to the public", max_length=10, choices=RoshLevel.choices, blank=True
    )
    rosh_known_adult = models.CharField(
        "risk of serious harm to a known adult",
        max_length=10,
        choices=RoshLevel.choices,
        blank=True,
    )
    rosh_staff = models.CharField(
        "risk of serious harm to staff", max_length=10, choices=RoshLevel.choices, blank=True
    )
    summary = models.TextField(blank=True)
    risk_to_self = models.TextField(blank=True)
    staff_safety = models.TextField("what staff must know to stay safe", blank=True)
    last_assessed_on = models.DateField(null=True, blank=True)
    # The risk of serious harm assessment these were filled in from (`referrals.prefill`):
    # its source, when it was completed and fetched, and each field's value then.
    prefilled = models.JSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Risk information for {self.referral}"

    @property
    def levels_complete(self) -> bool:
        return all([self.rosh_children, self.rosh_public, self.rosh_known_adult, self.rosh_staff])


class RiskDocument(models.Model):
    """A risk document attached to a referral, stored outside the web root."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="documents")
    original_name = models.CharField(max_length=255)
    storage_name = models.CharField(max_length=100, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


EVENT_LABELS = {
    "created": "Started",
    "send": "Sent",
    "accept": "Accepted",
    "return": "Returned for information",
    "decline": "Declined",
    "withdraw": "Withdrawn",
    "assign": "Assigned",
    "amended": "Amended",
    "risk_amended": "Risk information amended",
    "document_added": "Risk document added",
    "document_removed": "Risk document removed",
    "start": "In progress",
    "session": "Session recorded",
    "session_corrected": "Session corrected",
    "concern": "Concern raised",
    "concern_acknowledged": "Concern acknowledged",
    "complete": "End-of-service report sent",
    "prefilled": "Details filled in from the probation case record",
    "case_record_corrected": "Details from the probation case record corrected",
    "entered_by_hand": "Details entered by hand",
    "risk_prefilled": "Risk information filled in from the probation case record",
    "risk_corrected": "Risk information from the probation case record corrected",
}


# Timeline entries whose notes are risk information (the reason risk changed, a risk
# document's name): shown only to those who may read risk, and their reads logged.
RISK_EVENT_KINDS = frozenset(
    {"risk_amended", "document_added", "document_removed", "risk_prefilled", "risk_corrected"}
)


class ReferralEvent(models.Model):
    """One entry on a referral's timeline: a state change or an amendment, by whom and when."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


class AccessLog(models.Model):
    """One read of risk information or a risk document, or a refused attempt.

    Append-only: a trigger in the database refuses UPDATE and DELETE.
    """

    class Outcome(models.TextChoices):
        GRANTED = "granted", "Granted"
        DENIED = "denied", "Denied"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    user_email = models.CharField(max_length=254)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    crn = models.CharField(max_length=7, db_index=True)
    what = models.CharField(max_length=100)
    why = models.CharField(max_length=200)
    channel = models.CharField(max_length=10)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"], name="access_log_user")]

    def __str__(self) -> str:
        return f"{self.user_email} {self.outcome} {self.what} of {self.crn}"


class Session(models.Model):
    """A contact with the person: the first contact or assessment, then sessions."""

    class Kind(models.TextChoices):
        FIRST_CONTACT = "first_contact", "First contact or assessment"
        SESSION = "session", "Session"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "Phone"
        VIDEO = "video", "Video"
        GROUP = "group", "Group"

    class Attendance(models.TextChoices):
        ATTENDED = "attended", "Attended"
        LATE = "late", "Late"
        DID_NOT_ATTEND = "did_not_attend", "Did not attend"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.SESSION)
    held_on = models.DateField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    attendance = models.CharField(max_length=15, choices=Attendance.choices)
    engagement_notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["held_on", "id"]
        # A referral's first and last session (the track record) from the index alone.
        indexes = [models.Index(fields=["referral", "held_on"], name="session_referral_held")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.held_on}"


class Concern(models.Model):
    """A caseworker's concern about the person; urgent ones reach the practitioner at once."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", "Urgent"
        ROUTINE = "routine", "Routine"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="concerns")
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    what_happened = models.TextField()
    actions_taken = models.TextField(blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(
                fields=["referral"],
                condition=Q(acknowledged_at__isnull=True),
                name="concern_unacknowledged",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_urgency_display()} concern on {self.referral}"


class EndOfServiceReport(models.Model):
    """How the referral's desired outcomes went, sent once when the service ends."""

    class ClosingReason(models.TextChoices):
        COMPLETED = "completed", "Completed"
        DISENGAGED = "disengaged", "The person disengaged"
        RECALLED = "recalled", "Recalled to custody"
        MOVED_AREA = "moved_area", "Moved area"
        OTHER = "other", "Other"

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="end_of_service_report"
    )
    closing_reason = models.CharField(max_length=15, choices=ClosingReason.choices)
    summary = models.TextField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"End-of-service report for {self.referral}"


class OutcomeResult(models.Model):
    class Result(models.TextChoices):
        ACHIEVED = "achieved", "Achieved"
        PARTIALLY = "partially_achieved", "Partially achieved"
        NOT_ACHIEVED = "not_achieved", "Not achieved"

    report = models.ForeignKey(
        EndOfServiceReport, on_delete=models.CASCADE, related_name="outcomes"
    )
    desired_outcome = models.ForeignKey(
        "partnership.DesiredOutcome", on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(max_length=20, choices=Result.choices)
    comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "desired_outcome"], name="outcome_result_once_per_report"
            )
        ]

    def __str__(self) -> str:
        return f"{self.desired_outcome}: {self.get_result_display()}"


class Reminder(models.Model):
    """A missed timeliness target, sent once per referral, stage and level of escalation."""

    class Stage(models.TextChoices):
        DECISION = "decision", "Decision"
        FIRST_CONTACT = "first_contact", "First contact"
        REPORT = "report", "End-of-service report"

    class Level(models.TextChoices):
        PROVIDER = "provider", "Provider staff"
        PROVIDER_ADMIN = "provider_admin", "Provider admin"
        COMMISSIONER = "commissioner", "Commissioner"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="reminders")
    stage = models.CharField(max_length=15, choices=Stage.choices)
    level = models.CharField(max_length=15, choices=Level.choices)
    due_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["referral", "stage", "level"], name="reminder_once_per_stage_and_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} reminder to {self.get_level_display().lower()} for {self.referral}"


class RetentionRun(models.Model):
    """One run of the retention policy: which closed referrals it anonymised, and what it
    removed with them."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Daily schedule"
        COMMAND = "command", "Command"

    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    retention_years = models.PositiveSmallIntegerField()
    closed_before = models.DateTimeField(help_text="Referrals closed before this were due")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    referrals_anonymised = models.PositiveIntegerField(default=0)
    documents_deleted = models.PositiveIntegerField(default=0)
    history_events_deleted = models.PositiveIntegerField(default=0)
    drafts_flagged = models.PositiveIntegerField(
        default=0, help_text="Untouched drafts whose practitioner was told they will be deleted"
    )
    drafts_deleted = models.PositiveIntegerField(
        default=0, help_text="Drafts deleted, still untouched after the notice"
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Retention run of {self.started_at:%Y-%m-%d %H:%M}"


class DraftExpiryNotice(models.Model):
    """The notice to a draft's practitioner that the untouched draft will be deleted; an
    edit after it means a new notice is needed before the draft can go."""

    referral = models.OneToOneField(
        Referral, on_delete=models.CASCADE, related_name="expiry_notice"
    )
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Expiry notice for {self.referral} at {self.sent_at:%Y-%m-%d}"
