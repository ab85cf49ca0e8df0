"""Market health per region and year: exact figures, scoping in the API, bounded queries."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commissioning import services
from commissioning.models import FundingRound
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from commissioning.trends import market_trends
from partnership.models import Region, Role
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def finished_round(commissioner, *, closed_on, lots, mechanism="grant", step="award"):
    """A round taken to `step` ("award" or "close") through the services, then dated as
    closing on `closed_on`. `lots` holds each lot's bids as (income, reach, amount, won)."""
    funding_round = new_round(commissioner, budget=1_000_000)
    if mechanism == "contract":
        FundingRound.objects.filter(pk=funding_round.pk).update(mechanism=mechanism)
        funding_round.refresh_from_db()
    lot_rows = [add_lot(funding_round, commissioner, f"Lot {n}", 100_000) for n in range(len(lots))]
    open_round(funding_round, commissioner)
    decisions = [
        (apply(lot, income=income, reach=reach, amount=amount)[0], won)
        for lot, bids in zip(lot_rows, lots, strict=True)
        for income, reach, amount, won in bids
    ]
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    for application, won in decisions:
        services.application_decide(
            application=application, by=commissioner, successful=won, feedback="Thank you."
        )
    services.round_transition(funding_round=funding_round, by=commissioner, action="award")
    if step == "close":
        services.round_transition(funding_round=funding_round, by=commissioner, action="close")
    closes_at = datetime.combine(closed_on, datetime.min.time(), tzinfo=LONDON)
    FundingRound.objects.filter(pk=funding_round.pk).update(closes_at=closes_at)
    funding_round.refresh_from_db()
    return funding_round, [application for application, won in decisions if won]


@pytest.fixture
def market(commissioner):
    """Greater Manchester: a closed grant round in 2024, an awarded contract round and an
    open round in 2025. London: an awarded grant round in 2025."""
    housing, winners = finished_round(
        commissioner,
        closed_on=date(2024, 6, 30),
        step="close",
        lots=[
            [(50_000, "local", 70_000, True), (60_000, "local", 80_000, False)],
            [(40_000_000, "national", 30_000, True)],
            [],
        ],
    )
    services.agreement_create(
        application=winners[0],
        by=commissioner,
        value=68_000,
        starts_on=date(2024, 10, 1),
        ends_on=date(2026, 10, 1),
        break_clause_dates=[date(2025, 10, 1)],
    )
    mentoring, _ = finished_round(
        commissioner,
        closed_on=date(2025, 3, 1),
        mechanism="contract",
        lots=[[(500_000, "local", 40_000, True), (5_000, "local", 20_000, True)]],
    )
    still_open = new_round(commissioner)
    lot = add_lot(still_open, commissioner, "Women's services", 50_000)
    open_round(still_open, commissioner)
    apply(lot, income=50_000)
    FundingRound.objects.filter(pk=still_open.pk).update(
        closes_at=datetime(2025, 9, 1, tzinfo=LONDON)
    )
    london, _ = finished_round(
        commissioner, closed_on=date(2025, 5, 1), lots=[[(50_000, "local", 10_000, True)]]
    )
    london.regions.set(Region.objects.filter(code="J"))
    return {"housing": housing, "mentoring": mentoring, "london": london}


def by_region_year(rows):
    return {(row["region_code"], row["year"]): row for row in rows}


def test_trends_are_exact_per_region_and_year(market):
    rows = market_trends(regions=Region.objects.filter(code__in=["L", "J"]), years=3, to_year=2025)

    assert [(row["region"], row["year"]) for row in rows] == [
        ("Greater Manchester", 2023),
        ("Greater Manchester", 2024),
        ("Greater Manchester", 2025),
        ("London", 2023),
        ("London", 2024),
        ("London", 2025),
    ]
    rows = by_region_year(rows)
    # 2024: lots with 2, 1 and 0 bidders; awards of 68,000 (the agreement, small, local)
    # and 30,000 (asked for, no agreement yet; major, national).
    assert rows["L", 2024] == {
        "region": "Greater Manchester",
        "region_code": "L",
        "year": 2024,
        "rounds": 1,
        "lots": 3,
        "lots_with_one_bidder_or_none": 2,
        "share_of_lots_with_one_bidder_or_none": Decimal("66.7"),
        "total_awarded": 98_000,
        "awarded_by_size_band": {"small": Decimal("69.4"), "major": Decimal("30.6")},
        "awarded_to_local": Decimal("69.4"),
        "awarded_to_national": Decimal("30.6"),
        "awarded_to_largest_six": Decimal("100.0"),
        # 69.39² + 30.61² = 4814.7 + 937.1
        "hhi": 5752,
        "grants_awarded": 98_000,
        "contracts_awarded": 0,
    }
    # 2025: the contract round only; the open round is not counted.
    assert rows["L", 2025]["rounds"] == 1
    assert rows["L", 2025]["lots_with_one_bidder_or_none"] == 0
    assert rows["L", 2025]["share_of_lots_with_one_bidder_or_none"] == Decimal("0.0")
    assert rows["L", 2025]["awarded_by_size_band"] == {
        "micro": Decimal("33.3"),
        "medium": Decimal("66.7"),
    }
    assert rows["L", 2025]["hhi"] == 5556
    assert (rows["L", 2025]["grants_awarded"], rows["L", 2025]["contracts_awarded"]) == (0, 60_000)
    assert rows["J", 2025]["rounds"] == 1
    assert rows["J", 2025]["share_of_lots_with_one_bidder_or_none"] == Decimal("100.0")
    assert (rows["J", 2025]["total_awarded"], rows["J", 2025]["hhi"]) == (10_000, 10_000)
    for empty in [("L", 2023), ("J", 2023), ("J", 2024)]:
        assert rows[empty]["rounds"] == rows[empty]["total_awarded"] == rows[empty]["hhi"] == 0
        assert rows[empty]["awarded_by_size_band"] == {}


