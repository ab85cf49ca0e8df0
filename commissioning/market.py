"""Market health of a round: competition per lot and where the money goes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q

from commissioning.models import Application, FundingRound
from providers.models import Organisation, SizeBand

COUNTED = [
    Application.Status.SUBMITTED,
    Application.Status.SUCCESSFUL,
    Application.Status.UNSUCCESSFUL,
]


def market_health(*, funding_round: FundingRound) -> dict:
    """Bidders per lot, the share of lots with one bidder or none, funding awarded by size
    band, to local and national organisations and to the six largest recipients, and the
    Herfindahl–Hirschman index of the awards (0 to 10,000)."""
    lots = list(
        funding_round.lots.annotate(
            bidders=Count("applications", filter=Q(applications__status__in=COUNTED))
        ).order_by("id")
    )
    thin = [lot for lot in lots if lot.bidders <= 1]
    awards = list(
        Application.objects.filter(
            lot__funding_round=funding_round, status=Application.Status.SUCCESSFUL
        )
        .select_related("organisation")
        .values(
            "organisation_id",
            "organisation__size_band",
            "organisation__reach",
            "amount_requested",
            "agreement__value",
        )
    )
    by_organisation: dict[int, int] = defaultdict(int)
    by_band: dict[str, int] = defaultdict(int)
    by_reach: dict[str, int] = defaultdict(int)
    for award in awards:
        value = award["agreement__value"] or award["amount_requested"] or 0
        by_organisation[award["organisation_id"]] += value
        by_band[award["organisation__size_band"]] += value
        by_reach[award["organisation__reach"]] += value
    total = sum(by_organisation.values())

    def share(part: int) -> Decimal:
        return (Decimal(part) * 100 / total).quantize(Decimal("0.1")) if total else Decimal("0")

    largest_six = sorted(by_organisation.values(), reverse=True)[:6]
    hhi = (
        round(sum((Decimal(v) * 100 / total) ** 2 for v in by_organisation.values()))
        if total
        else 0
    )
    return {
        "mechanism": funding_round.mechanism,
        "lots": [{"id": lot.pk, "title": lot.title, "bidders": lot.bidders} for lot in lots],
        "lots_with_one_bidder_or_none": len(thin),
        "share_of_lots_with_one_bidder_or_none": share_count(len(thin), len(lots)),
        "total_awarded": total,
        "awarded_by_size_band": {
            band: share(by_band.get(band, 0)) for band in SizeBand.values if by_band.get(band)
        },
        "awarded_to_local": share(by_reach.get(Organisation.Reach.LOCAL, 0)),
        "awarded_to_national": share(by_reach.get(Organisation.Reach.NATIONAL, 0)),
        "awarded_to_largest_six": share(sum(largest_six)),
        "hhi": hhi,
    }


def share_count(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal("0")
