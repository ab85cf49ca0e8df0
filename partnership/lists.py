"""Long lists counted to a limit: a busy PDU's referrals or a region's alerts are counted to
one more than `COUNT_LIMIT` at most, so a count reads at most that many index entries at any
scale; a count past the limit is shown as "more than" it, and the pages go as far as it."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

COUNT_LIMIT = 1000


def capped_count(queryset: QuerySet) -> int:
    """How many rows `queryset` has, counted to `COUNT_LIMIT + 1` at most."""
    return queryset.order_by().values("pk")[: COUNT_LIMIT + 1].count()


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
