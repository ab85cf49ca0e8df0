"""Long lists counted to a limit: a busy PDU's referrals or a region's alerts are counted to
one more than `COUNT_LIMIT` at most, so a count reads at most that many index entries at any
scale; a count past the limit is shown as "more than" it, and the pages go as far as it."""

from __future__ import annotations

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
