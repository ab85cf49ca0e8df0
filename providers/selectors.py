"""Reads of the provider registry and the directory, each scoped to the user asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value
from django.utils import timezone

from partnership.models import Pdu, ServiceCategory, User
from partnership.rules import (
    has_commissioning_body,
    has_organisation,
    is_commissioning_staff,
    is_practitioner,
    is_provider_admin,
    is_provider_staff,
)
from providers.models import (
    AgreementSignature,
    InformationSharingAgreement,
    Organisation,
    Service,
    TrainingRecord,
)
from providers.rules import current_risk_training_q, has_current_risk_training

SEARCH_CONFIG = "english"


# Organisations ---------------------------------------------------------------------------


def organisation_list_visible_to(*, user: User) -> QuerySet[Organisation]:
    """Organisation profiles: public to every signed-in user (they carry no personal data)."""
    return Organisation.objects.select_related("head_office_region")


def organisation_list_own(*, user: User) -> QuerySet[Organisation]:
    """The organisation of a member of a provider's staff (admin or caseworker); none for
    anyone else."""
    if is_provider_staff(user) and has_organisation(user):
        return Organisation.objects.select_related("head_office_region").filter(
            pk=user.organisation_id
        )
    return Organisation.objects.none()


def organisation_list_editable_by(*, user: User) -> QuerySet[Organisation]:
    """The organisation a provider admin may edit: their own, and no other."""
    if is_provider_admin(user):
        return organisation_list_own(user=user)
    return Organisation.objects.none()


def organisation_list_for_commissioner(*, user: User) -> QuerySet[Organisation]:
    """Organisations working in a commissioner's regions (head office there, or a service
    covering one of its PDUs), with service and training-coverage counts."""
    if not (is_commissioning_staff(user) and has_commissioning_body(user)):
        return Organisation.objects.none()
    region_ids = list(user.commissioning_body.regions.values_list("pk", flat=True))
    covering = Service.objects.filter(organisation=OuterRef("pk"), pdus__region__in=region_ids)
    return (
        Organisation.objects.filter(Q(head_office_region__in=region_ids) | Exists(covering))
        .select_related("head_office_region")
        .annotate(
            service_count=Count(
                "services", filter=~Q(services__status=Service.Status.CLOSED), distinct=True
            ),
            staff_count=Count("staff", filter=Q(staff__is_active=True), distinct=True),
            trained_staff_count=Count(
                "staff",
                filter=Q(staff__is_active=True) & current_risk_training_q("staff__"),
                distinct=True,
            ),
        )
    )


# Information-sharing agreement ------------------------------------------------------------


def agreement_current() -> InformationSharingAgreement | None:
    """The version of the information-sharing agreement in force now."""
    return InformationSharingAgreement.objects.filter(published_at__lte=timezone.now()).first()


def agreement_signature_current(*, organisation: Organisation) -> AgreementSignature | None:
    """The organisation's signature of the current version, or None if it must sign (again)."""
    current = agreement_current()
    if current is None:
        return None
    return (
        AgreementSignature.objects.select_related("signed_by", "agreement")
        .filter(organisation=organisation, agreement=current)
        .first()
    )


def organisation_has_signed_current_agreement(*, organisation: Organisation) -> bool:
    return agreement_signature_current(organisation=organisation) is not None


# Staff and training -----------------------------------------------------------------------


def user_has_current_risk_training(*, user: User, on: date | None = None) -> bool:
    """Whether a member of provider staff has risk training that is current on a date."""
    return has_current_risk_training(user, on=on)


def staff_list_for(*, user: User) -> QuerySet[User]:
    """A provider admin's colleagues, with whether each has current risk training."""
    if not (is_provider_admin(user) and has_organisation(user)):
        return User.objects.none()
    current = User.objects.filter(current_risk_training_q(), pk=OuterRef("pk"))
    return (
        User.objects.filter(organisation_id=user.organisation_id)
        .annotate(has_current_risk_training=Exists(current))
        .prefetch_related(
            Prefetch("training_records", queryset=TrainingRecord.objects.order_by("-completed_on"))
        )
        .order_by("-is_active", "full_name")
    )


def training_record_list_for(*, user: User) -> QuerySet[TrainingRecord]:
    """Training records a provider admin may manage: those of their organisation's staff."""
    if not (is_provider_admin(user) and has_organisation(user)):
        return TrainingRecord.objects.none()
    return TrainingRecord.objects.filter(staff_member__organisation_id=user.organisation_id)


# Services and the directory ----------------------------------------------------------------


def _service_list_base() -> QuerySet[Service]:
    # The search document is for the database's matching only; never read it back.
    return (
        Service.objects.defer("search_document")
        .select_related("organisation")
        .prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.only("id", "name", "slug")),
        )
    )


def service_list_visible_to(*, user: User) -> QuerySet[Service]:
    """Services a user may see: every open or paused service, and all of their own
    organisation's (closed included) for provider staff."""
    visible = ~Q(status=Service.Status.CLOSED)
    if user.organisation_id:
        visible |= Q(organisation_id=user.organisation_id)
    return _service_list_base().filter(visible)


def service_list_editable_by(*, user: User) -> QuerySet[Service]:
    """The services a provider admin may change: their own organisation's."""
    if not (is_provider_admin(user) and has_organisation(user)):
        return Service.objects.none()
    return _service_list_base().filter(organisation_id=user.organisation_id)


@dataclass(frozen=True)
class DirectoryFilters:
    """What a practitioner can narrow the directory by; every field is optional."""

    q: str = ""
    category: str = ""  # category slug
    pdu: int | None = None
    region: str = ""  # region code
    sex: str = ""  # the person's sex: "female" or "male"
    age: int | None = None  # the person's age
    setting: str = ""  # community, custody or through_the_gate
    population: str = ""
    size_band: str = ""
    include_paused: bool = False
    include_closed: bool = False  # only ever shows the user's own organisation's


def service_search(
    *, user: User, filters: DirectoryFilters, base: QuerySet[Service] | None = None
) -> QuerySet[Service]:
    """The directory: visible services matching every filter given, best match first.

    Free text uses Postgres full-text search over the service, its categories (with
    their other names, so "housing" finds accommodation) and its organisation, ranked.
    """
    # `base` narrows further (for example to what the user may edit); never widens.
    services = service_list_visible_to(user=user)
    if base is not None:
        services = services.filter(pk__in=base.values("pk"))
    shown = [Service.Status.ACTIVE]
    if filters.include_paused:
        shown.append(Service.Status.PAUSED)
    if filters.include_closed:
        shown.append(Service.Status.CLOSED)
    services = services.filter(status__in=shown)
    # Many-to-many filters are EXISTS tests, so each service comes back once without a
    # DISTINCT over wide rows.
    links = Service.categories.through.objects.filter(service=OuterRef("pk"))
    coverage = Service.pdus.through.objects.filter(service=OuterRef("pk"))
    if filters.category:
        services = services.filter(Exists(links.filter(servicecategory__slug=filters.category)))
    if filters.pdu:
        services = services.filter(Exists(coverage.filter(pdu_id=filters.pdu)))
    if filters.region:
        services = services.filter(Exists(coverage.filter(pdu__region__code=filters.region)))
    if filters.sex in (Service.Sex.FEMALE, Service.Sex.MALE):
        services = services.filter(eligible_sex__in=[Service.Sex.ANY, filters.sex])
    if filters.age is not None:
        services = services.filter(
            Q(minimum_age__lte=filters.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=filters.age),
        )
    if filters.setting:
        services = services.filter(delivery_settings__contains=[filters.setting])
    if filters.population:
        services = services.filter(organisation__populations_served__contains=[filters.population])
    if filters.size_band:
        services = services.filter(organisation__size_band=filters.size_band)
    if filters.q.strip():
        query = SearchQuery(filters.q.strip(), search_type="websearch", config=SEARCH_CONFIG)
        services = (
            services.filter(search_document=query)
            .annotate(rank=SearchRank(F("search_document"), query))
            .order_by("-rank", "current_wait_days", "name", "pk")
        )
    else:
        services = services.annotate(rank=Value(0.0)).order_by("current_wait_days", "name", "pk")
    return services


def service_rows(services: QuerySet[Service]) -> QuerySet:
    """The API list's rows from a list of services (such as `service_search`'s), in its
    order: plain values, the organisation's name, and the categories' and PDUs' ids in their
    names' order, read in the same statement rather than as model objects and prefetches."""
    categories = ArraySubquery(
        Service.categories.through.objects.filter(service_id=OuterRef("pk"))
        .order_by("servicecategory__name", "servicecategory_id")
        .values("servicecategory_id")
    )
    pdus = ArraySubquery(
        Service.pdus.through.objects.filter(service_id=OuterRef("pk"))
        .order_by("pdu__name", "pdu_id")
        .values("pdu_id")
    )
    return (
        services.select_related(None)
        .prefetch_related(None)
        .values(
            *SERVICE_ROW_FIELDS,
            organisation_name=F("organisation__name"),
            category_ids=categories,
            pdu_ids=pdus,
        )
    )


SERVICE_ROW_FIELDS = (
    "id",
    "name",
    "description",
    "organisation_id",
    "delivery_settings",
    "delivery_modes",
    "eligible_sex",
    "minimum_age",
    "maximum_age",
    "referral_requirements",
    "monthly_capacity",
    "current_wait_days",
    "status",
    "updated_at",
)


def service_directory_rows(services: QuerySet[Service]) -> QuerySet:
    """The directory's results from a list of services (such as `service_search`'s), in its
    order: only what a result shows, with the organisation's name and the categories' names
    (in name order) read in the same statement rather than as model objects and a prefetch."""
    category_names = ArraySubquery(
        Service.categories.through.objects.filter(service_id=OuterRef("pk"))
        .order_by("servicecategory__name")
        .values("servicecategory__name")
    )
    return (
        services.select_related(None)
        .prefetch_related(None)
        .values(
            "id",
            "name",
            "status",
            "current_wait_days",
            organisation_name=F("organisation__name"),
            category_names=category_names,
        )
    )


def service_for_page(*, user: User, service_id: int) -> Service:
    """One service for its directory page, scoped as the directory (404 if not visible)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        service_list_visible_to(user=user).prefetch_related(
            Prefetch("pdus", queryset=Pdu.objects.select_related("region")),
            "categories__complexity_levels",
            "categories__desired_outcomes",
        ),
        pk=service_id,
    )


def pdu_default_for(*, user: User) -> int | None:
    """The directory's default PDU: the practitioner's own."""
    return user.pdu_id if is_practitioner(user) else None
