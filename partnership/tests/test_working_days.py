from datetime import date

import pytest

from partnership.working_days import (
    add_working_days,
    bank_holidays,
    easter_sunday,
    working_days_between,
)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2025,
            {
                date(2025, 1, 1),
                date(2025, 4, 18),
                date(2025, 4, 21),
                date(2025, 5, 5),
                date(2025, 5, 26),
                date(2025, 8, 25),
                date(2025, 12, 25),
                date(2025, 12, 26),
            },
        ),
        (
            2026,
            {
                date(2026, 1, 1),
                date(2026, 4, 3),
                date(2026, 4, 6),
                date(2026, 5, 4),
                date(2026, 5, 25),
                date(2026, 8, 31),
                date(2026, 12, 25),
                date(2026, 12, 28),
            },
        ),
        (
            2027,
            {
                date(2027, 1, 1),
                date(2027, 3, 26),
                date(2027, 3, 29),
                date(2027, 5, 3),
                date(2027, 5, 31),
                date(2027, 8, 30),
                date(2027, 12, 27),
                date(2027, 12, 28),
            },
        ),
    ],
)
def test_england_and_wales_bank_holidays(year, expected):
    assert bank_holidays(year) == expected


def test_easter():
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2024) == date(2024, 3, 31)


def test_working_days_skip_the_easter_weekend():
    # Thursday 2 April 2026, then Good Friday, the weekend and Easter Monday.
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert add_working_days(date(2026, 4, 2), 2) == date(2026, 4, 8)
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 7)) == 1


def test_working_days_over_christmas_with_a_substitute_day():
    # Thursday 24 December 2026: Christmas Friday, weekend, Boxing Day substitute Monday 28th.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 29)
