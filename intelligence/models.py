"""What the partnership learns from its own work: needs nothing could meet, who is referred
and how they fare (equality monitoring), and how good referrals are from the provider's side.

None of it names a person: an unmet need keeps broad characteristics only, and equality
answers are read back only as suppressed group figures (`intelligence.suppression`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class AgeBand(models.TextChoices):
    UNDER_25 = "18_24", "18 to 24"
    FROM_25 = "25_34", "25 to 34"
    FROM_35 = "35_49", "35 to 49"
    FROM_50 = "50_64", "50 to 64"
    OVER_64 = "65_plus", "65 or over"


PREFER_NOT = "prefer_not", "Prefer not to say"


class NeedFlag(models.TextChoices):
    """What narrowed the choice of service for the person, broadly."""

    LEAVING_CUSTODY = "leaving_custody", "Leaving custody soon"
    HIGH_RISK = "high_risk", "High or very high risk of serious harm"
    DISABILITY = "disability", "Disability or long-term health condition"
    INTERPRETER = "interpreter", "Needs an interpreter"
    CARER = "carer", "Caring responsibilities or children"


class UnmetNeed(models.Model):
    """A need a practitioner could not meet: no suitable service, recorded where that was
    found (an empty search, a declined or abandoned referral). No identifiers, ever."""

    class Reason(models.TextChoices):
        NONE_EXISTS = "none_exists", "No service of this kind exists here"
        FULL = "full", "The services are full"
        INELIGIBLE = "ineligible", "The person is not eligible for the services there are"
        TOO_FAR = "too_far", "The services are too far away"
        WAIT_TOO_LONG = "wait_too_long", "The wait is too long"

    class Source(models.TextChoices):
        SEARCH = "search", "A directory search"
        DECLINED = "declined", "A declined referral"
        WITHDRAWN = "withdrawn", "A withdrawn referral"
        DRAFT_DELETED = "draft_deleted", "An abandoned draft"
        OTHER = "other", "Recorded directly"

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"

    Flag = NeedFlag

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(
        "partnership.ServiceCategory", on_delete=models.PROTECT, related_name="+"
    )
    pdu = models.ForeignKey("partnership.Pdu", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=15, choices=Reason.choices)
    source = models.CharField(max_length=15, choices=Source.choices, default=Source.OTHER)
    age_band = models.CharField(max_length=10, choices=AgeBand.choices, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, blank=True)
    flags = ArrayField(
        models.CharField(max_length=20, choices=NeedFlag.choices), default=list, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["pdu", "category", "recorded_at"], name="unmet_need_pdu")]
        constraints = [
            models.CheckConstraint(
                name="unmet_need_flags_known",
                condition=Q(flags__contained_by=NeedFlag.values),
            )
        ]

    def __str__(self) -> str:
        return f"Unmet need for {self.category} in {self.pdu}"


class YesNo(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PREFER_NOT = PREFER_NOT


class EqualityMonitoring(models.Model):
    """The person's protected characteristics as probation monitors them, each optional and
    each with "prefer not to say"; kept beside the referral, read back only as suppressed
    group figures."""

    class Ethnicity(models.TextChoices):
        # The five high-level groups of the ONS 2021 Census.
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        WHITE = "white", "White"
        OTHER = "other", "Other ethnic group"
        PREFER_NOT = PREFER_NOT

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        PREFER_NOT = PREFER_NOT

    class Religion(models.TextChoices):
        NONE = "none", "No religion"
        CHRISTIAN = "christian", "Christian"
        BUDDHIST = "buddhist", "Buddhist"
        HINDU = "hindu", "Hindu"
        JEWISH = "jewish", "Jewish"
        MUSLIM = "muslim", "Muslim"
        SIKH = "sikh", "Sikh"
        OTHER = "other", "Any other religion"
        PREFER_NOT = PREFER_NOT

    class SexualOrientation(models.TextChoices):
        STRAIGHT = "straight", "Straight or heterosexual"
        GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
        BISEXUAL = "bisexual", "Bisexual"
        OTHER = "other", "Another sexual orientation"
        PREFER_NOT = PREFER_NOT

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="equality_monitoring"
    )
    ethnicity = models.CharField(max_length=12, choices=Ethnicity.choices, blank=True)
    sex = models.CharField(max_length=12, choices=Sex.choices, blank=True)
    # The ONS 2021 question: is the gender you identify with the same as your sex at birth?
    gender_same_as_sex = models.CharField(
        "gender identity the same as sex registered at birth",
        max_length=12,
        choices=YesNo.choices,
        blank=True,
    )
    age_band = models.CharField(max_length=12, choices=[*AgeBand.choices, PREFER_NOT], blank=True)
    disability = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    religion = models.CharField(
        "religion or belief", max_length=12, choices=Religion.choices, blank=True
    )
    sexual_orientation = models.CharField(
        max_length=12, choices=SexualOrientation.choices, blank=True
    )
    care_leaver = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    veteran = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    caring_responsibilities = models.CharField(max_length=12, choices=YesNo.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Equality monitoring for {self.referral}"

    @property
    def answered(self) -> bool:
        return any(getattr(self, name) for name in CHARACTERISTICS)


# The characteristics monitored, in the order the form asks them and the figures show them.
CHARACTERISTICS = [
    "ethnicity",
    "sex",
    "gender_same_as_sex",
    "age_band",
    "disability",
    "religion",
    "sexual_orientation",
    "care_leaver",
    "veteran",
    "caring_responsibilities",
]


class MissingInformation(models.TextChoices):
    """What a provider found missing from a referral."""

    RISK = "risk", "Risk of serious harm levels or summary"
    RISK_DATE = "risk_date", "A current risk assessment date"
    NEEDS = "needs", "The person's needs and desired outcomes"
    SENTENCE = "sentence", "Sentence details"
    CONTACT = "contact", "Contact details or availability"
    DOCUMENTS = "documents", "Risk documents or licence conditions"


class QualityRating(models.Model):
    """The provider's rating of the information a referral came with, given on accepting,
    returning or declining it: the last decision's rating stands."""

    class Rating(models.TextChoices):
        COMPLETE = "complete", "Complete: everything we needed"
        MISSING = "missing", "Missing something"
        UNUSABLE = "unusable", "Unusable: we could not work from it"

    Missing = MissingInformation

    class Decision(models.TextChoices):
        ACCEPT = "accept", "Accepted"
        RETURN = "return", "Returned"
        DECLINE = "decline", "Declined"

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="quality_rating"
    )
    rating = models.CharField(max_length=10, choices=Rating.choices)
    missing = ArrayField(
        models.CharField(max_length=10, choices=MissingInformation.choices),
        default=list,
        blank=True,
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="quality_rating_missing_known",
                condition=Q(missing__contained_by=MissingInformation.values),
            ),
            # Only information found missing says what was missing.
            models.CheckConstraint(
                name="quality_rating_missing_only_when_not_complete",
                condition=~Q(rating="complete") | Q(missing=[]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} for {self.referral}"


# Gap and partnership surveys ------------------------------------------------------------------


class SurveyAudience(models.TextChoices):
    PRACTITIONERS = "practitioners", "Probation practitioners"
    PROVIDER_STAFF = "provider_staff", "Provider staff"


class Survey(models.Model):
    """A survey a commissioner schedules for their body's regions, to practitioners or to
    provider staff: open from `opens_on` to `closes_on` (London dates, both included), or
    until closed early. Its questions are the audience's set in `intelligence.surveys`, at
    `questions_version`."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    Audience = SurveyAudience

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=120)
    audience = models.CharField(max_length=15, choices=SurveyAudience.choices)
    commissioning_body = models.ForeignKey(
        "partnership.CommissioningBody", on_delete=models.PROTECT, related_name="surveys"
    )
    regions = models.ManyToManyField("partnership.Region", related_name="+")
    opens_on = models.DateField()
    closes_on = models.DateField()
    closed_early_at = models.DateTimeField(null=True, blank=True)
    questions_version = models.PositiveSmallIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    invitations_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="survey_closes_after_it_opens", condition=Q(closes_on__gte=F("opens_on"))
            )
        ]

    def __str__(self) -> str:
        return self.title

    def status_on(self, day) -> str:
        """Scheduled before its open date, closed after its close date or once closed
        early, open between."""
        if self.closed_early_at is not None or day > self.closes_on:
            return self.Status.CLOSED
        if day < self.opens_on:
            return self.Status.SCHEDULED
        return self.Status.OPEN

    @property
    def status(self) -> str:
        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class SurveyResponse(models.Model):
    """One person's answers to a survey, once: where they worked when they answered (their
    region, and their PDU or organisation) is kept for the figures, their name never shown."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey("partnership.Region", on_delete=models.PROTECT, related_name="+")
    pdu = models.ForeignKey(
        "partnership.Pdu", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    organisation = models.ForeignKey(
        "providers.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "respondent"], name="survey_response_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"A response to {self.survey}"


class ServiceConfidence(models.Model):
    """A practitioner's confidence in a named service, 1 (none) to 5 (complete), given in a
    survey response."""

    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="confidence"
    )
    service = models.ForeignKey("providers.Service", on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "service"], name="service_confidence_once_per_response"
            ),
            models.CheckConstraint(
                name="service_confidence_rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"Confidence {self.rating} in {self.service}"


class PartnershipReport(models.Model):
    """A region's partnership report for a period, kept as it was generated: its figures as
    JSON and its PDF in the private storage. One per region, period and audience: the
    commissioners' version, and the providers' version with no personal data."""

    class Audience(models.TextChoices):
        COMMISSIONERS = "commissioners", "Commissioners"
        PROVIDERS = "providers", "Providers (no personal data)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey("partnership.Region", on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    audience = models.CharField(max_length=15, choices=Audience.choices)
    generated_at = models.DateTimeField(default=timezone.now)
    # Nobody for the monthly run.
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_start", "region__name", "audience"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period_start", "period_end", "audience"],
                name="partnership_report_once_per_period",
            ),
            models.CheckConstraint(
                name="partnership_report_period_in_order",
                condition=Q(period_end__gte=models.F("period_start")),
            ),
        ]

    def __str__(self) -> str:
        return f"Partnership report for {self.region}, {self.period_start:%B %Y}"
