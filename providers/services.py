"""Writes to the provider registry: profiles, the agreement, staff, training and services."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications.services import notification_send
from partnership.models import Pdu, Role, ServiceCategory, User
from providers import rules
from providers.models import (
    AgreementSignature,
    InformationSharingAgreement,
    Organisation,
    Service,
    TrainingRecord,
)
from providers.selectors import agreement_current

logger = logging.getLogger(__name__)

STAFF_INVITED_KIND = "staff_invited"
ORG_ID_CONSTRAINT = "organisation_org_id_unique"

ORGANISATION_PROFILE_FIELDS = [
    "name",
    "org_id",
    "charity_number",
    "company_number",
    "legal_form",
    "description",
    "website",
    "email",
    "phone",
    "annual_income",
    "head_office_region",
    "reach",
    "populations_served",
    "lived_experience_led",
]


@transaction.atomic
def organisation_create(*, by: User, data: dict) -> Organisation:
    """Service support registers an organisation; its admins then keep the profile."""
    rules.require(by, "register_organisation", None)
    unknown = set(data) - set(ORGANISATION_PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not part of the organisation profile: {', '.join(sorted(unknown))}")
    organisation = Organisation(**data)
    organisation.full_clean(validate_constraints=False)
    _organisation_save(organisation)
    organisation.refresh_from_db(fields=["size_band"])
    return organisation


def _organisation_save(organisation: Organisation) -> None:
    """Save; an org-id already registered is an error on `org_id`. The unique constraint
    decides, so two registrations of one org-id at once get the same answer as one after
    the other."""
    try:
        with transaction.atomic():
            organisation.save()
    except IntegrityError as exc:
        if ORG_ID_CONSTRAINT not in str(exc):
            raise
        raise ValidationError(
            {"org_id": ["An organisation with this org-id is already registered"]}
        ) from exc


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: User, data: dict) -> Organisation:
    """Change an organisation's profile; a verified organisation whose identity changes
    (name or org-id) goes back to unverified."""
    rules.require(by, "edit_profile", organisation)
    identity_changed = any(
        key in data and data[key] != getattr(organisation, key) for key in ("name", "org_id")
    )
    for key, value in data.items():
        if key not in ORGANISATION_PROFILE_FIELDS:
            raise ValueError(f"{key} is not part of the organisation profile")
        setattr(organisation, key, value)
    if identity_changed and organisation.verification_status == Organisation.Verification.VERIFIED:
        organisation.verification_status = Organisation.Verification.UNVERIFIED
        organisation.verified_by = None
        organisation.verified_at = None
    organisation.full_clean(validate_constraints=False)
    _organisation_save(organisation)
    organisation.refresh_from_db(fields=["size_band"])
    service_search_refresh(service_ids=organisation.services.values_list("pk", flat=True))
    return organisation


@transaction.atomic
def organisation_set_verification(
    *, organisation: Organisation, status: str, by: User
) -> Organisation:
    """A commissioner records whether the organisation's identity has been checked."""
    rules.require(by, "verify", organisation)
    return organisation_verification_record(organisation=organisation, status=status, by=by)


def organisation_verification_record(
    *, organisation: Organisation, status: str, by: User
) -> Organisation:
    """Record the verification, for a caller that has checked `by` may (a commissioner
    through `organisation_set_verification`, service support through its own rules)."""
    if status not in Organisation.Verification.values:
        raise ValueError(f"Unknown verification status {status}")
    organisation.verification_status = status
    organisation.verified_by = by
    organisation.verified_at = timezone.now()
    organisation.save(
        update_fields=["verification_status", "verified_by", "verified_at", "updated_at"]
    )
    return organisation


@transaction.atomic
def agreement_publish(*, version: str, title: str, body: str) -> InformationSharingAgreement:
    """Publish a new version of the agreement: every organisation must sign it again."""
    try:
        with transaction.atomic():
            return InformationSharingAgreement.objects.create(
                version=version, title=title, body=body
            )
    except IntegrityError as exc:
        raise ValidationError({"version": [f"Version {version} is already published"]}) from exc


