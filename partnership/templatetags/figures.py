"""Numbers as the pages write them: thousands separators (12,500) and money in whole
pounds (£420,000)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from partnership.lists import badge_count, shown_count

register = template.Library()
register.filter("list_count", shown_count)
register.filter("badge_count", badge_count)


def _number(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def money(value, missing: str = "Not given") -> str:
    """Whole pounds with thousands separators: 420000 → £420,000; pence are shown only
    when there are some (1234.5 → £1,234.50); nothing given → `missing`."""
    number = _number(value)
    if number is None:
        return missing
    sign = "−" if number < 0 else ""
    number = abs(number)
    if number == number.to_integral_value():
        return f"{sign}£{int(number):,}"
    return f"{sign}£{number:,.2f}"


@register.filter
def number(value) -> str:
    """A count or figure with thousands separators: 13220 → 13,220, 1322.4 → 1,322.4; text
    passes through as it is."""
    figure = _number(value)
    if figure is None:
        return "" if value is None else str(value)
    if figure == figure.to_integral_value():
        return f"{int(figure):,}"
    return f"{float(figure):,}"
