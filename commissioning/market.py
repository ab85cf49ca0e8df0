"""Market health of a round: competition per lot and where the money goes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q

from commissioning.models import Application, FundingRound
from providers.models import Organisation, SizeBand

COUNTED = [
    Application.Status.SUBMITTED,
    Application.Status.SUCCESSFUL,
    Application.Status.UNSUCCESSFUL,
]

# The columns of a successful application that the award figures read, for `.values()`.
AWARD_FIELDS = (
    "organisation_id",
    "organisation__size_band",
    "organisation__reach",
    "amount_requested",
    "agreement__value",
)


def market_health(*, funding_round: FundingRound) -> dict:
    """Bidders per lot, the share of lots with one bidder or none, funding awarded by size
    band, to local and national organisations and to the six largest recipients, and the
    Herfindahl–Hirschman index of the awards (0 to 10,000)."""
    lots = list(
        funding_round.lots.annotate(
            bidders=Count("applications", filter=Q(applications__status__in=COUNTED))
        ).order_by("id")
    )
    awards = list(
        Application.objects.filter(
            lot__funding_round=funding_round, status=Application.Status.SUCCESSFUL
        )
        .select_related("organisation")
        .values(*AWARD_FIELDS)
    )
    return {
        "mechanism": funding_round.mechanism,
        "lots": [{"id": lot.pk, "title": lot.title, "bidders": lot.bidders} for lot in lots],
        **lot_competition([lot.bidders for lot in lots]),
        **award_concentration(awards),
    }


def award_value(award: dict) -> int:
    """What an award is worth: the signed agreement's value, or until it is signed the amount
    asked for, so that a round counts as soon as it is awarded."""
    return award["agreement__value"] or award["amount_requested"] or 0


def lot_competition(bidders: Iterable[int]) -> dict:
    """How many lots had one bidder or none, and their share: the evidence found half of
    competitions had no real competition."""
    bidders = list(bidders)
    thin = sum(1 for count in bidders if count <= 1)
    return {
        "lots_with_one_bidder_or_none": thin,
        "share_of_lots_with_one_bidder_or_none": share_count(thin, len(bidders)),
    }


def award_concentration(awards: Iterable[dict]) -> dict:
    """Where the money went, from rows of `AWARD_FIELDS`: the total, shares by size band, to
    local and national organisations and to the six largest recipients, and the HHI, so that
    a squeeze on small and local organisations shows."""
    by_organisation: dict[int, int] = defaultdict(int)
    by_band: dict[str, int] = defaultdict(int)
    by_reach: dict[str, int] = defaultdict(int)
    for award in awards:
        value = award_value(award)
        by_organisation[award["organisation_id"]] += value
        by_band[award["organisation__size_band"]] += value
        by_reach[award["organisation__reach"]] += value
    total = sum(by_organisation.values())

    def share(part: int) -> Decimal:
        return share_count(part, total)

    largest_six = sorted(by_organisation.values(), reverse=True)[:6]
    return {
        "total_awarded": total,
        "awarded_by_size_band": {
            band: share(by_band.get(band, 0)) for band in SizeBand.values if by_band.get(band)
        },
        "awarded_to_local": share(by_reach.get(Organisation.Reach.LOCAL, 0)),
        "awarded_to_national": share(by_reach.get(Organisation.Reach.NATIONAL, 0)),
        "awarded_to_largest_six": share(sum(largest_six)),
        "hhi": hhi(by_organisation.values(), total),
    }


def hhi(values: Iterable[int], total: int) -> int:
    """The Herfindahl–Hirschman index of the recipients' shares, 0 to 10,000."""
    if not total:
        return 0
    return round(sum((Decimal(v) * 100 / total) ** 2 for v in values))


def hhi_concentration(value: int, *, total: int) -> str:
    """How concentrated awards with this HHI are, in words: "highly concentrated",
    "moderately concentrated" or "competitive" (thresholds from settings); nothing to say
    ("") while nothing has been awarded."""
    if value > settings.MARKET_HHI_HIGHLY_CONCENTRATED:
        return "highly concentrated"
    if value > settings.MARKET_HHI_MODERATELY_CONCENTRATED:
        return "moderately concentrated"
    return "competitive" if total else ""


def share_count(part: int, whole: int) -> Decimal:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else Decimal("0")
