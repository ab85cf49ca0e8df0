"""Market health over time for a commissioner's regions: is competition thin, and is the
money reaching small and local organisations or concentrating in a few large ones?"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.market import hhi_concentration
from commissioning.trends import market_trend_regions_for, market_trends
from providers.models import SizeBand

SMALLER = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM)


def commissioner_regions(request: HttpRequest):
    """A commissioner's regions, or the one asked for with `?region=` among them; anyone
    else, or any other region, is a 404."""
    regions = market_trend_regions_for(user=request.user)
    if regions is None:
        raise Http404("This view is for commissioners")
    chosen = request.GET.get("region", "")
    if chosen:
        regions = regions.filter(code=chosen)
        if not regions.exists():
            raise Http404("Not one of your regions")
    return regions.order_by("name"), chosen


@login_required
def market_overview(request: HttpRequest) -> HttpResponse:
    regions, chosen = commissioner_regions(request)
    rows = market_trends(regions=regions)
    by_region: dict[str, dict] = {}
    for row in rows:
        row["awarded_to_smaller"] = sum(
            (row["awarded_by_size_band"].get(band, Decimal(0)) for band in SMALLER), Decimal(0)
        )
        row["concentration"] = hhi_concentration(row["hhi"], total=row["total_awarded"])
        by_region.setdefault(row["region_code"], {"name": row["region"], "years": []})[
            "years"
        ].append(row)
    return render(
        request,
        "commissioning/market_health.html",
        {
            "regions": by_region.values(),
            "all_regions": request.user.commissioning_body.regions.order_by("name"),
            "chosen": chosen,
        },
    )