def test_a_round_counts_in_each_of_its_regions(market):
    market["london"].regions.set(Region.objects.filter(code__in=["J", "L"]))
    rows = by_region_year(
        market_trends(regions=Region.objects.filter(code__in=["L", "J"]), years=1, to_year=2025)
    )
    assert rows["J", 2025]["total_awarded"] == 10_000
    assert rows["L", 2025]["rounds"] == 2
    assert rows["L", 2025]["total_awarded"] == 70_000
    assert rows["L", 2025]["grants_awarded"] == 10_000


def test_a_round_belongs_to_the_year_its_applications_closed_in(commissioner):
    funding_round, _ = finished_round(
        commissioner, closed_on=date(2024, 1, 1), lots=[[(50_000, "local", 10_000, True)]]
    )
    FundingRound.objects.filter(pk=funding_round.pk).update(
        closes_at=datetime(2023, 12, 31, 23, 59, tzinfo=LONDON)
    )
    rows = by_region_year(
        market_trends(regions=Region.objects.filter(code="L"), years=2, to_year=2024)
    )
    assert (rows["L", 2023]["rounds"], rows["L", 2024]["rounds"]) == (1, 0)


def count_queries(regions):
    with CaptureQueriesContext(connection) as captured:
        market_trends(regions=regions, years=3, to_year=2025)
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_rounds(
    commissioner, django_assert_max_num_queries
):
    regions = Region.objects.filter(code__in=["L", "J"])
    finished_round(commissioner, closed_on=date(2024, 5, 1), lots=[[(50_000, "local", 1, True)]])
    with_one = count_queries(regions)
    for closed_on in [date(2023, 5, 1), date(2025, 5, 1), date(2025, 7, 1)]:
        finished_round(
            commissioner,
            closed_on=closed_on,
            lots=[[(50_000, "local", 1, True), (60_000, "national", 2, True)], []],
        )
    with django_assert_max_num_queries(4):
        market_trends(regions=regions, years=3, to_year=2025)
    assert count_queries(regions) == with_one


def auth(user):
    _, raw = issue_token(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_commissioner_reads_the_trends_of_their_regions_only(client, market, commissioner):
    headers = auth(commissioner)
    response = client.get("/api/v1/market-health/?from_year=2024&to_year=2025", **headers)
    assert response.status_code == 200, response.json()
    results = response.json()["results"]
    assert [(row["region_code"], row["year"]) for row in results] == [("L", 2024), ("L", 2025)]
    assert results[0]["share_of_lots_with_one_bidder_or_none"] == 66.7
    assert results[0]["awarded_by_size_band"] == {"small": 69.4, "major": 30.6}
    assert results[0]["hhi"] == 5752 and results[0]["total_awarded"] == 98_000

    only = client.get("/api/v1/market-health/?region=L&from_year=2025&to_year=2025", **headers)
    assert [row["year"] for row in only.json()["results"]] == [2025]

    for outside in ["J", "ZZ"]:
        refused = client.get(f"/api/v1/market-health/?region={outside}", **headers)
        assert refused.status_code == 404
        assert refused["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "role", [Role.PROVIDER_ADMIN, Role.ASSESSOR, Role.PRACTITIONER, Role.ADMIN]
)
def test_anyone_but_a_commissioner_is_told_not_found(client, role):
    response = client.get("/api/v1/market-health/?region=L", **auth(UserFactory(role=role)))
    assert response.status_code == 404
    assert client.get("/api/v1/market-health/").status_code == 401


def test_a_backwards_or_too_long_span_of_years_is_invalid(client, commissioner):
    headers = auth(commissioner)
    backwards = client.get("/api/v1/market-health/?from_year=2025&to_year=2024", **headers)
    assert backwards.status_code == 400
    assert "from_year" in backwards.json()["errors"]
    too_long = client.get("/api/v1/market-health/?from_year=2000&to_year=2025", **headers)
    assert too_long.status_code == 400
