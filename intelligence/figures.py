"""The partnership's figures: unmet need beside demand and capacity, equality of access and
outcome by group, the quality of referrals as providers rate them, and the results of gap
and partnership surveys.

Pure reads, each given the scope it may count (regions, a PDU) by a selector that has
already asked who is looking (`intelligence.selectors`), so the pages, the API and a later
partnership report all show the same numbers. Group figures leave here only suppressed
(`intelligence.suppression`): rates and ratios are built from published counts alone.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from capacity.utilisation import utilisation_history
from intelligence import suppression, surveys
from intelligence.models import (
    CHARACTERISTICS,
    PREFER_NOT,
    EqualityMonitoring,
    QualityRating,
    ServiceConfidence,
    Survey,
    SurveyResponse,
    UnmetNeed,
)
from partnership.models import Pdu, Region, ServiceCategory
from partnership.months import LONDON, add_months, month_bounds, month_start
from referrals.models import OutcomeResult, Referral, Status

# Unmet need ----------------------------------------------------------------------------------


@dataclass
class UnmetNeedRow:
    """One category in the chosen regions: unmet need per month beside referrals sent and
    capacity, the reasons given, and the PDUs it was recorded in."""

    category: ServiceCategory
    months: list[dict]
    total: int
    reasons: list[tuple[str, int]]
    pdus: list[tuple[str, int]]
    sent: int
    capacity_this_month: float
    # What a page adds: the last months it shows, and where a lot can be started from it.
    recent: list[dict] = field(default_factory=list)
    lot_starts: list[dict] = field(default_factory=list)


def unmet_need_months(*, until: date | None = None, months: int = 13) -> list[date]:
    """The first days of the `months` months up to and including `until`'s (London)."""
    last = month_start(until)
    return [add_months(last, -offset) for offset in range(months - 1, -1, -1)]


