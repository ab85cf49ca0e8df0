"""The service directory: search with filters, and a page per service."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from partnership.links import ANY_ID, address_maker
from providers import selectors
from providers.forms.directory import DirectorySearchForm
from providers.referral_fields import REFERRAL_FIELDS

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
AREA_FIELDS = ("pdu", "region")


def _search_data(request: HttpRequest) -> QueryDict:
    """The query, with the practitioner's own PDU as the area when none was chosen."""
    data = request.GET.copy()
    if not any(field in data for field in AREA_FIELDS):
        default_pdu = selectors.pdu_default_for(user=request.user)
        if default_pdu:
            data["pdu"] = str(default_pdu)
    return data


def _page_size(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE))
    except ValueError:
        return PAGE_SIZE


def _with_addresses(rows) -> list[dict]:
    """The results, each with its service page's address: the address is looked up once and
    each id put into it, not looked up again for every result."""
    address = address_maker("providers:service", stand_in=ANY_ID)
    return [{**row, "url": address(row["id"])} for row in rows]


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    data = _search_data(request)
    form = DirectorySearchForm(data)
    context = {"form": form, "page": None, "selected": []}
    if form.is_valid():
        services = selectors.service_search(user=request.user, filters=form.filters())
        paginator = Paginator(selectors.service_directory_rows(services), _page_size(request))
        # Counted from the services alone: the rows' own count joined every organisation
        # for its names (the busiest PDU's count 4.8 ms to 3.3 at full scale), and the
        # services are the same either way.
        paginator.count = services.count()
        page = paginator.get_page(request.GET.get("page"))
        without_page = data.copy()
        without_page.pop("page", None)
        widen = data.copy()
        for field in (*AREA_FIELDS, "page"):
            widen[field] = ""
        context.update(
            page=page,
            results=_with_addresses(page.object_list),
            selected=form.selected(),
            query_string=without_page.urlencode(),
            any_area_query=widen.urlencode(),
            searched_text=form.cleaned_data["q"],
        )
    return render(request, "providers/directory/search.html", context)


@login_required
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = selectors.service_for_page(user=request.user, service_id=pk)
    try:
        referral_url = reverse("referrals:start", args=[service.pk])
    except NoReverseMatch:
        referral_url = None
    requirement_labels = dict(REFERRAL_FIELDS)
    pdus_by_region: dict[str, list[str]] = {}
    for pdu in service.pdus.all():
        pdus_by_region.setdefault(pdu.region.name, []).append(pdu.name)
    return render(
        request,
        "providers/directory/service.html",
        {
            "service": service,
            "organisation": service.organisation,
            "referral_url": referral_url,
            "requirements": [
                requirement_labels.get(key, key) for key in service.referral_requirements
            ],
            "pdus_by_region": sorted(pdus_by_region.items()),
            "settings": [dict(service.Setting.choices)[s] for s in service.delivery_settings],
            "modes": [dict(service.Mode.choices)[m] for m in service.delivery_modes],
        },
    )
