"""Demand against capacity: per service and per agreement for a calendar month, and by
category and region over time.

Months are calendar months in Europe/London. A referral counts as demand in the month it
was sent (`sent_at`) unless it was withdrawn; it counts as accepted in the month the
provider decided (`decided_at`) if it was accepted (and perhaps has since started or
completed); the active caseload is what is accepted or in progress now. Capacity is what
funding agreements contract for the month, or else what the service declares.

Every function here is one set-based query (aggregation in the database) whatever the
number of referrals or services. What counts as demand, and which referrals a month can
need, is the referrals app's to say (`referrals.selectors`, the demand section): this
module places those querysets in its statements rather than naming referral tables or
statuses itself.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    QuerySet,
)
from django.utils import timezone

from commissioning.models import Agreement, AgreementService, Lot
from partnership.models import Pdu, Region, ServiceCategory
from partnership.months import (
    LONDON,
    add_months,
    month_bounds,
    month_elapsed,
    month_start,
    next_month,
)
from providers.models import Organisation, Service
from referrals.selectors import (
    referral_demand_by_month,
    referral_demand_by_service,
)

# Agreements that fund a month: live ones, and ended ones for the months they ran.
FUNDING_STATUSES = (Agreement.Status.LIVE, Agreement.Status.ENDED)

HAS_ROOM, BUSY, OVER = "has_room", "busy", "over"
INDICATOR_LABELS = {HAS_ROOM: "Has room", BUSY: "Busy", OVER: "Over capacity"}


# Figures ----------------------------------------------------------------------------------


def _percent(part: float | None, whole: int | float) -> float | None:
    if part is None or not whole:
        return None
    return round(part * 100 / whole, 1)


def capacity_indicator(percent: float | None) -> str:
    """What the directory shows: "has_room", "busy" (from CAPACITY_BUSY_PERCENT) or "over"
    (from CAPACITY_AMBER_PERCENT). No percentage means no capacity at all, so "over"."""
    if percent is None or percent >= settings.CAPACITY_AMBER_PERCENT:
        return OVER
    if percent >= settings.CAPACITY_BUSY_PERCENT:
        return BUSY
    return HAS_ROOM


def demand_heat(percent: float | None) -> str:
    """The demand view's band for a share of capacity used, on the alert rules' thresholds:
    "over" from CAPACITY_RED_PERCENT, "high" from CAPACITY_AMBER_PERCENT, "ok" from
    CAPACITY_UNDER_USED_PERCENT, else "low"; "none" when there is no capacity."""
    if percent is None:
        return "none"
    if percent >= settings.CAPACITY_RED_PERCENT:
        return "over"
    if percent >= settings.CAPACITY_AMBER_PERCENT:
        return "high"
    if percent >= settings.CAPACITY_UNDER_USED_PERCENT:
        return "ok"
    return "low"


@dataclass(slots=True)
class _Utilisation:
    """Demand in a month against capacity, with the month-end forecast from the pace so far.

    Plain slotted classes rather than frozen ones: the monitoring makes one per service on
    every run, and a frozen dataclass costs several times as much to build."""

    period: date
    sent: int
    accepted: int
    active: int
    capacity: int
    elapsed: float  # the share of the month gone when computed, 0 to 1

    @property
    def period_code(self) -> str:
        return f"{self.period:%Y-%m}"

    @property
    def percent(self) -> float | None:
        """Sent as a percentage of capacity; None when there is no capacity."""
        return _percent(self.sent, self.capacity)

    @property
    def too_early_to_forecast(self) -> bool:
        """Less than CAPACITY_FORECAST_AFTER_FRACTION of the month has passed: a few days'
        pace says nothing of the month's end (four days would forecast 1,322%)."""
        return self.elapsed < settings.CAPACITY_FORECAST_AFTER_FRACTION or self.elapsed <= 0

    @property
    def forecast(self) -> float | None:
        """Referrals expected by the month's end at the pace so far; None while it is too
        early in the month to forecast."""
        if self.too_early_to_forecast:
            return None
        return round(self.sent / self.elapsed, 1)

    @property
    def forecast_percent(self) -> float | None:
        return _percent(self.forecast, self.capacity)

    @property
    def indicator(self) -> str:
        return capacity_indicator(self.percent)

    @property
    def indicator_label(self) -> str:
        return INDICATOR_LABELS[self.indicator]

    def figures(self) -> dict[str, Any]:
        """The numbers as JSON, for an alert's figures and the API."""
        return {
            "period": self.period_code,
            "sent": self.sent,
            "accepted": self.accepted,
            "active": self.active,
            "capacity": self.capacity,
            "percent": self.percent,
            "forecast": self.forecast,
            "forecast_percent": self.forecast_percent,
            "elapsed_percent": round(self.elapsed * 100, 1),
            "too_early_to_forecast": self.too_early_to_forecast,
        }


