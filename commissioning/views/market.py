"""Market health over time for a commissioner's regions: is competition thin, and is the
money reaching small and local organisations or concentrating in a few large ones?"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from commissioning.trends import market_trends
from partnership.models import Role
from providers.models import SizeBand

SMALLER = (SizeBand.MICRO, SizeBand.SMALL, SizeBand.MEDIUM)


@login_required
def market_overview(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.COMMISSIONER or not user.commissioning_body_id:
        raise Http404("Market health is for commissioners")
    regions = user.commissioning_body.regions.all()
    chosen = request.GET.get("region", "")
    if chosen:
        regions = regions.filter(code=chosen)
        if not regions.exists():
            raise Http404("Not one of your regions")
    rows = market_trends(regions=regions)
    by_region: dict[str, dict] = {}
    for row in rows:
        row["awarded_to_smaller"] = sum(
            (row["awarded_by_size_band"].get(band, Decimal(0)) for band in SMALLER), Decimal(0)
        )
        by_region.setdefault(row["region_code"], {"name": row["region"], "years": []})[
            "years"
        ].append(row)
    return render(
        request,
        "commissioning/market_health.html",
        {
            "regions": by_region.values(),
            "all_regions": user.commissioning_body.regions.order_by("name"),
            "chosen": chosen,
        },
    )