@transaction.atomic
def agreement_sign(
    *, organisation: Organisation, by: User, signatory_name: str, signatory_position: str
) -> AgreementSignature:
    """Sign the current version of the information-sharing agreement for an organisation
    (signing it again returns the signature it has)."""
    rules.require(by, "sign_agreement", organisation)
    current = agreement_current()
    if current is None:
        raise ValidationError("There is no information-sharing agreement to sign yet")
    signature, created = AgreementSignature.objects.get_or_create(
        organisation=organisation,
        agreement=current,
        defaults={
            "signed_by": by,
            "signatory_name": signatory_name,
            "signatory_position": signatory_position,
        },
    )
    if created:
        logger.info("Organisation %s signed agreement version %s", organisation.pk, current.version)
    return signature


def _staff_invite_existing(existing: User, *, organisation: Organisation) -> None:
    """An invitation to an address that has an account: the inviter is told what they would
    be told of a new address, and the account's holder hears of it (and can ask service
    support to move them). Only the organisation's own staff are named as such."""
    if rules.belongs_to(existing, organisation):
        raise ValidationError({"email": "This person is already one of your staff"})
    notification_send(
        recipients=[existing],
        kind="staff_invited_existing",
        title=f"You were invited to join {organisation.name}",
        body=(
            "You already have an account, so nothing has changed. If you are moving to "
            "this organisation, ask service support to move your account."
        ),
    )


@transaction.atomic
def staff_invite(
    *, organisation: Organisation, by: User, email: str, full_name: str, role: str
) -> User | None:
    """Add a caseworker or admin to an organisation and email them a link to set a password
    (minted when the email is sent, see `ProvidersConfig.ready`).

    An address that already has an account elsewhere gets no new account (None), and the
    inviter learns nothing of it: the answer is the same as for a new address."""
    rules.require(by, "manage_staff", organisation)
    return staff_invitation_send(
        organisation=organisation, by=by, email=email, full_name=full_name, role=role
    )


def staff_invitation_send(
    *, organisation: Organisation, by: User, email: str, full_name: str, role: str
) -> User | None:
    """The invitation itself, for a caller that has checked `by` may invite (a provider
    admin through `staff_invite`, service support through its own rules)."""
    if role not in (Role.CASEWORKER, Role.PROVIDER_ADMIN):
        raise ValidationError({"role": "Staff can be a caseworker or an admin"})
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        return _staff_invite_existing(existing, organisation=organisation)
    # Two invitations of one address at once: the unique constraint decides.
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, full_name=full_name, role=role, organisation=organisation
            )
    except IntegrityError:
        return _staff_invite_existing(
            User.objects.get(email__iexact=email), organisation=organisation
        )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    notification_send(
        recipients=[user],
        kind=STAFF_INVITED_KIND,
        title=f"{by.full_name} has invited you to join {organisation.name}",
        body="Set your password to start using the portal. The link works once and expires in 3 days.",
    )
    return user


@transaction.atomic
def staff_set_active(*, staff_member: User, active: bool, by: User) -> User:
    """Deactivate (or reactivate) a member of staff; an admin cannot deactivate themselves."""
    rules.require(by, "reactivate" if active else "deactivate", staff_member)
    return account_set_active(user=staff_member, active=active)


def account_set_active(*, user: User, active: bool) -> User:
    """Deactivate (ending the user's sessions, see `partnership.auth`, and revoking their API
    tokens) or reactivate an account, for a caller that has checked who may."""
    staff_member = user
    staff_member.is_active = active
    staff_member.save(update_fields=["is_active"])
    if not active:
        staff_member.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    return staff_member


@transaction.atomic
def training_record_add(
    *,
    staff_member: User,
    by: User,
    kind: str,
    completed_on: date,
    expires_on: date | None,
    description: str = "",
) -> TrainingRecord:
    """Record training a member of staff has completed."""
    rules.require(by, "record_training", staff_member)
    record = TrainingRecord(
        staff_member=staff_member,
        kind=kind,
        completed_on=completed_on,
        expires_on=expires_on,
        description=description,
        recorded_by=by,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def training_record_delete(*, record: TrainingRecord, by: User) -> None:
    """Remove a training record entered in error."""
    rules.require(by, "remove_training", record.staff_member)
    record.delete()


SERVICE_FIELDS = [
    "name",
    "description",
    "delivery_settings",
    "delivery_modes",
    "eligible_sex",
    "minimum_age",
    "maximum_age",
    "referral_requirements",
    "monthly_capacity",
    "current_wait_days",
    "phone",
    "languages",
    "status",
]


def _service_validate(service: Service, categories, pdus) -> None:
    errors = {}
    try:
        service.full_clean(exclude=["organisation"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not categories:
        errors.setdefault("categories", []).append("Select at least one category")
    if not pdus:
        errors.setdefault("pdus", []).append("Select at least one PDU the service covers")
    if service.maximum_age is not None and service.maximum_age < service.minimum_age:
        errors.setdefault("maximum_age", []).append(
            "The maximum age must be the same as or more than the minimum age"
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def service_create(
    *,
    organisation: Organisation,
    by: User,
    data: dict,
    categories: Iterable[ServiceCategory],
    pdus: Iterable[Pdu],
) -> Service:
    """Add a service to an organisation; nothing is saved unless all of it is valid."""
    rules.require(by, "manage_services", organisation)
    categories, pdus = list(categories), list(pdus)
    service = Service(
        organisation=organisation, **{k: v for k, v in data.items() if k in SERVICE_FIELDS}
    )
    return _service_save(service, categories, pdus)


@transaction.atomic
def service_update(
    *,
    service: Service,
    by: User,
    data: dict,
    categories: Iterable[ServiceCategory] | None = None,
    pdus: Iterable[Pdu] | None = None,
) -> Service:
    """Change a service; categories and PDUs are replaced when given."""
    rules.require(by, "edit_service", service)
    for key, value in data.items():
        if key not in SERVICE_FIELDS:
            raise ValueError(f"{key} is not a service field")
        setattr(service, key, value)
    categories = list(service.categories.all()) if categories is None else list(categories)
    pdus = list(service.pdus.all()) if pdus is None else list(pdus)
    return _service_save(service, categories, pdus)


def _service_save(service: Service, categories: list, pdus: list) -> Service:
    """Validate all of it, then save the service, its links and its search document."""
    _service_validate(service, categories, pdus)
    service.save()
    service.categories.set(categories)
    service.pdus.set(pdus)
    service_search_refresh(service_ids=[service.pk])
    return service


@transaction.atomic
def service_set_status(*, service: Service, by: User, status: str) -> Service:
    """Pause, close or reopen a service (`rules.SERVICE_STEPS`)."""
    rules.require(by, "edit_service", service)
    step = rules.SERVICE_STEPS.get(status)
    if step is None:
        raise ValidationError({"status": "Choose taking referrals, paused or closed"})
    service.status = rules.require(by, step, service).target
    service.save(update_fields=["status", "updated_at"])
    return service


def service_search_refresh(*, service_ids: Iterable[int]) -> None:
    """Rebuild the search document of services in one statement: name (A), categories and
    their other names (B), organisation (C), description (D)."""
    ids = list(service_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _SEARCH_REFRESH_SQL,
            [ids],
        )


# Category names come from the reference list's own model (partnership), not its table name;
# every value is a parameter.
_SEARCH_REFRESH_SQL = """
            UPDATE providers_service AS s
            SET search_document =
                setweight(to_tsvector('english', s.name), 'A')
                || setweight(to_tsvector('english', coalesce((
                    SELECT string_agg(c.name || ' ' || c.search_terms, ' ')
                    FROM providers_service_categories sc
                    JOIN {categories} c ON c.id = sc.servicecategory_id
                    WHERE sc.service_id = s.id), '')), 'B')
                || setweight(to_tsvector('english', o.name), 'C')
                || setweight(to_tsvector('english', s.description), 'D')
            FROM providers_organisation AS o
            WHERE o.id = s.organisation_id AND s.id = ANY(%s)
""".format(categories=ServiceCategory._meta.db_table)  # noqa: S608, UP032