@dataclass(slots=True)
class ServiceUtilisation(_Utilisation):
    """One service's month. `funded` says a funding agreement covers the month, in which
    case `capacity` is the contracted monthly referrals, else the declared capacity."""

    service_id: int
    service_public_id: str  # as text: making 20,000 UUID objects costs more than the query
    service_name: str
    service_status: str
    organisation_id: int
    organisation_name: str
    declared_capacity: int
    funded: bool
    wait_days: int
    # The previous complete month, when asked for (the monitoring early in a month).
    previous_sent: int | None = None
    previous_capacity: int | None = None

    @property
    def previous_percent(self) -> float | None:
        return _percent(self.previous_sent, self.previous_capacity or 0)

    @property
    def capacity_source(self) -> str:
        return "contracted" if self.funded else "declared"

    @property
    def unfunded_sent(self) -> int:
        """Referrals sent this month that no agreement pays for."""
        return 0 if self.funded else self.sent

    def figures(self) -> dict[str, Any]:
        return {
            **_Utilisation.figures(self),  # slotted dataclasses cannot use super()
            "capacity_source": self.capacity_source,
            "funded": self.funded,
            "wait_days": self.wait_days,
        }


@dataclass(slots=True)
class AgreementUtilisation(_Utilisation):
    """One agreement's month: demand on the services it funds against what it contracts."""

    agreement_id: int
    agreement_public_id: UUID
    agreement_status: str
    organisation_id: int
    organisation_name: str
    lot_title: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class DemandCell:
    """One month, category and region of the demand view. Demand is placed in the region of
    the referring PDU; a service's capacity is shared between the regions of its PDUs in
    proportion to how many of its PDUs each has (so it is counted once in total), and is
    counted in full in each of its categories."""

    month: date
    category_id: int
    category_name: str
    region_id: int
    region_name: str
    sent: int
    accepted: int
    capacity: float

    @property
    def period_code(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def percent(self) -> float | None:
        return _percent(self.sent, self.capacity)


# Querysets --------------------------------------------------------------------------------


def _ids_of(items: Iterable | QuerySet | None) -> QuerySet | list[int] | None:
    if items is None:
        return None
    if isinstance(items, QuerySet):
        return items.values("pk")
    return [item if isinstance(item, int) else item.pk for item in items]


def _id_list(items: Iterable | QuerySet | None) -> list[int] | None:
    if items is None:
        return None
    if isinstance(items, QuerySet):
        return list(items.values_list("pk", flat=True))
    return [item if isinstance(item, int) else item.pk for item in items]


def _named(queryset: QuerySet, name: str) -> tuple[str, dict[str, Any]]:
    """A queryset's SQL with its parameters named `name_0`, `name_1`, …, to place it in a
    statement written with named parameters."""
    sql, values = queryset.query.sql_with_params()
    pieces = sql.split("%s")
    if len(pieces) != len(values) + 1:
        raise ValueError(f"Cannot name the parameters of {sql!r}")
    named = pieces[0] + "".join(
        f"%({name}_{index})s{piece}" for index, piece in enumerate(pieces[1:])
    )
    return named, {f"{name}_{index}": value for index, value in enumerate(values)}


# Utilisation ------------------------------------------------------------------------------


_UTILISATION_SQL = """
SELECT coalesce(demand.sent, 0), coalesce(demand.accepted, 0), coalesce(demand.active, 0),
       coalesce(funded.total, s.monthly_capacity),
       s.id, s.public_id::text, s.name, s.status, s.organisation_id, o.name, s.monthly_capacity,
       funded.total IS NOT NULL, s.current_wait_days
FROM {service} s
JOIN {organisation} o ON o.id = s.organisation_id
LEFT JOIN (
    -- The month's demand per service, as the referrals app counts it.
    {{demand}}
) demand ON demand.service_id = s.id
LEFT JOIN (
    -- What agreements funding the month contract for each service.
    SELECT l.service_id, sum(l.contracted_monthly_referrals) AS total
    FROM {agreement_service} l
    JOIN {agreement} a ON a.id = l.agreement_id
    WHERE a.status IN %(funding)s AND a.starts_on < %(next)s AND a.ends_on >= %(first)s
    GROUP BY l.service_id
) funded ON funded.service_id = s.id
{{where}}
{{order}}
"""


def _tables() -> dict[str, str]:
    """The statements' tables' names, as their models give them."""
    return {
        "service": Service._meta.db_table,
        "organisation": Organisation._meta.db_table,
        "agreement": Agreement._meta.db_table,
        "agreement_service": AgreementService._meta.db_table,
        "lot": Lot._meta.db_table,
    }


@functools.cache
def _utilisation_sql() -> str:
    return _UTILISATION_SQL.format(**_tables())


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a pass builds many rows: they hold no
    cycles, and the collections their allocation would set off walk the whole heap (a
    quarter of a full pass's time, measured with the benchmark)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def utilisation_by_service(
    period: date | str | None = None,
    *,
    services: QuerySet[Service] | Iterable[Service | int] | None = None,
    now: datetime | None = None,
    ordered: bool = True,
    previous: bool = False,
) -> list[ServiceUtilisation]:
    """Each service's month (default: this month), in one query: referrals sent, accepted,
    active caseload, capacity (contracted by agreements funding the month, else declared)
    and the pace so far, measured at `now` (default: the current time).

    `services` narrows it (a queryset, services or ids); by default every service.
    Ordered by organisation and service name unless `ordered` is false (the monitoring
    reads every row and needs no order, so the database need not sort them). With
    `previous`, each row also carries the previous complete month's sent and capacity (one
    more query), for judging under-use early in a month.

    The monitoring runs this over every service, so it is written as SQL in the shape the
    database does best: the month's referrals are counted per service first (by
    `referral_demand_by_service`, which says what counts), on narrow rows found through the
    date and status indexes, and only then joined to the services.
    """
    first = month_start(period)
    start, end = month_bounds(first)
    params: dict[str, Any] = {
        "first": first,
        "next": next_month(first),
        "funding": tuple(str(status) for status in FUNDING_STATUSES),
    }
    where = ""
    ids = _ids_of(services)
    if isinstance(ids, QuerySet):
        ids = ids.order_by()  # a subquery's order is work for nothing
        narrowing, narrowing_params = _named(ids, "narrow")
        where = f"WHERE s.id IN ({narrowing})"
        params.update(narrowing_params)
    elif ids is not None:
        if not ids:
            return []
        where = "WHERE s.id = ANY(%(ids)s)"
        params["ids"] = list(ids)
    demand, demand_params = _named(
        referral_demand_by_service(start=start, end=end, services=ids), "demand"
    )
    params.update(demand_params)
    order = "ORDER BY o.name, s.name, s.id" if ordered else ""
    elapsed = month_elapsed(first, now=now)
    with connection.cursor() as cursor, _collector_paused():
        cursor.execute(_utilisation_sql().format(demand=demand, where=where, order=order), params)
        rows = cursor.fetchall()
        # Positional (building 20,000 from keywords takes four times as long): the statement
        # returns the fields in their order, but for the month and its share gone.
        result = [ServiceUtilisation(first, *row[:4], elapsed, *row[4:]) for row in rows]
    if previous and result:
        before = {
            row.service_id: row
            for row in utilisation_by_service(
                add_months(first, -1),
                services=[row.service_id for row in result],
                now=now,
                ordered=False,
            )
        }
        for row in result:
            if (earlier := before.get(row.service_id)) is not None:
                row.previous_sent, row.previous_capacity = earlier.sent, earlier.capacity
    return result


def utilisation_for_service(
    service: Service | int,
    period: date | str | None = None,
    *,
    now: datetime | None = None,
    previous: bool = False,
) -> ServiceUtilisation | None:
    """One service's month, or None if there is no such service."""
    rows = utilisation_by_service(period, services=[service], now=now, previous=previous)
    return rows[0] if rows else None


_AGREEMENT_SQL = """
-- The month's demand on each service the agreements fund, as the referrals app counts it:
-- counted once, not again for each agreement the planner joins it to.
WITH demand AS MATERIALIZED (
    {{demand}}
)
SELECT coalesce(sum(demand.sent), 0), coalesce(sum(demand.accepted), 0),
       coalesce(sum(demand.active), 0), coalesce(sum(l.contracted_monthly_referrals), 0),
       a.id, a.public_id, a.status, a.organisation_id, o.name, lot.title, a.starts_on, a.ends_on
FROM {agreement} a
JOIN {organisation} o ON o.id = a.organisation_id
JOIN {lot} lot ON lot.id = a.lot_id
LEFT JOIN {agreement_service} l ON l.agreement_id = a.id
LEFT JOIN demand ON demand.service_id = l.service_id
WHERE a.id IN ({{agreements}})
GROUP BY a.id, o.id, lot.id
ORDER BY o.name, lot.title, a.id
"""


@functools.cache
def _agreement_sql() -> str:
    return _AGREEMENT_SQL.format(**_tables())


def utilisation_by_agreement(
    period: date | str | None = None,
    *,
    agreements: QuerySet[Agreement] | Iterable[Agreement | int] | None = None,
    now: datetime | None = None,
) -> list[AgreementUtilisation]:
    """Each agreement's month (default: this month), in one query: referrals to the services
    it funds against the monthly referrals it contracts for them, with the pace so far.

    `agreements` narrows it; by default every agreement whose term overlaps the month,
    whatever its status. A service funded by two agreements counts in both.

    As `utilisation_by_service`, the month's referrals are counted per service first (of
    the agreements' services alone, through the date and status indexes), then summed over
    each agreement's services: never every referral of a funded service read and filtered.
    """
    first = month_start(period)
    start, end = month_bounds(first)
    ids = _ids_of(agreements)
    if ids is None:
        chosen = Agreement.objects.filter(starts_on__lt=next_month(first), ends_on__gte=first)
    elif isinstance(ids, list) and not ids:
        return []
    else:
        chosen = Agreement.objects.filter(pk__in=ids)
    chosen = chosen.order_by().values("pk")  # a subquery's order is work for nothing
    funded = AgreementService.objects.filter(agreement__in=chosen).values("service_id")
    narrowing, params = _named(chosen, "agreements")
    demand, demand_params = _named(
        referral_demand_by_service(start=start, end=end, services=funded), "demand"
    )
    params.update(demand_params)
    elapsed = month_elapsed(first, now=now)
    with connection.cursor() as cursor:
        cursor.execute(_agreement_sql().format(demand=demand, agreements=narrowing), params)
        rows = cursor.fetchall()
    # Positional: the statement returns the fields in their order, but for the month and
    # its share gone.
    return [AgreementUtilisation(first, *row[:4], elapsed, *row[4:]) for row in rows]


def capacity_indicators(
    services: QuerySet[Service] | Iterable[Service | int],
    period: date | str | None = None,
) -> dict[int, str]:
    """The directory's indicator for each service, by service id, in one query."""
    return {
        row.service_id: row.indicator for row in utilisation_by_service(period, services=services)
    }


# Demand over time -------------------------------------------------------------------------

_HISTORY_SQL = """
WITH months AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month
),
service_share AS (
    SELECT sp.service_id, pdu.region_id,
           count(*)::numeric / sum(count(*)) OVER (PARTITION BY sp.service_id) AS share
    FROM {service_pdus} sp
    JOIN {pdu} pdu ON pdu.id = sp.pdu_id
    -- Only the services covering a chosen region (each with all its regions, for its share).
    WHERE %(any_region)s OR sp.service_id IN (
        SELECT covers.service_id FROM {service_pdus} covers
        WHERE covers.pdu_id = ANY(%(pdus)s)
    )
    GROUP BY sp.service_id, pdu.region_id
),
contracted AS (
    SELECT m.month, line.service_id, sum(line.contracted_monthly_referrals) AS referrals
    FROM months m
    JOIN {agreement} a
      ON a.status IN %(funding)s
     AND a.starts_on < (m.month + interval '1 month')::date
     AND a.ends_on >= m.month
    JOIN {agreement_service} line ON line.agreement_id = a.id
    GROUP BY m.month, line.service_id
),
counted_capacity AS (
    SELECT m.month, sc.servicecategory_id AS category_id, share.region_id,
           sum(coalesce(c.referrals, s.monthly_capacity) * share.share) AS capacity
    FROM months m
    JOIN {service} s
      ON s.status <> %(closed)s
     AND s.created_at < ((m.month + interval '1 month')::timestamp AT TIME ZONE %(zone)s)
    JOIN service_share share ON share.service_id = s.id
     AND (%(any_region)s OR share.region_id = ANY(%(regions)s))
    JOIN {service_categories} sc ON sc.service_id = s.id
    LEFT JOIN contracted c ON c.month = m.month AND c.service_id = s.id
    GROUP BY 1, 2, 3
),
-- Counted as above, or (for a month whose capacity was kept) nothing, filled in afterwards.
capacity AS ({{capacity}}),
-- Demand placed by category and by the referring PDU's region, from the referrals app's
-- counts by month, service and PDU.
sent AS (
    SELECT d.month::date AS month, sc.servicecategory_id AS category_id, pdu.region_id,
           sum(d.referrals)::bigint AS referrals
    FROM ({{sent}}) d
    JOIN {pdu} pdu ON pdu.id = d.pdu_id
    JOIN {service_categories} sc ON sc.service_id = d.service_id
    GROUP BY 1, 2, 3
),
accepted AS (
    SELECT d.month::date AS month, sc.servicecategory_id AS category_id, pdu.region_id,
           sum(d.referrals)::bigint AS referrals
    FROM ({{accepted}}) d
    JOIN {pdu} pdu ON pdu.id = d.pdu_id
    JOIN {service_categories} sc ON sc.service_id = d.service_id
    GROUP BY 1, 2, 3
)
SELECT m.month, cat.id, cat.name, reg.id, reg.name,
       coalesce(sent.referrals, 0), coalesce(accepted.referrals, 0),
       coalesce(capacity.capacity, 0)
FROM months m
CROSS JOIN {category} cat
CROSS JOIN {region} reg
LEFT JOIN sent
  ON sent.month = m.month AND sent.category_id = cat.id AND sent.region_id = reg.id
LEFT JOIN accepted
  ON accepted.month = m.month AND accepted.category_id = cat.id AND accepted.region_id = reg.id
LEFT JOIN capacity
  ON capacity.month = m.month AND capacity.category_id = cat.id AND capacity.region_id = reg.id
WHERE (%(any_region)s OR reg.id = ANY(%(regions)s))
  AND (%(any_category)s OR cat.id = ANY(%(categories)s))
ORDER BY m.month, cat.name, reg.name
"""


@functools.cache
def _history_sql() -> str:
    """The statement with its tables' names, as their models give them."""
    return _HISTORY_SQL.format(
        service=Service._meta.db_table,
        service_pdus=Service.pdus.through._meta.db_table,
        service_categories=Service.categories.through._meta.db_table,
        pdu=Pdu._meta.db_table,
        region=Region._meta.db_table,
        category=ServiceCategory._meta.db_table,
        agreement=Agreement._meta.db_table,
        agreement_service=AgreementService._meta.db_table,
    )


def utilisation_history(
    months: int = 12,
    *,
    until: date | str | None = None,
    regions: QuerySet[Region] | Iterable[Region | int] | None = None,
    categories: QuerySet[ServiceCategory] | Iterable[ServiceCategory | int] | None = None,
) -> list[DemandCell]:
    """Demand against capacity by month, category and region for the `months` months up to
    and including `until` (default: this month). Every month, category and region has a
    cell, zeros included, so a gap reads as no demand rather than missing data. Pass
    `months=13` for this month and the twelve before it.

    Past months come from what the monitoring run kept (`keep_demand_months`) while it is
    fresh; the rest, this month always, are counted now, a run of months in one query. This
    month's capacity is read from what the run kept while that is fresh, and counted
    with its referrals otherwise.

    Capacity in a past month uses the agreements that funded it then, but each service's
    current PDUs, categories and status (the portal keeps no history of those).
    """
    if months < 1:
        raise ValueError("The history covers at least one month")
    last = month_start(until)
    wanted = [add_months(last, -back) for back in range(months - 1, -1, -1)]
    region_ids = _id_list(regions)
    category_ids = _id_list(categories)
    kept = _kept_months(wanted, region_ids, category_ids)
    this_month = month_start()
    capacity = (
        _kept_capacity(this_month, region_ids, category_ids) if this_month in wanted else None
    )
    cells: list[DemandCell] = []
    run: list[date] = []  # consecutive months not kept, counted together
    for month in [*wanted, None]:
        if month is not None and month not in kept:
            run.append(month)
            continue
        if run and run[-1] == this_month and capacity is not None:
            if len(run) > 1:
                cells += _counted_history(run[0], run[-2], region_ids, category_ids)
            cells += _counted_history(
                this_month, this_month, region_ids, category_ids, capacity=capacity
            )
        elif run:
            cells += _counted_history(run[0], run[-1], region_ids, category_ids)
        run = []
        if month is not None:
            cells += kept[month]
    return cells


def _kept_months(wanted: list[date], region_ids, category_ids) -> dict[date, list[DemandCell]]:
    """The cells of the wanted months the monitoring run kept, fresh and before this month,
    by month, in the order the counting statement gives them."""
    rows = _fresh_cells(region_ids, category_ids).filter(
        month__in=[month for month in wanted if month < month_start()], in_progress=False
    )
    kept: dict[date, list[DemandCell]] = {}
    for row in rows.order_by("month", "category__name", "region__name").values_list(
        "month", "category_id", "category__name", "region_id", "region__name",
        "sent", "accepted", "capacity",
    ):  # fmt: skip
        kept.setdefault(row[0], []).append(DemandCell(*row))
    return kept


def _kept_capacity(month: date, region_ids, category_ids) -> dict[tuple[int, int], float] | None:
    """This month's capacity by category and region as the monitoring run kept it, if it
    did and it is fresh; else None, and it is counted."""
    rows = _fresh_cells(region_ids, category_ids).filter(month=month, in_progress=True)
    capacity = {
        (category_id, region_id): value
        for category_id, region_id, value in rows.values_list(
            "category_id", "region_id", "capacity"
        )
    }
    return capacity or None


def _fresh_cells(region_ids, category_ids) -> QuerySet:
    """What the monitoring run kept at most `CAPACITY_DEMAND_KEPT_MINUTES` ago, in the
    regions and categories asked for."""
    from capacity.models import DemandMonth

    fresh_since = timezone.now() - timedelta(minutes=settings.CAPACITY_DEMAND_KEPT_MINUTES)
    rows = DemandMonth.objects.filter(kept_at__gte=fresh_since)
    if region_ids is not None:
        rows = rows.filter(region__in=region_ids)
    if category_ids is not None:
        rows = rows.filter(category__in=category_ids)
    return rows


# pg_advisory_xact_lock(int4, int4) key, beside the alert run's keys (capacity.alerts).
DEMAND_KEEP_LOCK = (0x0CAD, 0)


def keep_demand_months(*, today: date | None = None, months: int = 12) -> int:
    """Count the `months` months before this one and this one for every category and
    region, and keep them (`DemandMonth`, this one `in_progress`) in place of what was kept
    before; returns how many cells. The monitoring run calls it, so what the demand view
    reads is never older than a run."""
    from capacity.models import DemandMonth

    this_month = month_start(today)
    kept_at = timezone.now()
    cells = [
        DemandMonth(
            month=cell.month,
            category_id=cell.category_id,
            region_id=cell.region_id,
            sent=cell.sent,
            accepted=cell.accepted,
            capacity=cell.capacity,
            kept_at=kept_at,
            in_progress=cell.month == this_month,
        )
        for cell in _counted_history(add_months(this_month, -months), this_month, None, None)
    ]
    with transaction.atomic():
        # One keep at a time (the monitoring run's and a demo load's may meet): the second
        # waits, then replaces the first's cells, and neither meets the other's rows.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", DEMAND_KEEP_LOCK)
        DemandMonth.objects.all().delete()
        DemandMonth.objects.bulk_create(cells)
    return len(cells)


# In place of counting capacity, when it was kept: no rows, filled in from what was kept.
_NO_CAPACITY = (
    "SELECT NULL::date AS month, NULL::bigint AS category_id, NULL::bigint AS region_id, "
    "NULL::numeric AS capacity WHERE false"
)


def _counted_history(
    first: date,
    last: date,
    region_ids,
    category_ids,
    *,
    capacity: dict[tuple[int, int], float] | None = None,
) -> list[DemandCell]:
    """The months from `first` to `last`, counted from the referrals in one query; with
    `capacity` (by category and region, for a single month), their referrals only."""
    if capacity is not None and first != last:
        raise ValueError("Kept capacity is for one month")
    start, end = month_bounds(first)[0], month_bounds(last)[1]
    # A region's demand is its PDUs' referrals: counted from those alone (the PDU and date
    # indexes hold all it needs), never the whole country's then filtered.
    pdu_ids = (
        None
        if region_ids is None
        else list(Pdu.objects.filter(region__in=region_ids).values_list("pk", flat=True))
    )
    sent, sent_params = _named(
        referral_demand_by_month(start=start, end=end, counted="sent", tzinfo=LONDON, pdus=pdu_ids),
        "sent",
    )
    accepted, accepted_params = _named(
        referral_demand_by_month(
            start=start, end=end, counted="accepted", tzinfo=LONDON, pdus=pdu_ids
        ),
        "accepted",
    )
    params = {
        **sent_params,
        **accepted_params,
        "first": first,
        "last": last,
        "zone": str(LONDON),
        "closed": str(Service.Status.CLOSED),
        "funding": tuple(str(status) for status in FUNDING_STATUSES),
        "any_region": region_ids is None,
        "pdus": pdu_ids or [],
        "regions": region_ids or [],
        "any_category": category_ids is None,
        "categories": category_ids or [],
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _history_sql().format(
                sent=sent,
                accepted=accepted,
                capacity=_NO_CAPACITY if capacity is not None else "SELECT * FROM counted_capacity",
            ),
            params,
        )
        rows = cursor.fetchall()
    return [
        DemandCell(
            month=month,
            category_id=category_id,
            category_name=category_name,
            region_id=region_id,
            region_name=region_name,
            sent=sent,
            accepted=accepted,
            capacity=(
                round(float(counted), 1)
                if capacity is None
                else capacity.get((category_id, region_id), 0.0)
            ),
        )
        for month, category_id, category_name, region_id, region_name, sent, accepted, counted in rows
    ]


# Each service's months --------------------------------------------------------------------

UNDER, WITHIN, OVER_CAPACITY, TOO_EARLY, NO_CAPACITY, NOT_OPEN = (
    "under",
    "within",
    "over",
    "too_early",
    "no_capacity",
    "not_open",
)
BAND_LABELS = {
    UNDER: "Under",
    WITHIN: "Within",
    OVER_CAPACITY: "Over",
    TOO_EARLY: "Too early to say",
    NO_CAPACITY: "No capacity",
    NOT_OPEN: "Not open",
}
# The heat colour each band shares with the category table.
BAND_HEAT = {UNDER: "low", WITHIN: "ok", OVER_CAPACITY: "over"}


def capacity_band(percent: float | None) -> str:
    """Under CAPACITY_UNDER_USED_PERCENT is under; CAPACITY_AMBER_PERCENT or more is over;
    between is within. No percentage (no capacity) is "no_capacity"."""
    if percent is None:
        return NO_CAPACITY
    if percent >= settings.CAPACITY_AMBER_PERCENT:
        return OVER_CAPACITY
    if percent < settings.CAPACITY_UNDER_USED_PERCENT:
        return UNDER
    return WITHIN


@dataclass(frozen=True)
class ServiceMonth:
    """One service's month in the demand view's history. This month is judged on its
    forecast, and is "too early to say" until CAPACITY_FORECAST_AFTER_FRACTION has passed."""

    month: date
    sent: int
    capacity: int | None  # None before the service was listed
    band: str
    percent: float | None

    @property
    def label(self) -> str:
        return BAND_LABELS[self.band]

    @property
    def heat(self) -> str:
        return BAND_HEAT.get(self.band, "none")


_SERVICE_HISTORY_SQL = """
WITH months AS (
    SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month
),
contracted AS (
    SELECT m.month, line.service_id, sum(line.contracted_monthly_referrals) AS referrals
    FROM months m
    JOIN {agreement} a
      ON a.status IN %(funding)s
     AND a.starts_on < (m.month + interval '1 month')::date
     AND a.ends_on >= m.month
    JOIN {agreement_service} line ON line.agreement_id = a.id
    WHERE line.service_id = ANY(%(ids)s)
    GROUP BY m.month, line.service_id
),
sent AS (
    SELECT d.month::date AS month, d.service_id, sum(d.referrals)::bigint AS referrals
    FROM ({{sent}}) d
    WHERE d.service_id = ANY(%(ids)s)
    GROUP BY 1, 2
)
SELECT s.id, m.month, coalesce(sent.referrals, 0),
       CASE WHEN s.created_at < ((m.month + interval '1 month')::timestamp AT TIME ZONE %(zone)s)
            THEN coalesce(c.referrals, s.monthly_capacity) END
FROM {service} s
CROSS JOIN months m
LEFT JOIN contracted c ON c.month = m.month AND c.service_id = s.id
LEFT JOIN sent ON sent.month = m.month AND sent.service_id = s.id
WHERE s.id = ANY(%(ids)s)
ORDER BY s.id, m.month
"""


@functools.cache
def _service_history_sql() -> str:
    return _SERVICE_HISTORY_SQL.format(
        service=Service._meta.db_table,
        agreement=Agreement._meta.db_table,
        agreement_service=AgreementService._meta.db_table,
    )


def service_history(
    services: QuerySet[Service] | Iterable[Service | int],
    months: int = 13,
    *,
    now: datetime | None = None,
) -> dict[int, list[ServiceMonth]]:
    """Whether each service was under, within or over capacity in each of the last `months`
    months (this month and the ones before), by service id, in one query whatever the number
    of services or referrals. Capacity in a month is what agreements funding it contracted,
    else the service's declared capacity."""
    ids = _id_list(services)
    if not ids:
        return {}
    last = month_start(timezone.localtime(now, LONDON).date() if now else None)
    first = add_months(last, -(months - 1))
    start, end = month_bounds(first)[0], month_bounds(last)[1]
    sent, sent_params = _named(
        referral_demand_by_month(start=start, end=end, counted="sent", tzinfo=LONDON), "sent"
    )
    params = {
        **sent_params,
        "first": first,
        "last": last,
        "ids": ids,
        "zone": str(LONDON),
        "funding": tuple(str(status) for status in FUNDING_STATUSES),
    }
    with connection.cursor() as cursor:
        cursor.execute(_service_history_sql().format(sent=sent), params)
        rows = cursor.fetchall()
    elapsed = month_elapsed(last, now=now)
    early = elapsed < settings.CAPACITY_FORECAST_AFTER_FRACTION or elapsed <= 0
    history: dict[int, list[ServiceMonth]] = {}
    for service_id, month, sent_count, capacity in rows:
        if capacity is None:
            band, percent = NOT_OPEN, None
        elif month == last:
            percent = _percent(None if early else sent_count / elapsed, capacity)
            if early:
                band = TOO_EARLY
            elif not capacity:
                band = OVER_CAPACITY if sent_count else NO_CAPACITY
            else:
                band = capacity_band(percent)
        else:
            percent = _percent(sent_count, capacity)
            band = OVER_CAPACITY if not capacity and sent_count else capacity_band(percent)
        history.setdefault(service_id, []).append(
            ServiceMonth(
                month=month, sent=sent_count, capacity=capacity, band=band, percent=percent
            )
        )
    return history
