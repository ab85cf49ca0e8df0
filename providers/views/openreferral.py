"""`/openreferral/`: the registry as an open Open Referral HSDS 3.0 API (GET only)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.db.models import Prefetch
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from partnership.validators import PAGE_YEARS
from providers import openreferral

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_SEARCH_LENGTH = 200


class BadRequest(Exception):
    pass


def open_data(view: Callable) -> Callable:
    """GET only, anyone, any origin; errors as small JSON documents."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> JsonResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            response = JsonResponse(
                {"error": "Only GET is allowed: this is a read-only API."}, status=405
            )
            response["Allow"] = "GET, HEAD, OPTIONS"
        elif request.method == "OPTIONS":
            response = JsonResponse({})
        else:
            try:
                response = JsonResponse(
                    view(request, *args, **kwargs), json_dumps_params={"ensure_ascii": False}
                )
                response["Cache-Control"] = "public, max-age=300"
            except BadRequest as exc:
                response = JsonResponse({"error": str(exc)}, status=400)
            except Http404:
                response = JsonResponse({"error": "Not found."}, status=404)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        return response

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


def _search(request: HttpRequest) -> str:
    """The `search` text, stripped; longer than anyone would search for is a 400."""
    text = request.GET.get("search", "").strip()
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadRequest(f"search must be {MAX_SEARCH_LENGTH} characters or fewer")
    return text


def _paginate(request: HttpRequest, queryset, render: Callable) -> dict:
    number = _positive_int(request, "page", 1)
    per_page = _positive_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
    total = queryset.count()
    # A page past the last is empty, as HSDS has it, without its offset reaching the
    # database (where a 20-digit one overflows a bigint).
    last = max(1, -(-total // per_page))
    rows = list(queryset[(number - 1) * per_page : number * per_page]) if number <= last else []
    return openreferral.page(
        contents=[render(row) for row in rows], total=total, number=number, per_page=per_page
    )


@open_data
def root(request: HttpRequest) -> dict:
    return {
        "version": openreferral.HSDS_VERSION,
        "profile": openreferral.PROFILE_URL,
        "openapi_url": request.build_absolute_uri(reverse("providers:openreferral-openapi")),
    }


@open_data
def openapi(request: HttpRequest) -> dict:
    """The endpoints served here, described briefly."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Probation partnerships: Open Referral",
            "version": openreferral.HSDS_VERSION,
        },
        "paths": {
            path: {"get": {"responses": {"200": {"description": "OK"}}}}
            for path in [
                "/",
                "/services",
                "/services/{id}",
                "/organizations",
                "/organizations/{id}",
                "/taxonomy_terms",
            ]
        },
    }


@open_data
def service_list(request: HttpRequest) -> dict:
    services = openreferral.open_services()
    if text := _search(request):
        services = openreferral.search_services(services, text)
    if term := request.GET.get("taxonomy_term_id"):
        category = openreferral.category_for_term(_uuid(term, "taxonomy_term_id"))
        services = services.filter(categories=category) if category else services.none()
    if organisation := request.GET.get("organization_id"):
        services = services.filter(organisation__public_id=_uuid(organisation, "organization_id"))
    if after := request.GET.get("modified_after"):
        try:
            moment = parse_datetime(after)
        except ValueError:
            moment = None
        if moment is None or not PAGE_YEARS[0] <= moment.year <= PAGE_YEARS[1]:
            raise BadRequest(
                "modified_after must be an ISO 8601 date and time, like 2026-01-31T09:00:00Z"
            )
        services = services.filter(
            updated_at__gt=make_aware(moment) if is_naive(moment) else moment
        )
    return _paginate(request, services, openreferral.service_summary)


@open_data
def service_detail(request: HttpRequest, public_id: uuid.UUID) -> dict:
    service = openreferral.open_services().filter(public_id=public_id).first()
    if service is None:
        raise Http404
    return openreferral.service_document(service)


@open_data
def organization_list(request: HttpRequest) -> dict:
    organisations = openreferral.open_organisations()
    if text := _search(request):
        organisations = organisations.filter(name__icontains=text)
    return _paginate(request, organisations, openreferral.organization_summary)


@open_data
def organization_detail(request: HttpRequest, public_id: uuid.UUID) -> dict:
    organisation = (
        openreferral.open_organisations()
        .prefetch_related(
            Prefetch("services", queryset=openreferral.open_services(), to_attr="open_services")
        )
        .filter(public_id=public_id)
        .first()
    )
    if organisation is None:
        raise Http404
    return openreferral.organization_document(organisation, organisation.open_services)


@open_data
def taxonomy_term_list(request: HttpRequest) -> dict:
    from partnership.models import ServiceCategory

    terms = ServiceCategory.objects.order_by("name")
    return _paginate(request, terms, openreferral.taxonomy_term)