def unmet_need_by_category(
    *, needs: QuerySet[UnmetNeed], regions: QuerySet[Region], months: list[date]
) -> list[UnmetNeedRow]:
    """Unmet need by category and month in the regions, each category beside the referrals
    sent to its services and their capacity over the same months (the demand view's
    figures), for categories with unmet need or demand. `needs` is already scoped."""
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    in_window = needs.filter(
        pdu__region__in=regions, recorded_at__gte=start, recorded_at__lt=end
    ).select_related(None)
    counts = (
        in_window.annotate(month=TruncMonth("recorded_at", tzinfo=LONDON))
        .values("category_id", "month", "reason", "pdu__name")
        .annotate(n=Count("id"))
    )
    by_month: dict[int, Counter] = defaultdict(Counter)
    reasons: dict[int, Counter] = defaultdict(Counter)
    pdus: dict[int, Counter] = defaultdict(Counter)
    for row in counts:
        month = month_start(row["month"].astimezone(LONDON).date())
        by_month[row["category_id"]][month] += row["n"]
        reasons[row["category_id"]][row["reason"]] += row["n"]
        pdus[row["category_id"]][row["pdu__name"]] += row["n"]
    demand: dict[int, dict[date, list]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    for cell in utilisation_history(len(months), until=months[-1], regions=regions):
        demand[cell.category_id][cell.month][0] += cell.sent
        demand[cell.category_id][cell.month][1] += cell.capacity
    labels = dict(UnmetNeed.Reason.choices)
    rows = []
    for category in ServiceCategory.objects.order_by("name"):
        need = by_month.get(category.pk, Counter())
        sent = sum(demand[category.pk][month][0] for month in months)
        if not need and not sent:
            continue
        rows.append(
            UnmetNeedRow(
                category=category,
                months=[
                    {
                        "month": month,
                        "unmet": need[month],
                        "sent": demand[category.pk][month][0],
                        "capacity": round(demand[category.pk][month][1], 1),
                    }
                    for month in months
                ],
                total=sum(need.values()),
                reasons=[(labels[key], n) for key, n in reasons[category.pk].most_common()],
                pdus=pdus[category.pk].most_common(),
                sent=sent,
                capacity_this_month=round(demand[category.pk][months[-1]][1], 1),
            )
        )
    rows.sort(key=lambda row: (-row.total, row.category.name))
    return rows


# Equality monitoring ---------------------------------------------------------------------

# How far a sent referral went, in columns that add up to every referral sent: so a group's
# row adds up to its referrals and each column to the whole, and the table is one that
# `suppression` can protect.
STAGES = [
    ("not_decided", "Not decided or withdrawn before a decision"),
    ("declined", "Declined"),
    ("accepted", "Accepted, not completed"),
    ("completed", "Completed, no outcome achieved"),
    ("achieved", "Completed, an outcome achieved"),
]
STAGE_KEYS = [key for key, _ in STAGES]

# Each rate as the stages it counts over the stages it is out of.
RATES = {
    "acceptance": (
        ("accepted", "completed", "achieved"),
        ("declined", "accepted", "completed", "achieved"),
    ),
    "completion": (("completed", "achieved"), ("accepted", "completed", "achieved")),
    "outcome": (("achieved",), ("completed", "achieved")),
}
RATE_LABELS = {
    "acceptance": "Acceptance rate",
    "completion": "Completion rate",
    "outcome": "Outcome rate",
}
NOT_RECORDED = ("", "Not recorded")


def characteristic_groups(characteristic: str) -> list[tuple[str, str]]:
    """The groups a characteristic is counted in: its answers, "prefer not to say" and "not
    recorded" last."""
    choices = EqualityMonitoring._meta.get_field(characteristic).choices
    answers = [(value, label) for value, label in choices if value != PREFER_NOT[0]]
    return [*answers, PREFER_NOT, NOT_RECORDED]


def characteristic_label(characteristic: str) -> str:
    return str(EqualityMonitoring._meta.get_field(characteristic).verbose_name).capitalize()


@dataclass
class GroupFigures:
    """One group's row as it may be published: counts (None when withheld), its referrals'
    share of the whole, and each rate with its ratio to the whole's."""

    key: str
    label: str
    counts: list[int | None]
    referrals: int | None
    share: float | None
    rates: dict[str, float | None] = field(default_factory=dict)
    ratios: dict[str, float | None] = field(default_factory=dict)

    @property
    def rate_rows(self) -> list[tuple[str, float | None, float | None]]:
        """Each rate with its ratio to the whole's, in the order of `RATES`."""
        return [(key, self.rates.get(key), self.ratios.get(key)) for key in RATES]


@dataclass
class EqualityTable:
    """A characteristic's figures in one scope, ready to publish."""

    characteristic: str
    label: str
    groups: list[GroupFigures]
    whole: GroupFigures
    published: suppression.PublishedTable


def _stage_case() -> dict:
    """The filters that put each sent referral in exactly one stage."""
    achieved = OutcomeResult.objects.filter(
        report__referral=OuterRef("pk"), result=OutcomeResult.Result.ACHIEVED
    )
    completed = Q(status=Status.COMPLETED)
    return {
        "achieved": completed & Q(has_achieved=True),
        "completed": completed & Q(has_achieved=False),
        "accepted": Q(status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
        | Q(status=Status.WITHDRAWN, decided_at__isnull=False),
        "declined": Q(status=Status.DECLINED),
        "not_decided": Q(status__in=[Status.SENT, Status.RETURNED])
        | Q(status=Status.WITHDRAWN, decided_at__isnull=True),
        "_achieved": Exists(achieved),
    }


def equality_counts_by_service(
    *, referrals: QuerySet[Referral], characteristic: str
) -> dict[int, dict[str, list[int]]]:
    """Sent referrals counted by service, by the characteristic's group and by stage, in one
    query: {service pk: {group: [count per stage]}}, for each service with a sent referral.
    Groups with none are there, zeros throughout."""
    if characteristic not in CHARACTERISTICS:
        raise ValueError(f"Not a monitored characteristic: {characteristic}")
    return equality_counts_by_service_all(referrals=referrals, characteristics=[characteristic])[
        characteristic
    ]


def equality_counts_by_service_all(
    *, referrals: QuerySet[Referral], characteristics: Iterable[str] = CHARACTERISTICS
) -> dict[str, dict[int, dict[str, list[int]]]]:
    """`equality_counts_by_service` for several characteristics from one pass over the
    referrals (one query, grouped by service and every characteristic's answer):
    {characteristic: {service pk: {group: [count per stage]}}}."""
    characteristics = list(characteristics)
    case = _stage_case()
    lookups = {name: f"equality_monitoring__{name}" for name in characteristics}
    rows = (
        referrals.exclude(status=Status.DRAFT)
        .exclude(sent_at__isnull=True)
        .annotate(has_achieved=case.pop("_achieved"))
        .values("service_id", *lookups.values())
        .annotate(**{key: Count("id", filter=condition) for key, condition in case.items()})
        .order_by()
    )
    groups = {name: [value for value, _ in characteristic_groups(name)] for name in characteristics}
    counts: dict[str, dict[int, dict[str, list[int]]]] = {name: {} for name in characteristics}
    for row in rows:
        stages = [row[key] for key in STAGE_KEYS]
        for name, lookup in lookups.items():
            service = counts[name].setdefault(
                row["service_id"], {group: [0] * len(STAGES) for group in groups[name]}
            )
            group = row[lookup] or ""  # no monitoring at all, or the question left unanswered
            service[group] = [a + b for a, b in zip(service[group], stages, strict=True)]
    return counts


def equality_counts(*, referrals: QuerySet[Referral], characteristic: str) -> dict[str, list[int]]:
    """Sent referrals counted by the characteristic's group and by stage, in one query:
    {group: [count per stage]}, the sums of `equality_counts_by_service`."""
    by_service = equality_counts_by_service(referrals=referrals, characteristic=characteristic)
    return _summed(characteristic, by_service.values())


def _summed(characteristic: str, tables: Iterable[dict[str, list[int]]]) -> dict[str, list[int]]:
    counts = {value: [0] * len(STAGES) for value, _ in characteristic_groups(characteristic)}
    for table in tables:
        for group, row in table.items():
            counts[group] = [a + b for a, b in zip(counts[group], row, strict=True)]
    return counts


def _rate(counts: list[int | None], rate: str) -> float | None:
    """A rate from published counts only: None if any it needs is withheld or it is out of
    nothing."""
    top, bottom = RATES[rate]
    values = dict(zip(STAGE_KEYS, counts, strict=True))
    if any(values[key] is None for key in {*top, *bottom}):
        return None
    denominator = sum(values[key] for key in bottom)
    if not denominator:
        return None
    return round(sum(values[key] for key in top) * 100 / denominator, 1)


# The scope of a region's own tables, beside each service's (by its pk).
REGION = "region"
# How long a region's suppressed tables are kept: the counts are read afresh on every page
# and key the entry, so new figures are never served old suppression.
EQUALITY_CACHE_SECONDS = 300


def equality_suppressed(
    counts: dict[str, dict[int, dict[str, list[int]]]],
    *,
    with_services: bool,
    threshold: int = suppression.THRESHOLD,
) -> dict[tuple[str, object], suppression.PublishedTable]:
    """Every characteristic's table of a region, and with `with_services` each service's,
    suppressed together (`suppression.suppress_linked`), keyed (characteristic, scope):
    `REGION` or a service's pk. `counts` is {characteristic: {service pk: {group: [count
    per stage]}}}; the region's are their sums.

    The tables are linked, and the sums say so: each table's rows and columns; each region
    cell the sum of the services' cells in the same place; and one whole row (referrals by
    stage, and in all) per scope, shared by every characteristic's table of it, so a
    figure of it withheld in one is withheld in all."""
    services = sorted({service for by_service in counts.values() for service in by_service})
    scopes = [REGION, *services] if with_services else [REGION]
    width = len(STAGES) + 1
    values: dict[tuple, int] = {}
    equations: list[suppression.Equation] = []
    layouts: dict[tuple[str, object], list[list[tuple]]] = {}

    first = next(iter(counts), None)

    def whole(scope) -> list[tuple]:
        return [("whole", scope, stage) for stage in range(width)]

    for characteristic, by_service in counts.items():
        groups = [key for key, _ in characteristic_groups(characteristic)]
        region = _summed(characteristic, by_service.values())
        for scope in scopes:
            table = region if scope == REGION else by_service.get(scope, {})
            grid = suppression.with_totals(
                [table.get(group, [0] * len(STAGES)) for group in groups]
            )
            keys = [
                [("group", characteristic, scope, row, stage) for stage in range(width)]
                for row in range(len(groups))
            ] + [whole(scope)]
            for key_row, value_row in zip(keys, grid, strict=True):
                values.update(zip(key_row, value_row, strict=True))
            own = suppression.table_equations(keys)
            if characteristic != first:
                del own[len(keys) - 1]  # the whole row's own sum: shared, added once
            equations += own
            layouts[characteristic, scope] = keys
        if len(scopes) > 1:
            for row in range(len(groups)):
                for stage in range(width):
                    equations.append(
                        (
                            ("group", characteristic, REGION, row, stage),
                            tuple(
                                ("group", characteristic, scope, row, stage) for scope in services
                            ),
                        )
                    )
    if len(scopes) > 1:
        for stage in range(width):
            equations.append(
                (("whole", REGION, stage), tuple(("whole", scope, stage) for scope in services))
            )
    result = suppression.suppress_linked(values, equations, threshold=threshold)
    return {
        place: suppression.PublishedTable(
            grid=tuple(tuple(result.published(key) for key in row) for row in keys),
            primary=frozenset(
                (i, j)
                for i, row in enumerate(keys)
                for j, key in enumerate(row)
                if key in result.primary
            ),
            secondary=frozenset(
                (i, j)
                for i, row in enumerate(keys)
                for j, key in enumerate(row)
                if key in result.secondary
            ),
        )
        for place, keys in layouts.items()
    }


@dataclass
class EqualityFigures:
    """A region's equality tables, every characteristic's and (if asked) each service's,
    suppressed together: nothing withheld in one can be worked out from the others."""

    published: dict[tuple[str, object], suppression.PublishedTable]

    def table(self, characteristic: str, service_id: int | None = None) -> EqualityTable:
        """The characteristic's table for the region, or for one of its services (a
        service with no referral sent has a table of zeros)."""
        if characteristic not in CHARACTERISTICS:
            raise ValueError(f"Not a monitored characteristic: {characteristic}")
        scope = REGION if service_id is None else service_id
        published = self.published.get((characteristic, scope))
        if published is None:
            if scope != REGION and (characteristic, REGION) not in self.published:
                raise ValueError("This region's services were not counted")
            zeros = [[0] * len(STAGES) for _ in characteristic_groups(characteristic)]
            published = suppression.suppress(zeros)
        return _equality_table(characteristic, published)


def equality_figures(
    *,
    referrals: QuerySet[Referral],
    with_services: bool,
    threshold: int = suppression.THRESHOLD,
) -> EqualityFigures:
    """Every characteristic's table for the referrals (already scoped to a region and a
    period), with each service's if asked, suppressed together: one query for them all.
    The suppression is kept in the cache for a few minutes, keyed by the counts themselves,
    so different data or periods never share an entry."""
    counts = equality_counts_by_service_all(referrals=referrals)
    fingerprint = repr(
        (
            threshold,
            with_services,
            [
                (characteristic, sorted((pk, sorted(groups.items())) for pk, groups in by.items()))
                for characteristic, by in counts.items()
            ],
        )
    )
    key = "equality-suppressed:" + hashlib.sha256(fingerprint.encode()).hexdigest()
    published = cache.get(key)
    if published is None:
        published = equality_suppressed(counts, with_services=with_services, threshold=threshold)
        cache.set(key, published, EQUALITY_CACHE_SECONDS)
    return EqualityFigures(published=published)


def equality_table(
    *, referrals: QuerySet[Referral], characteristic: str, threshold: int = suppression.THRESHOLD
) -> EqualityTable:
    """A characteristic's table for the referrals (already scoped), suppressed together
    with every other characteristic's of the same referrals (`equality_figures`)."""
    if characteristic not in CHARACTERISTICS:
        raise ValueError(f"Not a monitored characteristic: {characteristic}")
    figures = equality_figures(referrals=referrals, with_services=False, threshold=threshold)
    return figures.table(characteristic)


def _equality_table(characteristic: str, published: suppression.PublishedTable) -> EqualityTable:
    """A characteristic's table from its published counts: each group's counts by stage;
    its share of referrals; its acceptance, completion and outcome rates and their ratio to
    the whole's (1.0 is parity; below it, the group fares worse)."""
    groups = characteristic_groups(characteristic)
    whole_counts = published.column_totals
    grand = published.grand_total
    whole = GroupFigures(
        key="whole",
        label="All referrals",
        counts=whole_counts,
        referrals=grand,
        share=100.0 if grand else None,
        rates={rate: _rate(whole_counts, rate) for rate in RATES},
    )
    whole.ratios = {rate: 1.0 if whole.rates[rate] is not None else None for rate in RATES}
    rows = []
    for (key, label), row_counts, total in zip(
        groups, published.cells, published.row_totals, strict=True
    ):
        rates = {rate: _rate(row_counts, rate) for rate in RATES}
        rows.append(
            GroupFigures(
                key=key,
                label=label,
                counts=row_counts,
                referrals=total,
                share=round(total * 100 / grand, 1) if total is not None and grand else None,
                rates=rates,
                ratios={
                    rate: (
                        round(rates[rate] / whole.rates[rate], 2)
                        if rates[rate] is not None and whole.rates[rate]
                        else None
                    )
                    for rate in RATES
                },
            )
        )
    return EqualityTable(
        characteristic=characteristic,
        label=characteristic_label(characteristic),
        groups=rows,
        whole=whole,
        published=published,
    )


# Referral quality ------------------------------------------------------------------------


@dataclass
class QualityFigures:
    """How providers rated a PDU's referrals: counts and shares by rating, what was missing
    most often, and the share rated complete month by month."""

    rated: int
    by_rating: list[tuple[str, str, int, float]]
    missing: list[tuple[str, int]]
    complete_by_month: list[tuple[date, int, float | None]]


def referral_quality(*, pdus: Iterable[Pdu] | QuerySet[Pdu], months: list[date]) -> QualityFigures:
    """Providers' ratings of the information in referrals from the PDUs, rated in the months
    (the first days of months, oldest first)."""
    start, end = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    ratings = QualityRating.objects.filter(
        referral__pdu__in=pdus, rated_at__gte=start, rated_at__lt=end
    )
    rows = list(
        ratings.annotate(month=TruncMonth("rated_at", tzinfo=LONDON))
        .values("month", "rating")
        .annotate(n=Count("id"))
    )
    rated = sum(row["n"] for row in rows)
    per_rating = Counter()
    per_month: dict[date, Counter] = defaultdict(Counter)
    for row in rows:
        per_rating[row["rating"]] += row["n"]
        per_month[month_start(row["month"].astimezone(LONDON).date())][row["rating"]] += row["n"]
    missing = Counter()
    for items in ratings.exclude(missing=[]).values_list("missing", flat=True):
        missing.update(items)
    missing_labels = dict(QualityRating.Missing.choices)
    return QualityFigures(
        rated=rated,
        by_rating=[
            (
                value,
                label,
                per_rating[value],
                round(per_rating[value] * 100 / rated, 1) if rated else 0.0,
            )
            for value, label in QualityRating.Rating.choices
        ],
        missing=[(missing_labels[key], n) for key, n in missing.most_common()],
        complete_by_month=[
            (
                month,
                sum(per_month[month].values()),
                round(
                    per_month[month][QualityRating.Rating.COMPLETE]
                    * 100
                    / sum(per_month[month].values()),
                    1,
                )
                if per_month[month]
                else None,
            )
            for month in months
        ],
    )


# Gap and partnership surveys -------------------------------------------------------------------

NOT_ABOUT_ONE_KIND = ("", "Not about one kind of service")


def published_count(count: int, threshold: int = suppression.THRESHOLD) -> int | None:
    """One count as it may be shown: the suppression rule applied to a table of one."""
    return suppression.suppress([[count]], threshold=threshold).grand_total


def _average(counts: list[int | None], values: list[int]) -> float | None:
    """The mean rating from published counts only: None if any is withheld or there are
    none."""
    if any(count is None for count in counts) or not sum(counts):
        return None
    return round(sum(c * v for c, v in zip(counts, values, strict=True)) / sum(counts), 1)


def _rating_table(question, responses, regions, threshold) -> dict:
    values = surveys.RATING_VALUES
    counts = [[0] * len(values) for _ in regions]
    index = {region.pk: i for i, region in enumerate(regions)}
    for response in responses:
        value = response.answers.get(question.key)
        if value in values and response.region_id in index:
            counts[index[response.region_id]][values.index(value)] += 1
    published = suppression.suppress(counts, threshold=threshold)
    return {
        "key": question.key,
        "question": question.text,
        "scale": [
            {"value": value, "label": label}
            for value, label in zip(values, question.scale, strict=True)
        ],
        "rows": [
            {
                "region": region.code,
                "region_name": region.name,
                "counts": cells,
                "total": total,
                "average": _average(cells, values),
            }
            for region, cells, total in zip(
                regions, published.cells, published.row_totals, strict=True
            )
        ],
        "all": {
            "counts": published.column_totals,
            "total": published.grand_total,
            "average": _average(published.column_totals, values),
        },
    }


def _gaps_table(question, responses, regions, categories, threshold) -> dict:
    index = {region.pk: i for i, region in enumerate(regions)}
    counts = {category.slug: [0] * len(regions) for category in categories}
    for response in responses:
        for slug in response.answers.get(question.key, []):
            if slug in counts and response.region_id in index:
                counts[slug][index[response.region_id]] += 1
    published = suppression.suppress(list(counts.values()), threshold=threshold)
    rows = [
        {"category": category.slug, "category_name": category.name, "counts": cells, "total": total}
        for category, cells, total in zip(
            categories, published.cells, published.row_totals, strict=True
        )
    ]
    # Most named first; withheld figures after the shown ones.
    rows.sort(key=lambda row: (row["total"] is None, -(row["total"] or 0), row["category_name"]))
    return {
        "key": question.key,
        "question": question.text,
        "note": "Each person could name more than one: the totals count mentions.",
        "rows": rows,
        "column_totals": published.column_totals,
        "grand_total": published.grand_total,
    }


def _free_text(question, responses, regions, categories, threshold) -> dict:
    """Free-text answers grouped by the category they are about and by region; a group
    with fewer answers than the threshold is withheld, its answers with it."""
    groups = [NOT_ABOUT_ONE_KIND, *[(c.slug, c.name) for c in categories]]
    row_of = {slug: i for i, (slug, _) in enumerate(groups)}
    column_of = {region.pk: j for j, region in enumerate(regions)}
    counts = [[0] * len(regions) for _ in groups]
    texts: dict[tuple[int, int], list[str]] = defaultdict(list)
    for response in sorted(responses, key=lambda r: r.submitted_at):
        text = response.answers.get(question.key, "")
        category = response.answers.get(question.grouped_by, "")
        if not text or response.region_id not in column_of:
            continue
        cell = (row_of.get(category, 0), column_of[response.region_id])
        counts[cell[0]][cell[1]] += 1
        texts[cell].append(text)
    published = suppression.suppress(counts, threshold=threshold)
    shown = []
    for i, (slug, name) in enumerate(groups):
        for j, region in enumerate(regions):
            if counts[i][j] == 0:
                continue
            count = published.cells[i][j]
            shown.append(
                {
                    "category": slug,
                    "category_name": name,
                    "region": region.code,
                    "region_name": region.name,
                    "count": count,
                    "answers": texts[(i, j)] if count is not None else None,
                }
            )
    return {
        "key": question.key,
        "question": question.text,
        "groups": shown,
        "total": published.grand_total,
    }


def _confidence(responses, threshold) -> list[dict]:
    """Confidence in each named service over the responses: the number of ratings and their
    mean, both withheld below the threshold."""
    rows = (
        ServiceConfidence.objects.filter(response__in=[r.pk for r in responses])
        .values("service_id", "service__name", "service__organisation__name")
        .annotate(n=Count("id"), total=Sum("rating"))
        .order_by("service__name")
    )
    result = []
    for row in rows:
        ratings = published_count(row["n"], threshold)
        result.append(
            {
                "service_id": row["service_id"],
                "service": row["service__name"],
                "organisation": row["service__organisation__name"],
                "ratings": ratings,
                "average": round(row["total"] / row["n"], 1) if ratings else None,
            }
        )
    return result


def survey_results(
    *,
    survey: Survey,
    regions: Iterable[Region] | None = None,
    threshold: int = suppression.THRESHOLD,
) -> dict:
    """A survey's results in its regions (or those of them asked for), as plain data ready
    to publish: responses by region, each rating question by region, gaps by category and
    region, free text grouped by category and region, and confidence in named services;
    every figure below the threshold withheld (`intelligence.suppression`)."""
    survey_regions = list(survey.regions.order_by("name"))
    if regions is not None:
        wanted = {region.pk for region in regions}
        survey_regions = [region for region in survey_regions if region.pk in wanted]
    responses = list(
        SurveyResponse.objects.filter(survey=survey, region__in=survey_regions).only(
            "id", "region_id", "answers", "submitted_at"
        )
    )
    categories = list(ServiceCategory.objects.order_by("name"))
    by_region = Counter(response.region_id for response in responses)
    published = suppression.suppress(
        [[by_region[region.pk]] for region in survey_regions] or [[0]], threshold=threshold
    )
    questions = surveys.questions_for(audience=survey.audience, version=survey.questions_version)
    return {
        "id": str(survey.public_id),
        "title": survey.title,
        "audience": survey.audience,
        "audience_name": survey.get_audience_display(),
        "status": survey.status,
        "opens_on": survey.opens_on.isoformat(),
        "closes_on": survey.closes_on.isoformat(),
        "threshold": threshold,
        "responses": {
            "by_region": [
                {"region": region.code, "region_name": region.name, "count": count}
                for region, count in zip(survey_regions, published.row_totals, strict=False)
            ],
            "total": published.grand_total,
        },
        "ratings": [
            _rating_table(question, responses, survey_regions, threshold)
            for question in questions
            if question.kind == "rating"
        ],
        "gaps": [
            _gaps_table(question, responses, survey_regions, categories, threshold)
            for question in questions
            if question.kind == "categories"
        ],
        "free_text": [
            _free_text(question, responses, survey_regions, categories, threshold)
            for question in questions
            if question.kind == "text"
        ],
        "confidence": (
            _confidence(responses, threshold)
            if any(question.kind == "services" for question in questions)
            else []
        ),
    }


def survey_results_for(
    regions: Iterable[Region], period_start: date, period_end: date
) -> list[dict]:
    """The results, in the regions given (already scoped to who is looking), of every survey
    open at some time between the two dates (both included), oldest first: plain dicts as
    `survey_results` gives them, suppressed."""
    regions = list(regions)
    found = (
        Survey.objects.filter(
            regions__in=regions, opens_on__lte=period_end, closes_on__gte=period_start
        )
        .distinct()
        .order_by("opens_on", "id")
    )
    return [survey_results(survey=survey, regions=regions) for survey in found]


def service_confidence(*, service, threshold: int = suppression.THRESHOLD) -> dict:
    """Practitioners' confidence in a service over every survey that asked it: the number of
    ratings and their mean (1 to 5), the mean withheld, and the number too, below the
    threshold."""
    figures = ServiceConfidence.objects.filter(service=service).aggregate(
        n=Count("id"), total=Sum("rating")
    )
    count = figures["n"]
    ratings = published_count(count, threshold)
    return {
        "ratings": ratings,
        "any": count > 0,
        "average": round(figures["total"] / count, 1) if ratings else None,
        "threshold": threshold,
    }
