"""Month arithmetic, in one place (partnership/months.py)."""

from datetime import date

from partnership.months import add_months, next_month


def test_add_months_keeps_the_day_or_takes_the_shorter_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert add_months(date(2026, 3, 1), -3) == date(2025, 12, 1)


def test_next_month_crosses_the_year():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
