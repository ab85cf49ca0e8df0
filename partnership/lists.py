"""Long lists counted to a limit: a busy PDU's referrals or a region's alerts are counted to
one more than `COUNT_LIMIT` at most, so a count reads at most that many index entries at any
scale; a count past the limit is shown as "more than" it, and the pages go as far as it."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, QuerySet, Window

COUNT_LIMIT = 1000

# The largest OFFSET PostgreSQL takes (a bigint): no list is that long, and asking for a page
# past it must not reach the database.
MAX_OFFSET = 2**63 - 1


def capped_count(queryset: QuerySet) -> int:
    """How many rows `queryset` has, counted to `COUNT_LIMIT + 1` at most."""
    return queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()


def capped_counts(querysets: Mapping[str, QuerySet], *, capped: bool = True) -> dict[str, int]:
    """`capped_count` of each queryset (or, not `capped`, its whole count), all in one
    statement: a work list's tabs and a home page's queues are counted on every visit, and
    a statement for each was a round trip for each."""
    if not querysets:
        return {}
    parts, params = [], []
    for queryset in querysets.values():
        rows = queryset.order_by().values("pk")
        if capped:
            rows = rows[: COUNT_LIMIT + 1]
        try:
            sql, part_params = rows.query.get_compiler(using=rows.db).as_sql()
        except EmptyResultSet:  # `.none()`, or a filter nothing can match
            parts.append("0")
            continue
        # The ORM's own statement, its values passed apart as parameters.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")  # noqa: S608
        params.extend(part_params)
    using = next(iter(querysets.values())).db  # one database: the portal's
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        counts = cursor.fetchone()
    return dict(zip(querysets, counts, strict=True))


def shown_count(count: int) -> str:
    """A count as a list shows it, thousands separated: "more than 1,000" past the limit."""
    if count > COUNT_LIMIT:
        return f"more than {COUNT_LIMIT:,}"
    return f"{count:,}"


def badge_count(count: int) -> str:
    """A count in a navigation badge, short enough for a narrow screen: "1,000+" past it."""
    if count > COUNT_LIMIT:
        return f"{COUNT_LIMIT:,}+"
    return f"{count:,}"


def capped_page(queryset: QuerySet, *, count: int, per_page: int, number) -> Page:
    """The page `number` of `queryset`, whose rows were counted to the limit as `count`:
    counting them again would be the slowest statement a long list makes, and past the
    limit the pages go as far as the limit (a search or a filter narrows the rest)."""
    paginator = Paginator(queryset, per_page)
    paginator.count = min(count, COUNT_LIMIT)
    return paginator.get_page(number)


def page_of_ids(queryset: QuerySet, *, per_page: int, number) -> Page:
    """The page `number` of `queryset`'s ids, with `Paginator.get_page`'s rules (not a
    number is the first page, past either end the last), counted in the statement that reads
    the page (`COUNT(*) OVER ()`) rather than in one of its own.

    Only for a list the database reads in full to order it anyway (ordered by what no index
    gives, as services by their organisation's name): where an index gives the order, the
    count would make it read every row rather than a page of them."""
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1
    ids = queryset.values_list("pk", flat=True)
    offset = (wanted - 1) * per_page
    rows = []
    if 0 <= offset <= MAX_OFFSET:
        counted = queryset.annotate(in_all=Window(Count("*"))).values_list("pk", "in_all")
        rows = list(counted[offset : offset + per_page])
    if not rows and wanted != 1:
        # Past either end: the last page, as `get_page` gives, counted apart.
        return Paginator(ids, per_page).get_page(wanted)
    paginator = Paginator(ids, per_page)
    paginator.count = rows[0][1] if rows else 0
    return Page([pk for pk, _ in rows], wanted, paginator)
