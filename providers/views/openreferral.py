"""`/openreferral/`: the registry as an open Open Referral HSDS 3.1 API (GET only).

Every answer, errors included, is JSON that any origin may read; a document carries an `ETag`
(and `Last-Modified` where its data says when it changed), so a client that has it is
answered `304`."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.db.models import Max, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from partnership.models import ServiceCategory
from partnership.opendata import open_data_headers, open_data_response
from partnership.validators import PAGE_YEARS
from providers import openreferral
from providers.models import Organisation, Service

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_SEARCH_LENGTH = 200
# In a query string `+` means a space, so an offset written `+01:00` arrives as ` 01:00`.
OFFSET_AS_SPACE = re.compile(r" (\d{2}(:?\d{2})?)$")


class BadRequest(Exception):
    pass


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def open_data(view: Callable) -> Callable:
    """GET only, anyone, any origin; errors as small JSON documents. The view returns its
    document, or the document and when its data last changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response = _error("Only GET is allowed: this is a read-only API.", 405)
            response["Allow"] = "GET, HEAD, OPTIONS"
        elif request.method == "OPTIONS":
            response = JsonResponse({})
        else:
            try:
                result = view(request, *args, **kwargs)
            except BadRequest as exc:
                response = _error(str(exc), 400)
            except Http404:
                response = _error("Not found.", 404)
            else:
                document, last_modified = result if isinstance(result, tuple) else (result, None)
                body = json.dumps(document, ensure_ascii=False).encode()
                return open_data_response(
                    request, body, content_type="application/json", last_modified=last_modified
                )
        return open_data_headers(response)

    wrapper.csrf_exempt = True
    return wrapper


