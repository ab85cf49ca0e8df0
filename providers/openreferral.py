"""The registry as Open Referral HSDS 3.0 documents: open data with no personal data.

Organisations and services are identified by their public UUIDs; service categories are
published as one taxonomy whose term ids are UUIDs derived from the category slugs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, QuerySet

from partnership.models import Pdu, ServiceCategory
from providers.models import Organisation, Service

HSDS_VERSION = "3.0"
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"
TAXONOMY_NAME = "probation-partnerships-service-categories"
# A fixed namespace so derived ids never change between releases.
NAMESPACE = uuid.UUID("5b0c6a52-1f0e-4d5e-9f57-3a6f1f0c2b11")
STATUS = {
    Service.Status.ACTIVE: "active",
    Service.Status.PAUSED: "temporarily closed",
    Service.Status.CLOSED: "inactive",
}
IDENTIFIER_TYPES = {
    "GB-CHC": "Charity Commission for England and Wales registration number",
    "GB-COH": "Companies House registration number",
    "GB-SC": "Scottish Charity Regulator registration number",
    "GB-NIC": "Charity Commission for Northern Ireland registration number",
}
SEX_WORDS = {Service.Sex.ANY: "people", Service.Sex.FEMALE: "women", Service.Sex.MALE: "men"}


def derived_id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def taxonomy_term_id(category: ServiceCategory) -> str:
    return derived_id("taxonomy_term", category.slug)


def category_for_term(term_id: str) -> ServiceCategory | None:
    for category in ServiceCategory.objects.all():
        if taxonomy_term_id(category) == term_id:
            return category
    return None


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Queries -----------------------------------------------------------------------------------


def open_services() -> QuerySet[Service]:
    """Services published as open data: every one not closed."""
    return (
        Service.objects.exclude(status=Service.Status.CLOSED)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("categories", queryset=ServiceCategory.objects.order_by("name")),
            Prefetch("pdus", queryset=Pdu.objects.select_related("region").order_by("name")),
        )
        .order_by("name", "pk")
    )


def search_services(services: QuerySet[Service], text: str) -> QuerySet[Service]:
    query = SearchQuery(text, search_type="websearch", config="english")
    return (
        services.filter(search_document=query)
        .annotate(rank=SearchRank(F("search_document"), query))
        .order_by("-rank", "name", "pk")
    )


def open_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name", "pk")


# Documents ----------------------------------------------------------------------------------


def taxonomy_term(category: ServiceCategory) -> dict:
    return {
        "id": taxonomy_term_id(category),
        "code": category.slug,
        "name": category.name,
        "description": category.description,
        "taxonomy": TAXONOMY_NAME,
        "language": "en",
    }


def organization_summary(organisation: Organisation) -> dict:
    document = {
        "id": str(organisation.public_id),
        "name": organisation.name,
        "description": organisation.description
        or f"{organisation.name} is a voluntary and community sector organisation working with probation.",
    }
    if organisation.email:
        document["email"] = organisation.email
    if organisation.website:
        document["website"] = organisation.website
    if organisation.legal_form:
        document["legal_status"] = organisation.get_legal_form_display()
    return document


def _eligibility(service: Service) -> str:
    ages = (
        f"aged {service.minimum_age} to {service.maximum_age}"
        if service.maximum_age
        else f"aged {service.minimum_age} and over"
    )
    settings = ", ".join(
        dict(Service.Setting.choices)[s].lower() for s in service.delivery_settings
    )
    return f"For {SEX_WORDS[service.eligible_sex]} on probation {ages}, in {settings} settings."


def service_summary(service: Service) -> dict:
    """The one-to-one fields of a service (HSDS `service_list`)."""
    organisation = service.organisation
    document = {
        "id": str(service.public_id),
        "organization_id": str(organisation.public_id),
        "name": service.name,
        "description": service.description,
        "status": STATUS[service.status],
        "eligibility_description": _eligibility(service),
        "minimum_age": service.minimum_age,
        "wait_time": f"{service.current_wait_days} days",
        "last_modified": _timestamp(service.updated_at),
        "organization": organization_summary(organisation),
    }
    if service.maximum_age is not None:
        document["maximum_age"] = service.maximum_age
    if organisation.email:
        document["email"] = organisation.email
    if organisation.website:
        document["url"] = organisation.website
    return document


def service_document(service: Service) -> dict:
    """A fully nested service (HSDS `service`)."""
    service_id = str(service.public_id)
    document = service_summary(service)
    document["service_areas"] = [
        {
            "id": derived_id("service_area", f"{service.pk}:{pdu.pk}"),
            "service_id": service_id,
            "name": pdu.name,
            "description": f"{pdu.name} Probation Delivery Unit, {pdu.region.name}",
            "extent_type": "other",
        }
        for pdu in service.pdus.all()
    ]
    document["attributes"] = [
        {
            "id": derived_id("attribute", f"{service.pk}:{category.slug}"),
            "link_id": service_id,
            "link_type": "service",
            "link_entity": "service",
            "taxonomy_term_id": taxonomy_term_id(category),
            "taxonomy_term": taxonomy_term(category),
        }
        for category in service.categories.all()
    ]
    document["languages"] = []
    return document


def organization_document(organisation: Organisation, services: list[Service]) -> dict:
    """A fully nested organization (HSDS `organization`) with its open services."""
    document = organization_summary(organisation)
    organization_id = document["id"]
    identifiers = []
    if organisation.org_id:
        scheme, _, identifier = organisation.org_id.rpartition("-")
        identifiers.append(
            {
                "id": derived_id("organization_identifier", organisation.org_id),
                "organization_id": organization_id,
                "identifier_scheme": scheme,
                "identifier_type": IDENTIFIER_TYPES.get(scheme, "Organisation identifier"),
                "identifier": identifier,
            }
        )
    document["organization_identifiers"] = identifiers
    document["services"] = [service_document(service) for service in services]
    return document


def page(*, contents: list[dict], total: int, number: int, per_page: int) -> dict:
    """The HSDS page envelope."""
    total_pages = max(1, -(-total // per_page))
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": number,
        "size": len(contents),
        "first_page": number == 1,
        "last_page": number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }
