"""Provider organisations, their services, staff training and information-sharing agreements."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from providers.referral_fields import REFERRAL_FIELDS
from providers.validators import validate_org_id


class SizeBand(models.TextChoices):
    """NCVO's size bands by annual income."""

    MICRO = "micro", "Micro (under £10,000)"
    SMALL = "small", "Small (£10,000 to £100,000)"
    MEDIUM = "medium", "Medium (£100,000 to £1 million)"
    LARGE = "large", "Large (£1 million to £10 million)"
    MAJOR = "major", "Major (£10 million to £100 million)"
    SUPER_MAJOR = "super_major", "Super-major (£100 million or more)"
    UNKNOWN = "unknown", "Not known"


SIZE_BAND_CEILINGS = [
    (SizeBand.MICRO, 10_000),
    (SizeBand.SMALL, 100_000),
    (SizeBand.MEDIUM, 1_000_000),
    (SizeBand.LARGE, 10_000_000),
    (SizeBand.MAJOR, 100_000_000),
]


def size_band_expression():
    """The size band as a database expression of annual income, for a generated column."""
    whens = [When(annual_income__isnull=True, then=Value(SizeBand.UNKNOWN.value))]
    whens += [
        When(annual_income__lt=ceiling, then=Value(band.value))
        for band, ceiling in SIZE_BAND_CEILINGS
    ]
    return Case(*whens, default=Value(SizeBand.SUPER_MAJOR.value))


class Population(models.TextChoices):
    WOMEN = "women", "Women"
    RACIALLY_MINORITISED = "racially_minoritised", "Racially minoritised people"
    YOUNG_ADULTS = "young_adults", "Young adults (18 to 25)"
    FOREIGN_NATIONALS = "foreign_nationals", "Foreign nationals"
    SUBSTANCE_USE = "substance_use", "People using substances"
    FAMILIES = "families", "Families"
    VETERANS = "veterans", "Veterans"
    LGBT = "lgbt", "LGBT+ people"


class Organisation(models.Model):
    """A voluntary and community sector organisation: its profile, kept once and reused."""

    class LegalForm(models.TextChoices):
        CIO = "cio", "Charitable incorporated organisation"
        CHARITABLE_COMPANY = "charitable_company", "Charitable company"
        CHARITABLE_TRUST = "charitable_trust", "Charitable trust or unincorporated charity"
        CIC = "cic", "Community interest company"
        COMPANY_BY_GUARANTEE = "company_by_guarantee", "Company limited by guarantee"
        COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society", "Community benefit society"
        UNINCORPORATED = "unincorporated", "Unincorporated community group"
        OTHER = "other", "Other"

    class Reach(models.TextChoices):
        LOCAL = "local", "Local"
        REGIONAL = "regional", "Regional"
        NATIONAL = "national", "National"

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", "Not yet verified"
        VERIFIED = "verified", "Verified"
        REJECTED = "rejected", "Could not be verified"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    org_id = models.CharField(
        "org-id",
        max_length=40,
        blank=True,
        validators=[validate_org_id],
        help_text="For example GB-CHC-1234567 or GB-COH-01234567. Leave blank for an unregistered group.",
    )
    charity_number = models.CharField(max_length=20, blank=True)
    company_number = models.CharField(max_length=10, blank=True)
    legal_form = models.CharField(max_length=30, choices=LegalForm.choices, blank=True)
    description = models.TextField(
        blank=True, help_text="What the organisation does and who it works with"
    )
    website = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    annual_income = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="In pounds, from the latest accounts"
    )
    size_band = models.GeneratedField(
        expression=size_band_expression(),
        output_field=models.CharField(max_length=12, choices=SizeBand.choices),
        db_persist=True,
    )
    head_office_region = models.ForeignKey(
        "partnership.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reach = models.CharField(max_length=10, choices=Reach.choices, default=Reach.LOCAL)
    populations_served = ArrayField(
        models.CharField(max_length=30, choices=Population.choices), default=list, blank=True
    )
    lived_experience_led = models.BooleanField(default=False)
    verification_status = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_id"], condition=~Q(org_id=""), name="organisation_org_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["size_band"], name="organisation_size_band"),
            models.Index(fields=["head_office_region"], name="organisation_region"),
            # Open Referral's organisations a page at a time in their order, and its feed's
            # latest change, from the index rather than every organisation read.
            models.Index(fields=["name", "id"], name="organisation_by_name"),
            models.Index(fields=["updated_at"], name="organisation_updated"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def size_band_label(self) -> str:
        # A generated column has no get_FOO_display().
        return SizeBand(self.size_band).label if self.size_band else SizeBand.UNKNOWN.label

    @property
    def populations_served_labels(self) -> list[str]:
        return _labels(Population.choices, self.populations_served)


def _labels(choices, values) -> list[str]:
    labels = dict(choices)
    return [labels.get(value, value) for value in values]


class InformationSharingAgreement(models.Model):
    """A version of the information-sharing agreement that provider organisations sign."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        get_latest_by = "published_at"

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class AgreementSignature(models.Model):
    """An organisation's signature of one version of the agreement."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="agreement_signatures"
    )
    agreement = models.ForeignKey(
        InformationSharingAgreement, on_delete=models.PROTECT, related_name="signatures"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signatory_name = models.CharField(max_length=150)
    signatory_position = models.CharField(max_length=150)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "agreement"], name="agreement_signed_once_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} signed version {self.agreement.version}"