def _positive_int(request: HttpRequest, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise BadRequest(f"{name} must be a whole number") from exc
    if value < 1:
        raise BadRequest(f"{name} must be 1 or more")
    return min(value, maximum) if maximum else value


def _uuid(raw: str, name: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise BadRequest(f"{name} must be a UUID") from exc


def _path_uuid(raw: str) -> str:
    """An id in the path: one that is not a UUID names nothing, so it is a 404."""
    try:
        return str(uuid.UUID(raw))
    except ValueError as exc:
        raise Http404 from exc


def _search(request: HttpRequest) -> str:
    """The `search` text, stripped; longer than anyone would search for is a 400."""
    text = request.GET.get("search", "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"search must be {MAX_SEARCH_LENGTH} characters or fewer")
    return text


def _of_the_taxonomy(request: HttpRequest) -> bool:
    """False when `taxonomy_id` asks for a taxonomy other than the feed's one."""
    taxonomy = request.GET.get("taxonomy_id")
    return not taxonomy or _uuid(taxonomy, "taxonomy_id") == openreferral.TAXONOMY_ID


def _modified_after(request: HttpRequest) -> datetime | None:
    after = request.GET.get("modified_after", "").strip()
    if not after:
        return None
    after = OFFSET_AS_SPACE.sub(r"+\1", after)
    try:
        moment = parse_datetime(after)
    except ValueError:
        moment = None
    if moment is None or not PAGE_YEARS[0] <= moment.year <= PAGE_YEARS[1]:
        raise BadRequest(
            "modified_after must be an ISO 8601 date and time, like 2026-01-31T09:00:00Z "
            "or 2026-01-31T10:00:00+01:00"
        )
    return make_aware(moment) if is_naive(moment) else moment


def _paginate(request: HttpRequest, queryset, render: Callable[[list], list[dict]]) -> dict:
    number = _positive_int(request, "page", 1)
    per_page = _positive_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    total = queryset.count()
    # A page past the last is empty, as HSDS has it, without its offset reaching the
    # database (where a 20-digit one overflows a bigint).
    last = max(1, -(-total // per_page))
    rows = []
    if number <= last:
        # The page's ids first, in the list's order (from an index on it where there is one,
        # reading no table rows before the offset), then those rows alone.
        ids = list(
            queryset.values_list("pk", flat=True)[(number - 1) * per_page : number * per_page]
        )
        found = queryset.order_by().in_bulk(ids)
        rows = [found[pk] for pk in ids]
    return openreferral.page(contents=render(rows), total=total, number=number, per_page=per_page)


def _latest(*moments) -> datetime | None:
    return max((moment for moment in moments if moment), default=None)


def _capacities_updated(documents: list[dict]) -> datetime | None:
    return _latest(
        *(
            openreferral.parse_timestamp(capacity["updated"])
            for document in documents
            for capacity in document.get("capacities", [])
        )
    )


def _services_rendered(services: list[Service]) -> list[dict]:
    capacity = openreferral.capacities(services)
    return [openreferral.service_summary(s, capacity.get(s.pk)) for s in services]


@open_data
def root(request: HttpRequest) -> dict:
    return {
        "version": openreferral.HSDS_VERSION,
        "profile": openreferral.PROFILE_URL,
        "openapi_url": request.build_absolute_uri(reverse("providers:openreferral-openapi")),
    }


@open_data
def openapi(request: HttpRequest) -> dict:
    """This API's own OpenAPI document: its paths, their parameters and answers."""
    from providers.openreferral_openapi import openapi_document

    return openapi_document(server=request.build_absolute_uri(reverse("providers:openreferral")))


@open_data
def service_list(request: HttpRequest):
    services = openreferral.open_services()
    if text := _search(request):
        services = openreferral.search_services(services, text)
    if term := request.GET.get("taxonomy_term_id"):
        category = openreferral.category_for_term(_uuid(term, "taxonomy_term_id"))
        services = services.filter(categories=category) if category else services.none()
    if not _of_the_taxonomy(request):
        services = services.none()
    if organisation := request.GET.get("organization_id"):
        services = services.filter(organisation__public_id=_uuid(organisation, "organization_id"))
    if moment := _modified_after(request):
        services = services.filter(updated_at__gt=moment)
    document = _paginate(request, services, _services_rendered)
    # Closing a service changes it too, so the latest change of any service counts; and each
    # service carries its organisation, so a change to any organisation does too.
    changed = Service.objects.aggregate(latest=Max("updated_at"))["latest"]
    organisations = Organisation.objects.aggregate(latest=Max("updated_at"))["latest"]
    return document, _latest(changed, organisations, _capacities_updated(document["contents"]))


@open_data
def service_detail(request: HttpRequest, public_id: str):
    service = (
        openreferral.nested(openreferral.open_services())
        .filter(public_id=_path_uuid(public_id))
        .first()
    )
    if service is None:
        raise Http404
    capacity = openreferral.capacities([service]).get(service.pk)
    document = openreferral.service_document(service, capacity)
    return document, _latest(
        service.updated_at,
        service.organisation.updated_at,
        *(category.updated_at for category in service.categories.all()),
        _capacities_updated([document]),
    )


@open_data
def organization_list(request: HttpRequest):
    organisations = openreferral.open_organisations()
    if text := _search(request):
        organisations = organisations.filter(name__icontains=text)
    document = _paginate(
        request,
        organisations,
        lambda rows: [openreferral.organization_summary(row) for row in rows],
    )
    return document, Organisation.objects.aggregate(latest=Max("updated_at"))["latest"]


@open_data
def organization_detail(request: HttpRequest, public_id: str):
    organisation = (
        openreferral.open_organisations()
        .prefetch_related(
            Prefetch(
                "services",
                queryset=openreferral.nested(openreferral.open_services()),
                to_attr="open_services",
            )
        )
        .filter(public_id=_path_uuid(public_id))
        .first()
    )
    if organisation is None:
        raise Http404
    document = openreferral.organization_document(organisation, organisation.open_services)
    return document, _latest(
        organisation.updated_at,
        *(service.updated_at for service in organisation.open_services),
        *(
            category.updated_at
            for service in organisation.open_services
            for category in service.categories.all()
        ),
        _capacities_updated(document["services"]),
    )


def _terms_changed() -> datetime | None:
    """When the taxonomy last changed: the latest change to any of its terms."""
    return ServiceCategory.objects.aggregate(latest=Max("updated_at"))["latest"]


@open_data
def taxonomy_list(request: HttpRequest):
    taxonomies = [openreferral.taxonomy()]
    if (text := _search(request)) and text.lower() not in openreferral.TAXONOMY_NAME:
        taxonomies = []
    document = openreferral.page(contents=taxonomies, total=len(taxonomies), number=1, per_page=1)
    return document, _terms_changed()


@open_data
def taxonomy_detail(request: HttpRequest, public_id: str):
    if _path_uuid(public_id) != openreferral.TAXONOMY_ID:
        raise Http404
    return openreferral.taxonomy(), _terms_changed()


@open_data
def taxonomy_term_list(request: HttpRequest):
    terms = ServiceCategory.objects.order_by("name")
    if not _of_the_taxonomy(request):
        terms = terms.none()
    if text := _search(request):
        terms = terms.filter(name__icontains=text)
    document = _paginate(request, terms, lambda rows: [openreferral.taxonomy_term(c) for c in rows])
    return document, _terms_changed()


@open_data
def taxonomy_term_detail(request: HttpRequest, public_id: str):
    category = openreferral.category_for_term(_path_uuid(public_id))
    if category is None:
        raise Http404
    return openreferral.taxonomy_term(category), category.updated_at


@open_data
def not_found(request: HttpRequest, rest: str = "") -> dict:
    raise Http404
