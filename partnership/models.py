"""Users and roles, geography, reference lists, API tokens and sign-in records."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice


class Region(models.Model):
    """One of the 12 probation regions of England and Wales."""

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pdu(models.Model):
    """A Probation Delivery Unit; its id is the one in the probation service's reference data."""

    id = models.PositiveIntegerField(primary_key=True)
    name = models.CharField(max_length=150)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="pdus")

    class Meta:
        ordering = ["name"]
        verbose_name = "PDU"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="pdu_unique_name_in_region")
        ]

    def __str__(self) -> str:
        return self.name


class ServiceCategory(models.Model):
    """A kind of rehabilitative service (accommodation, mentoring, women's services, ...)."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField()
    search_terms = models.TextField(
        blank=True, help_text="Other words people use for it, for directory search"
    )
    # When it last changed: the Open Referral feed's taxonomy terms are dated by it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "service categories"

    def __str__(self) -> str:
        return self.name


class ComplexityLevel(models.Model):
    """How complex a person's needs are within a category: low, medium or high."""

    class Level(models.TextChoices):
        LOW = "low", "Low complexity"
        MEDIUM = "medium", "Medium complexity"
        HIGH = "high", "High complexity"

    category = models.ForeignKey(
        ServiceCategory, on_delete=models.CASCADE, related_name="complexity_levels"
    )
    level = models.CharField(max_length=10, choices=Level.choices)
    description = models.TextField()

    class Meta:
        ordering = ["category", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "level"], name="complexity_level_unique_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category}: {self.get_level_display()}"


class DesiredOutcome(models.Model):
    """An outcome a referral to a category's service can aim for."""

    category = models.ForeignKey(
        ServiceCategory, on_delete=models.CASCADE, related_name="desired_outcomes"
    )
    description = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["category", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "description"], name="desired_outcome_unique_per_category"
            )
        ]

    def __str__(self) -> str:
        return self.description


class CommissioningBody(models.Model):
    """A commissioning team: HMPPS in a region, or a co-funder (PCC, local authority, health)."""

    class Kind(models.TextChoices):
        HMPPS = "hmpps", "HMPPS"
        PCC = "pcc", "Police and crime commissioner"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        HEALTH = "health", "Health"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HMPPS)
    org_id = models.CharField(
        "org-id",
        max_length=40,
        blank=True,
        help_text="Its identifier in a register org-id.guide lists, like GB-LAE-MAN for a council; "
        "HMPPS teams without one are published under HMPPS's own",
    )
    regions = models.ManyToManyField(Region, related_name="commissioning_bodies")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "commissioning bodies"

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Probation practitioner"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    CASEWORKER = "caseworker", "Caseworker"
    COMMISSIONER = "commissioner", "Commissioner"
    ASSESSOR = "assessor", "Assessor"
    ADMIN = "admin", "Service support admin"


PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.CASEWORKER})
COMMISSIONING_ROLES = frozenset({Role.COMMISSIONER, Role.ASSESSOR})


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        if not email:
            raise ValueError("A user needs an email address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(role=Role.ADMIN, is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in by email, with one role and one organisation context."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    # A work phone number others may call them on, shown with their name on a referral.
    phone = models.CharField("phone number", max_length=30, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices)
    pdu = models.ForeignKey(
        Pdu, null=True, blank=True, on_delete=models.PROTECT, related_name="practitioners"
    )
    organisation = models.ForeignKey(
        "providers.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    commissioning_body = models.ForeignKey(
        CommissioningBody, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]
        constraints = [
            # Each role carries exactly its own organisation context, never another's.
            models.CheckConstraint(
                name="user_role_has_its_context",
                condition=(
                    Q(
                        role=Role.PRACTITIONER,
                        pdu__isnull=False,
                        organisation__isnull=True,
                        commissioning_body__isnull=True,
                    )
                    | Q(
                        role__in=[Role.PROVIDER_ADMIN, Role.CASEWORKER],
                        pdu__isnull=True,
                        organisation__isnull=False,
                        commissioning_body__isnull=True,
                    )
                    | Q(
                        role__in=[Role.COMMISSIONER, Role.ASSESSOR],
                        pdu__isnull=True,
                        organisation__isnull=True,
                        commissioning_body__isnull=False,
                    )
                    | Q(
                        role=Role.ADMIN,
                        pdu__isnull=True,
                        organisation__isnull=True,
                        commissioning_body__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(models.functions.Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_practitioner(self) -> bool:
        return self.role == Role.PRACTITIONER

    @property
    def is_provider_user(self) -> bool:
        return self.role in PROVIDER_ROLES

    @property
    def is_commissioning_user(self) -> bool:
        return self.role in COMMISSIONING_ROLES

    @property
    def context_name(self) -> str:
        """The PDU, organisation or commissioning body the user works for."""
        context = self.pdu or self.organisation or self.commissioning_body
        return str(context) if context else "Service support"


class ApiToken(models.Model):
    """A personal or service token for the REST API; only its SHA-256 digest is stored."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to recognise it"
    )
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="api_token_expires_after_creation",
                condition=Q(expires_at__gt=models.F("created_at")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, at=None) -> bool:
        from partnership.backends import account_may_sign_in

        at = at or timezone.now()
        return self.revoked_at is None and self.expires_at > at and account_may_sign_in(self.user)


class UserSession(models.Model):
    """A browser session a user signed in with, so that deactivating the user or resetting
    their password can end every one of them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="browser_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="user_session_by_user")]

    def __str__(self) -> str:
        return f"Session of user {self.user_id} from {self.created_at:%Y-%m-%d %H:%M}"


class PasswordResetRequest(models.Model):
    """One request for a password reset email, counted per client address to throttle them.
    It holds no email address, so it says nothing about who has an account."""

    ip_address = models.GenericIPAddressField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["ip_address", "requested_at"], name="password_reset_by_address")
        ]

    def __str__(self) -> str:
        return f"Password reset request at {self.requested_at:%Y-%m-%d %H:%M}"


class RecoveryCodeDevice(StaticDevice):
    """A user's recovery codes, checked against `RecoveryCode` hashes: the codes themselves
    are never stored (see `partnership.auth.recovery_code_check`)."""

    class Meta:
        proxy = True
        verbose_name = "recovery codes"
        verbose_name_plural = "recovery codes"

    def verify_token(self, token) -> bool:
        from partnership.auth import recovery_code_use

        return recovery_code_use(device=self, code=token)


class RecoveryCode(models.Model):
    """One unused recovery code, as a salted password hash; deleted once used."""

    device = models.ForeignKey(StaticDevice, on_delete=models.CASCADE, related_name="code_hashes")
    code_hash = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"Recovery code of device {self.device_id}"


class TwoFactorLockout(models.Model):
    """Wrong second-factor codes in a row for one user; at TWO_FACTOR_FAILURE_LIMIT the
    account is locked until service support unlocks it (deleting this row)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="two_factor_lockout")
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(default=timezone.now)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Two-factor failures of user {self.user_id}"
