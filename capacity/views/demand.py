"""The commissioner's demand view: demand against capacity by category and region for this
month and the twelve before, with drill-down to services and agreements, and a CSV."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from capacity import selectors, utilisation
from commissioning.templatetags.funding import bar_width
from partnership.links import ANY_ID, ANY_PUBLIC_ID, address_maker
from partnership.lists import page_of_ids
from partnership.models import ServiceCategory
from partnership.months import month_start
from partnership.spreadsheets import csv_writer
from partnership.templatetags.figures import number
from providers.models import Service

MONTHS = 13  # this month and the twelve before it
SERVICES_PER_PAGE = 25  # as the directory and the API lists
CHART_SCALE_PERCENT = 200  # a bar fills its row at twice capacity


def _regions(request: HttpRequest):
    """A commissioner's regions, or the one asked for with `?region=` among them; anyone
    else, or any other region, is a 404."""
    regions = selectors.demand_regions_for(user=request.user)
    if regions is None:
        raise Http404("The demand view is for commissioners")
    chosen = request.GET.get("region", "")
    if chosen:
        regions = regions.filter(code=chosen)
        if not regions.exists():
            raise Http404("Not one of your regions")
    return regions.order_by("name"), chosen


def _percent(sent: int, capacity_value: float) -> float | None:
    return round(sent * 100 / capacity_value, 1) if capacity_value else None


def _grid(cells) -> tuple[list, list]:
    """Cells summed over the chosen regions into rows by category, one cell per month."""
    months = sorted({cell.month for cell in cells})
    totals: dict[tuple, list] = defaultdict(lambda: [0, 0, 0.0])
    names = {}
    for cell in cells:
        total = totals[(cell.category_id, cell.month)]
        total[0] += cell.sent
        total[1] += cell.accepted
        total[2] += cell.capacity
        names[cell.category_id] = cell.category_name
    rows = []
    for category_id, name in sorted(names.items(), key=lambda item: item[1]):
        row = []
        for month in months:
            sent, accepted, capacity_value = totals[(category_id, month)]
            percent = _percent(sent, capacity_value)
            row.append(
                {
                    "month": month,
                    "sent": sent,
                    "accepted": accepted,
                    "capacity": round(capacity_value, 1),
                    "percent": percent,
                    "heat": utilisation.demand_heat(percent),
                }
            )
        rows.append({"category_id": category_id, "name": name, "cells": row})
    return months, rows


def _thresholds() -> dict:
    return {
        "under_used": settings.CAPACITY_UNDER_USED_PERCENT,
        "over": settings.CAPACITY_AMBER_PERCENT,
        "far_over": settings.CAPACITY_RED_PERCENT,
        "forecast_after_percent": round(settings.CAPACITY_FORECAST_AFTER_FRACTION * 100),
    }


@login_required
def demand(request: HttpRequest) -> HttpResponse:
    regions, chosen = _regions(request)
    months, rows = _grid(utilisation.utilisation_history(MONTHS, regions=regions))
    slugs = dict(ServiceCategory.objects.values_list("pk", "slug"))
    for row in rows:
        row["slug"] = slugs[row["category_id"]]
    this_month = [(row["name"], row["cells"][-1]) for row in rows]
    return render(
        request,
        "capacity/demand.html",
        {
            "months": months,
            "rows": rows,
            "bars": [
                (
                    name,
                    f"{cell['percent']}%" if cell["percent"] is not None else "No capacity",
                    bar_width(cell["percent"] or 0, CHART_SCALE_PERCENT),
                )
                for name, cell in this_month
            ],
            "this_month": this_month,
            "all_regions": request.user.commissioning_body.regions.order_by("name"),
            "chosen": chosen,
            # The heat bands' thresholds, as the table's key says them.
            "thresholds": _thresholds(),
        },
    )


def _whole_percent(percent: float | None, missing: str) -> str:
    """A share as the tables write it: 149.6 → "150%" (as `floatformat:0|number`)."""
    return missing if percent is None else f"{number(floatformat(percent, 0))}%"


def _service_rows(rows: list[utilisation.ServiceUtilisation]) -> list[dict]:
    """The services table's rows, each cell's text made here rather than by filters and a
    `{% url %}` in the template a row."""
    address = address_maker("providers:service", stand_in=ANY_ID)
    return [
        {
            "path": address(row.service_id),
            "service_name": row.service_name,
            "organisation_name": row.organisation_name,
            "sent": number(row.sent),
            "capacity": number(row.capacity),
            "used": _whole_percent(row.percent, "No capacity"),
            "forecast": "Too early to forecast"
            if row.too_early_to_forecast
            else _whole_percent(row.forecast_percent, "No capacity"),
            "funded": row.funded,
        }
        for row in rows
    ]


def _agreement_rows(rows: list[utilisation.AgreementUtilisation]) -> list[dict]:
    """The agreements table's rows, as `_service_rows` makes the services'."""
    address = address_maker("commissioning:agreement", stand_in=ANY_PUBLIC_ID)
    return [
        {
            "path": address(row.agreement_public_id),
            "organisation_name": row.organisation_name,
            "lot_title": row.lot_title,
            "sent": number(row.sent),
            "capacity": number(row.capacity),
            "used": _whole_percent(row.percent, "No capacity"),
        }
        for row in rows
    ]


# Each band's cell up to its figures: the heat colour, the band and its label.
_HISTORY_CELL_OPENINGS = {
    band: format_html(
        '<td class="govuk-table__cell app-heat--{}" data-band="{}">{}',
        utilisation.BAND_HEAT.get(band, "none"),
        band,
        label,
    )
    for band, label in utilisation.BAND_LABELS.items()
}


def history_cells(months: list[utilisation.ServiceMonth]) -> SafeString:
    """One service's months in the history table, written out in Python rather than by a
    template a cell: fifty services by thirteen months were most of the page's time. The
    same markup as the template gave (`tests/test_demand_pages.py` compares them)."""
    cells = []
    for month in months:
        opening = _HISTORY_CELL_OPENINGS[month.band]
        if month.capacity is None:
            cells.append(f"{opening}</td>")
        else:
            cells.append(
                f'{opening}<span class="govuk-visually-hidden"> ({number(month.sent)} sent,'
                f" capacity {number(month.capacity)})</span></td>"
            )
    # The openings are escaped; the rest is figures (digits and commas).
    return mark_safe("".join(cells))  # noqa: S308


@login_required
def demand_category(request: HttpRequest, slug: str) -> HttpResponse:
    """This month's services and agreements in one category, in the chosen regions."""
    regions, chosen = _regions(request)
    category = get_object_or_404(ServiceCategory, slug=slug)
    # The page's services first, in the table's order; their figures then for those alone.
    # Each service once, by EXISTS tests rather than a DISTINCT over the joins.
    in_category = Service.categories.through.objects.filter(
        service_id=OuterRef("pk"), servicecategory_id=category.pk
    )
    in_regions = Service.pdus.through.objects.filter(
        service_id=OuterRef("pk"), pdu__region__in=regions
    )
    services = (
        selectors.capacity_services_visible_to(user=request.user)
        .filter(Exists(in_category), Exists(in_regions))
        .exclude(status=Service.Status.CLOSED)
        .order_by("organisation__name", "name", "pk")
    )
    # Ordered by organisation name, every match is read to sort them: counted there too.
    page = page_of_ids(services, per_page=SERVICES_PER_PAGE, number=request.GET.get("page"))
    agreements = selectors.capacity_agreements_visible_to(user=request.user).filter(
        lot__category=category, lot__funding_round__regions__in=regions
    )
    rows = utilisation.utilisation_by_service(services=list(page)) if page.object_list else []
    history = utilisation.service_history([row.service_id for row in rows], MONTHS)
    months = [month.month for month in next(iter(history.values()), [])]
    return render(
        request,
        "capacity/demand_category.html",
        {
            "category": category,
            "services": _service_rows(rows),
            "page": page,
            "query": f"region={chosen}" if chosen else "",
            "history": [
                (row.service_name, history_cells(history.get(row.service_id, []))) for row in rows
            ],
            "history_months": months,
            "band_labels": [
                (utilisation.BAND_HEAT.get(band, "none"), label)
                for band, label in utilisation.BAND_LABELS.items()
            ],
            "thresholds": _thresholds(),
            # Their ids first: the statement reads them twice, and compiling the visibility
            # rule's query into it twice cost more than reading them.
            "agreements": _agreement_rows(
                utilisation.utilisation_by_agreement(
                    agreements=list(agreements.order_by().values_list("pk", flat=True).distinct())
                )
            ),
            "chosen": chosen,
            "period": month_start(),
        },
    )


@login_required
def demand_csv(request: HttpRequest) -> HttpResponse:
    regions, _ = _regions(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="demand-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    writer = csv_writer(response)
    writer.writerow(["month", "category", "region", "sent", "accepted", "capacity", "percent"])
    for cell in utilisation.utilisation_history(MONTHS, regions=regions):
        writer.writerow(
            [
                cell.period_code,
                cell.category_name,
                cell.region_name,
                cell.sent,
                cell.accepted,
                cell.capacity,
                "" if cell.percent is None else cell.percent,
            ]
        )
    return response
