"""Market health over time: each region's finished rounds, year by year."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from commissioning import rules
from commissioning.market import (
    AWARD_FIELDS,
    COUNTED,
    award_concentration,
    award_value,
    lot_competition,
)
from commissioning.models import Application, FundingRound, Lot, Mechanism
from partnership.models import Region, User

LONDON = ZoneInfo("Europe/London")
FINISHED = [FundingRound.Status.AWARDED, FundingRound.Status.CLOSED]


def market_trends(
    *, regions: QuerySet[Region], years: int = 5, to_year: int | None = None
) -> list[dict]:
    """Market health per region and calendar year (Europe/London) of rounds awarded or closed,
    dated by when applications closed, for the `years` years up to `to_year` (this year by
    default). Every region has a row for every year, zeros included, so that a year without
    competition reads as such rather than as missing data. A round counts in each of its
    regions. At most four queries however many rounds there are."""
    if to_year is None:
        to_year = timezone.localdate(timezone=LONDON).year
    span = range(to_year - years + 1, to_year + 1)
    regions = list(regions.order_by("name"))
    rounds_by_region_year = _finished_rounds(regions=regions, span=span)
    round_ids = {pk for rounds in rounds_by_region_year.values() for pk in rounds}
    bidders, awards = _lots_and_awards(round_ids=round_ids)
    return [
        _row(
            region=region,
            year=year,
            rounds=rounds_by_region_year.get((region.pk, year), {}),
            bidders=bidders,
            awards=awards,
        )
        for region in regions
        for year in span
    ]


def _finished_rounds(*, regions: list[Region], span: range) -> dict[tuple, dict[int, str]]:
    """Rounds awarded or closed whose applications closed within `span`, as
    {(region id, year): {round id: mechanism}}."""
    if not regions or not span:
        return {}
    links = FundingRound.regions.through.objects.filter(
        region_id__in=[region.pk for region in regions],
        fundinground__status__in=FINISHED,
        fundinground__closes_at__gte=datetime(span.start, 1, 1, tzinfo=LONDON),
        fundinground__closes_at__lt=datetime(span.stop, 1, 1, tzinfo=LONDON),
    ).values_list(
        "region_id", "fundinground_id", "fundinground__closes_at", "fundinground__mechanism"
    )
    rounds: dict[tuple, dict[int, str]] = defaultdict(dict)
    for region_id, round_id, closes_at, mechanism in links:
        rounds[region_id, closes_at.astimezone(LONDON).year][round_id] = mechanism
    return rounds


def _lots_and_awards(*, round_ids: set[int]) -> tuple[dict, dict]:
    """The bidders of each lot and the successful applications, both by round id."""
    bidders: dict[int, list[int]] = defaultdict(list)
    awards: dict[int, list[dict]] = defaultdict(list)
    if not round_ids:
        return bidders, awards
    lots = (
        Lot.objects.filter(funding_round_id__in=round_ids)
        .annotate(bidders=Count("applications", filter=Q(applications__status__in=COUNTED)))
        .values_list("funding_round_id", "bidders")
    )
    for round_id, count in lots:
        bidders[round_id].append(count)
    successful = Application.objects.filter(
        lot__funding_round_id__in=round_ids, status=Application.Status.SUCCESSFUL
    ).values("lot__funding_round_id", *AWARD_FIELDS)
    for award in successful:
        awards[award["lot__funding_round_id"]].append(award)
    return bidders, awards


def _row(*, region: Region, year: int, rounds: dict[int, str], bidders: dict, awards: dict) -> dict:
    """One region's year: the figures `market_health` gives a round, pooled over the year's
    rounds, and the money split between grants and contracts (the evidence favours grants)."""
    lot_bidders = [count for pk in rounds for count in bidders[pk]]
    by_mechanism: dict[str, int] = defaultdict(int)
    for pk, mechanism in rounds.items():
        by_mechanism[mechanism] += sum(award_value(award) for award in awards[pk])
    return {
        "region": region.name,
        "region_code": region.code,
        "year": year,
        "rounds": len(rounds),
        "lots": len(lot_bidders),
        **lot_competition(lot_bidders),
        **award_concentration(award for pk in rounds for award in awards[pk]),
        "grants_awarded": by_mechanism[Mechanism.GRANT],
        "contracts_awarded": by_mechanism[Mechanism.CONTRACT],
    }


def market_trend_regions_for(*, user: User) -> QuerySet[Region] | None:
    """The regions whose trends a user may read: a commissioner's body's regions. None for
    anyone else, who is answered as if the figures did not exist."""
    if not rules.allows(user, "view_market_trends", None):
        return None
    return user.commissioning_body.regions.all()
