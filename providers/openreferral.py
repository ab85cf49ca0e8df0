"""The registry as Open Referral HSDS 3.1 documents: open data with no personal data.

Organisations and services are identified by their public UUIDs; service categories are
published as one taxonomy whose term ids are UUIDs derived from the category slugs. Each
service publishes its capacity this month as HSDS 3.1's `service_capacity` (referrals it can
still take, of its monthly maximum), which replaces the deprecated `wait_time`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Prefetch, QuerySet

from partnership.models import Pdu, ServiceCategory
from providers.models import LANGUAGES, Organisation, Service

HSDS_VERSION = "3.1"
PROFILE_URL = "https://docs.openreferral.org/en/latest/"
SCHEMA_URL = "https://raw.githubusercontent.com/openreferral/specification/3.1/schema/compiled/"
TAXONOMY_NAME = "probation-partnerships-service-categories"
TAXONOMY_DESCRIPTION = (
    "The kinds of rehabilitative service that HMPPS commissions for people on probation, "
    "as the Probation partnerships directory groups them."
)
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
# Looked up once here rather than rebuilt from the choices for every service on a page.
SETTING_WORDS = {value: label.lower() for value, label in Service.Setting.choices}
LEGAL_FORM_NAMES = dict(Organisation.LegalForm.choices)


def derived_id(kind: str, key: object) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


TAXONOMY_ID = derived_id("taxonomy", TAXONOMY_NAME)
CAPACITY_UNIT = {
    "id": derived_id("unit", "referrals-per-month"),
    "name": "Referrals a month",
    "scheme": "probation-partnerships",
    "identifier": "referrals-per-month",
}
LANGUAGE_NAMES = dict(LANGUAGES)


def taxonomy_term_id(category: ServiceCategory) -> str:
    return derived_id("taxonomy_term", category.slug)


def category_for_term(term_id: str) -> ServiceCategory | None:
    for category in ServiceCategory.objects.all():
        if taxonomy_term_id(category) == term_id:
            return category
    return None


def hsds_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Queries -----------------------------------------------------------------------------------


def open_services() -> QuerySet[Service]:
    """Services published as open data: every one not closed, with its organisation (all a
    list's summaries show)."""
    return (
        Service.objects.exclude(status=Service.Status.CLOSED)
        .select_related("organisation")
        .order_by("name", "pk")
    )


def nested(services: QuerySet[Service]) -> QuerySet[Service]:
    """`services` with what a full service document nests (areas, attributes, locations,
    contacts, schedules), each read once for them all."""
    return services.prefetch_related(
        Prefetch("categories", queryset=ServiceCategory.objects.order_by("name")),
        Prefetch("pdus", queryset=Pdu.objects.select_related("region").order_by("name")),
        "locations",
        "contacts",
        "schedules",
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


def taxonomy() -> dict:
    return {
        "id": TAXONOMY_ID,
        "name": TAXONOMY_NAME,
        "description": TAXONOMY_DESCRIPTION,
        "version": "1",
    }


def taxonomy_term(category: ServiceCategory) -> dict:
    return {
        "id": taxonomy_term_id(category),
        "code": category.slug,
        "name": category.name,
        "description": category.description,
        "taxonomy": TAXONOMY_NAME,
        "taxonomy_id": TAXONOMY_ID,
        "taxonomy_detail": taxonomy(),
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
        document["legal_status"] = LEGAL_FORM_NAMES.get(
            organisation.legal_form, organisation.legal_form
        )
    return document


def _eligibility(service: Service) -> str:
    ages = (
        f"aged {service.minimum_age} to {service.maximum_age}"
        if service.maximum_age
        else f"aged {service.minimum_age} and over"
    )
    settings = ", ".join(SETTING_WORDS[s] for s in service.delivery_settings)
    return f"For {SEX_WORDS[service.eligible_sex]} on probation {ages}, in {settings} settings."


# The capacity app, which sits above this one, says what each service can still take; it
# registers its source when Django is ready (capacity/apps.py). Without it, none is published.
_capacity_source: Callable[[list[Service]], dict[int, dict]] | None = None


def capacities_register(source: Callable[[list[Service]], dict[int, dict]]) -> None:
    global _capacity_source
    _capacity_source = source


def capacities(services: list[Service]) -> dict[int, dict]:
    """Each service's capacity this month as an HSDS 3.1 `service_capacity`, by service id."""
    if not services or _capacity_source is None:
        return {}
    return _capacity_source(services)


def service_summary(service: Service, capacity: dict | None = None) -> dict:
    """The one-to-one fields of a service (HSDS `service_list`), with its capacity."""
    organisation = service.organisation
    document = {
        "id": str(service.public_id),
        "organization_id": str(organisation.public_id),
        "name": service.name,
        "description": service.description,
        "status": STATUS[service.status],
        "eligibility_description": _eligibility(service),
        "minimum_age": service.minimum_age,
        "last_modified": hsds_timestamp(service.updated_at),
        "organization": organization_summary(organisation),
        "capacities": [capacity] if capacity else [],
    }
    if service.maximum_age is not None:
        document["maximum_age"] = service.maximum_age
    if organisation.email:
        document["email"] = organisation.email
    if organisation.website:
        document["url"] = organisation.website
    return document


def _phone(number: str, **links) -> dict:
    return {
        "id": derived_id("phone", f"{links}:{number}"),
        **links,
        "number": number,
        "type": "voice",
    }


def _locations(service: Service, service_id: str) -> list[dict]:
    country = "Wales" if any(p.region.code == "D" for p in service.pdus.all()) else "England"
    documents = []
    for location in service.locations.all():
        location_id = derived_id("location", location.pk)
        documents.append(
            {
                "id": derived_id("service_at_location", location.pk),
                "service_id": service_id,
                "location_id": location_id,
                "location": {
                    "id": location_id,
                    "location_type": "physical",
                    "organization_id": str(service.organisation.public_id),
                    "name": location.name,
                    "description": location.description,
                    "addresses": [
                        {
                            "id": derived_id("address", location.pk),
                            "location_id": location_id,
                            "address_1": location.address,
                            "city": location.town,
                            "state_province": country,
                            "postal_code": location.postcode,
                            "country": "GB",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        )
    return documents


def _contacts(service: Service, service_id: str) -> list[dict]:
    documents = []
    for contact in service.contacts.all():
        contact_id = derived_id("contact", contact.pk)
        document = {"id": contact_id, "service_id": service_id, "name": contact.name}
        if contact.email:
            document["email"] = contact.email
        document["phones"] = [_phone(contact.phone, contact_id=contact_id)] if contact.phone else []
        documents.append(document)
    return documents


def _schedules(service: Service, service_id: str) -> list[dict]:
    return [
        {
            "id": derived_id("schedule", schedule.pk),
            "service_id": service_id,
            "freq": "WEEKLY",
            "wkst": "MO",
            "byday": ",".join(schedule.days),
            "opens_at": f"{schedule.opens_at:%H:%M}",
            "closes_at": f"{schedule.closes_at:%H:%M}",
            "description": f"{', '.join(dict(schedule.Day.choices)[d] for d in schedule.days)}, "
            f"{schedule.opens_at:%H:%M} to {schedule.closes_at:%H:%M}",
            "notes": schedule.notes,
        }
        for schedule in service.schedules.all()
    ]


def service_document(service: Service, capacity: dict | None = None) -> dict:
    """A fully nested service (HSDS `service`)."""
    service_id = str(service.public_id)
    document = service_summary(service, capacity)
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
    document["languages"] = [
        {
            "id": derived_id("language", f"{service.pk}:{code}"),
            "service_id": service_id,
            "name": LANGUAGE_NAMES.get(code, code),
            "code": code,
        }
        for code in service.languages
    ]
    document["phones"] = [_phone(service.phone, service_id=service_id)] if service.phone else []
    document["service_at_locations"] = _locations(service, service_id)
    document["contacts"] = _contacts(service, service_id)
    document["schedules"] = _schedules(service, service_id)
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
    capacity = capacities(services)
    document["services"] = [
        service_document(service, capacity.get(service.pk)) for service in services
    ]
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