class TrainingRecord(models.Model):
    """Training a member of provider staff has completed."""

    class Kind(models.TextChoices):
        RISK_AWARENESS = "risk_awareness", "Risk awareness and management"
        SAFEGUARDING = "safeguarding", "Safeguarding adults and children"
        INFORMATION_SECURITY = "information_security", "Data protection and information security"
        TRAUMA_INFORMED = "trauma_informed", "Trauma-informed practice"
        OTHER = "other", "Other"

    staff_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    completed_on = models.DateField()
    expires_on = models.DateField(
        null=True, blank=True, help_text="Leave blank if it does not expire"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-completed_on"]
        indexes = [
            models.Index(fields=["staff_member", "kind", "expires_on"], name="training_current")
        ]
        constraints = [
            models.CheckConstraint(
                name="training_expires_after_completion",
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("completed_on")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.completed_on:%d %b %Y})"

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.completed_on <= on and (self.expires_on is None or self.expires_on >= on)


# Languages a service can be delivered in (ISO 639-1), the ones most spoken in England and
# Wales after English, by the 2021 census.
LANGUAGES = [
    ("en", "English"),
    ("cy", "Welsh"),
    ("pl", "Polish"),
    ("ro", "Romanian"),
    ("pa", "Panjabi"),
    ("ur", "Urdu"),
    ("pt", "Portuguese"),
    ("es", "Spanish"),
    ("ar", "Arabic"),
    ("bn", "Bengali"),
    ("gu", "Gujarati"),
    ("it", "Italian"),
    ("lt", "Lithuanian"),
    ("so", "Somali"),
    ("tr", "Turkish"),
    ("fr", "French"),
    ("ta", "Tamil"),
    ("zh", "Chinese"),
    ("bg", "Bulgarian"),
    ("ku", "Kurdish"),
]


class Service(models.Model):
    """A service an organisation delivers, as practitioners find it in the directory."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Taking referrals"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    class Setting(models.TextChoices):
        COMMUNITY = "community", "Community"
        CUSTODY = "custody", "Custody"
        THROUGH_THE_GATE = "through_the_gate", "Through the gate"

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person, one to one"
        GROUP = "group", "Group sessions"
        PHONE = "phone", "By phone"
        ONLINE = "online", "Online or video"

    class Sex(models.TextChoices):
        ANY = "any", "Any"
        FEMALE = "female", "Women only"
        MALE = "male", "Men only"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=200)
    description = models.TextField()
    categories = models.ManyToManyField("partnership.ServiceCategory", related_name="services")
    pdus = models.ManyToManyField("partnership.Pdu", related_name="services")
    delivery_settings = ArrayField(
        models.CharField(max_length=20, choices=Setting.choices), default=list
    )
    delivery_modes = ArrayField(
        models.CharField(max_length=20, choices=Mode.choices), default=list, blank=True
    )
    eligible_sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.ANY)
    minimum_age = models.PositiveSmallIntegerField(
        default=18, validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(18), MaxValueValidator(120)]
    )
    referral_requirements = ArrayField(
        models.CharField(max_length=40, choices=REFERRAL_FIELDS), default=list, blank=True
    )
    monthly_capacity = models.PositiveIntegerField(
        help_text="How many referrals the service can take each month"
    )
    current_wait_days = models.PositiveIntegerField(default=0)
    phone = models.CharField(
        "phone number", max_length=30, blank=True, help_text="The service's own line, for enquiries"
    )
    languages = ArrayField(
        models.CharField(max_length=3, choices=LANGUAGES),
        default=list,
        blank=True,
        help_text="Languages the service is delivered in, as ISO 639-1 codes",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    search_document = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            GinIndex(fields=["search_document"], name="service_search"),
            models.Index(fields=["status", "organisation"], name="service_status_org"),
            # The unfiltered lists, in their orders, a page at a time rather than every
            # service sorted: the directory (shortest wait first) and Open Referral's (name).
            models.Index(
                fields=["current_wait_days", "name", "id"],
                condition=~Q(status="closed"),
                name="service_shortest_wait",
            ),
            models.Index(
                fields=["name", "id"], condition=~Q(status="closed"), name="service_by_name"
            ),
            # Open Referral's latest change of any service (closed included).
            models.Index(fields=["updated_at"], name="service_updated"),
            # The capacity API's order: a page read in order, not a large provider's every
            # service sorted by id first.
            models.Index(fields=["organisation", "id"], name="service_by_organisation"),
        ]
        constraints = [
            models.CheckConstraint(
                name="service_age_range_in_order",
                condition=Q(maximum_age__isnull=True) | Q(maximum_age__gte=F("minimum_age")),
            ),
            models.CheckConstraint(name="service_adult_ages", condition=Q(minimum_age__gte=18)),
            models.CheckConstraint(
                name="service_has_a_setting", condition=~Q(delivery_settings=[])
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceLocation(models.Model):
    """Where a service meets people: a venue with its address. Open data, so a public
    venue, never a person's home or a safe house."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(max_length=200)
    address = models.CharField("address line", max_length=200)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    description = models.TextField(blank=True, help_text="How to find it, access, parking")

    class Meta:
        ordering = ["service", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}, {self.town}"


class ServiceContact(models.Model):
    """A published way to reach a service: a team or role, not a named member of staff."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150, help_text="A team or role, like Referrals team")
    email = models.EmailField(blank=True)
    phone = models.CharField("phone number", max_length=30, blank=True)

    class Meta:
        ordering = ["service", "name", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceSchedule(models.Model):
    """When a service is open: the same hours on each of some days of the week."""

    class Day(models.TextChoices):
        # iCalendar's day codes, as Open Referral's schedules use them.
        MO = "MO", "Monday"
        TU = "TU", "Tuesday"
        WE = "WE", "Wednesday"
        TH = "TH", "Thursday"
        FR = "FR", "Friday"
        SA = "SA", "Saturday"
        SU = "SU", "Sunday"

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="schedules")
    days = ArrayField(models.CharField(max_length=2, choices=Day.choices))
    opens_at = models.TimeField()
    closes_at = models.TimeField()
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["service", "opens_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="service_schedule_closes_after_opening",
                condition=Q(closes_at__gt=F("opens_at")),
            ),
            models.CheckConstraint(name="service_schedule_has_a_day", condition=~Q(days=[])),
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.days)} {self.opens_at:%H:%M} to {self.closes_at:%H:%M}"
