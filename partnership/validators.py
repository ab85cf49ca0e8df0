"""Text a person typed: what characters a field may hold."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# C0 and C1 control characters and DEL; a box for several lines may hold line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

SINGLE_LINE_MESSAGE = "Enter text on one line, without line breaks or control characters"
MULTI_LINE_MESSAGE = "Remove the control characters from this text"


def refuse_control_characters(value: str, *, multiline: bool) -> None:
    """Refuse control characters: all of them in a one-line field (a name, a phone number,
    a title), all but line breaks and tabs in a box for several lines."""
    if not isinstance(value, str):
        return
    pattern = _CONTROL_BUT_LINES if multiline else _CONTROL
    if pattern.search(value):
        raise ValidationError(
            MULTI_LINE_MESSAGE if multiline else SINGLE_LINE_MESSAGE, code="control_characters"
        )


def single_line(value: str) -> None:
    refuse_control_characters(value, multiline=False)


def multi_line(value: str) -> None:
    refuse_control_characters(value, multiline=True)


# What a person would type into a box of several lines (a reason, a summary, notes): a few
# pages, no more. A one-line field keeps its column's own max_length.
TEXT_MAX_LENGTH = 10_000
LINE_MAX_LENGTH = 255

# The years the pages take for a date. Beyond them a term's arithmetic leaves the calendar,
# and London's times before 1847 have offsets in seconds, which no RFC 3339 date-time writes.
PAGE_YEARS = (1900, 2200)
# The largest whole number an integer column holds (PostgreSQL `integer`).
INTEGER_MAX = 2**31 - 1

# Date fields that hold a date of birth: from 1900 to today, not the page years.
DATE_OF_BIRTH_FIELDS = frozenset({"date_of_birth"})


def within_page_years(value) -> None:
    """A date the pages take: from 1900 to 2200."""
    if not PAGE_YEARS[0] <= value.year <= PAGE_YEARS[1]:
        raise ValidationError(
            f"Enter a date from {PAGE_YEARS[0]} to {PAGE_YEARS[1]}", code="date_out_of_range"
        )


def plausible_date_of_birth(value) -> None:
    """A date of birth: from 1 January 1900 to today."""
    from django.utils import timezone

    if not (PAGE_YEARS[0] <= value.year and value <= timezone.localdate()):
        raise ValidationError(
            f"Enter a date of birth from {PAGE_YEARS[0]} to today", code="date_out_of_range"
        )


def date_range_validator(name: str):
    """The range a date field named `name` takes: a date of birth, or the page years."""
    return plausible_date_of_birth if name in DATE_OF_BIRTH_FIELDS else within_page_years


def too_long(limit: int):
    """A validator refusing text longer than `limit` characters, saying so in words."""
    from django.core.validators import MaxLengthValidator

    return MaxLengthValidator(limit, message=f"Enter {limit:,} characters or fewer")


def whole_number(value: str | None) -> int | None:
    """An id given in an address, as a whole number, or None: ASCII digits only (`"²"` and
    `"٣"` are digits to `str.isdigit` but not to the database)."""
    if value and value.isascii() and value.isdigit():
        return int(value)
    return None
