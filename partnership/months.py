"""Calendar months in Europe/London: the periods capacity is measured in, and the month
arithmetic of agreements and milestones. The one place that adds months to a date."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

LONDON = ZoneInfo("Europe/London")


def month_start(period: date | datetime | str | None = None) -> date:
    """The first day of a month given as a date, an aware datetime, "YYYY-MM" or
    "YYYY-MM-DD"; None means this month in Europe/London."""
    if period is None:
        return timezone.localdate(timezone=LONDON).replace(day=1)
    if isinstance(period, datetime):
        return timezone.localtime(period, LONDON).date().replace(day=1)
    if isinstance(period, str):
        try:
            year, month = (int(part) for part in period.strip().split("-")[:2])
            return date(year, month, 1)
        except ValueError as exc:
            raise ValueError(f"A period is a month written YYYY-MM, not {period!r}") from exc
    return period.replace(day=1)


def next_month(first: date) -> date:
    """The first day of the month after `first`'s."""
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day when it is
    shorter: 31 January and one month is 28 or 29 February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def month_bounds(period: date | datetime | str | None = None) -> tuple[datetime, datetime]:
    """The month as aware instants [start, end) in Europe/London, so that a referral sent
    at 00:30 BST on the 1st belongs to that month and not the one before."""
    first = month_start(period)
    return (
        datetime.combine(first, datetime.min.time(), LONDON),
        datetime.combine(next_month(first), datetime.min.time(), LONDON),
    )


def month_elapsed(period: date | str | None = None, *, now: datetime | None = None) -> float:
    """How much of the month has passed at `now` (default: the current time): 0 before it
    starts, 1 once it has ended. Measured in real elapsed time, so clock changes count."""
    start, end = month_bounds(period)
    now = now or timezone.now()
    if now <= start:
        return 0.0
    if now >= end:
        return 1.0
    return (now - start) / (end - start)


def period_code(period: date | str | None = None) -> str:
    """A month as the API writes it: YYYY-MM."""
    return f"{month_start(period):%Y-%m}"
