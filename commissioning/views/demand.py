"""The commissioner's demand view: demand against capacity by category and region for this
month and the twelve before, with drill-down to services and agreements, and a CSV."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from commissioning import capacity
from commissioning.templatetags.funding import bar_width
from commissioning.views.market import commissioner_regions
from partnership.models import ServiceCategory
from partnership.spreadsheets import csv_writer

MONTHS = 13  # this month and the twelve before it


def heat(percent: float | None) -> str:
    """The heat table's band for a cell; the cell's text says the same for everyone."""
    if percent is None:
        return "none"
    if percent >= 150:
        return "over"
    if percent >= 100:
        return "high"
    if percent >= 50:
        return "ok"
    return "low"


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
                    "heat": heat(percent),
                }
            )
        rows.append({"category_id": category_id, "name": name, "cells": row})
    return months, rows


@login_required
def demand(request: HttpRequest) -> HttpResponse:
    regions, chosen = commissioner_regions(request)
    months, rows = _grid(capacity.utilisation_history(MONTHS, regions=regions))
    slugs = dict(ServiceCategory.objects.values_list("pk", "slug"))
    for row in rows:
        row["slug"] = slugs[row["category_id"]]
    this_month = [(row["name"], row["cells"][-1]) for row in rows]
    return render(
        request,
        "commissioning/demand.html",
        {
            "months": months,
            "rows": rows,
            "bars": [
                (
                    name,
                    f"{cell['percent']}%" if cell["percent"] is not None else "No capacity",
                    bar_width(cell["percent"] or 0, 200),
                )
                for name, cell in this_month
            ],
            "this_month": this_month,
            "all_regions": request.user.commissioning_body.regions.order_by("name"),
            "chosen": chosen,
        },
    )


@login_required
def demand_category(request: HttpRequest, slug: str) -> HttpResponse:
    """This month's services and agreements in one category, in the chosen regions."""
    regions, chosen = commissioner_regions(request)
    category = get_object_or_404(ServiceCategory, slug=slug)
    services = (
        capacity.capacity_services_visible_to(user=request.user)
        .filter(categories=category, pdus__region__in=regions)
        .exclude(status="closed")
        .distinct()
    )
    agreements = capacity.capacity_agreements_visible_to(user=request.user).filter(
        lot__category=category, lot__funding_round__regions__in=regions
    )
    return render(
        request,
        "commissioning/demand_category.html",
        {
            "category": category,
            "services": capacity.utilisation_by_service(services=services),
            "agreements": capacity.utilisation_by_agreement(agreements=agreements.distinct()),
            "chosen": chosen,
            "period": capacity.month_start(),
        },
    )


@login_required
def demand_csv(request: HttpRequest) -> HttpResponse:
    regions, _ = commissioner_regions(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="demand-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    writer = csv_writer(response)
    writer.writerow(["month", "category", "region", "sent", "accepted", "capacity", "percent"])
    for cell in capacity.utilisation_history(MONTHS, regions=regions):
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
