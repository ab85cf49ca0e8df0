"""The `date` filter, written without Django's per-call machinery for the formats the pages
use: a builtin of the portal's templates (settings `TEMPLATES`), so every `|date:"…"` is this.

Django's own filter looks the format up among the locale's, builds a formatter and parses the
format on every call: about 60 µs a date, six milliseconds of a work list's fifty rows. Here a
format is parsed once; a value or format character it does not write (time zones, weeks,
ordinals, a time part of a plain date) goes to Django's own, so the output is always Django's
(`partnership/tests/test_dates.py` proves it for every format the templates use)."""

from __future__ import annotations

import datetime
import functools

from django import template
from django.template import defaultfilters
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext

register = template.Library()


def _twelve_hour(moment: datetime.datetime) -> str:
    return str(moment.hour % 12 or 12)


def _meridiem(moment: datetime.datetime) -> str:
    return gettext("p.m.") if moment.hour > 11 else gettext("a.m.")


# What each format character writes, as Django's `DateFormat` writes it.
_DATE_PARTS = {
    "j": lambda day: str(day.day),
    "d": lambda day: f"{day.day:02d}",
    "n": lambda day: str(day.month),
    "m": lambda day: f"{day.month:02d}",
    "M": lambda day: MONTHS_3[day.month].title(),
    "F": lambda day: str(MONTHS[day.month]),
    "Y": lambda day: f"{day.year:04d}",
}
_TIME_PARTS = {
    "H": lambda moment: f"{moment.hour:02d}",
    "G": lambda moment: str(moment.hour),
    "i": lambda moment: f"{moment.minute:02d}",
    "s": lambda moment: f"{moment.second:02d}",
    "g": _twelve_hour,
    "a": _meridiem,
}
# Django's format characters (`django.utils.dateformat.re_formatchars`): a letter among them
# that has no writer above sends the format to Django's own filter.
_FORMAT_CHARACTERS = frozenset("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")


@functools.lru_cache(maxsize=128)
def _parsed(format_string: str) -> tuple[tuple, bool] | None:
    """The format as literal text and writers, and whether it writes a time; None when it
    uses a character written only by Django's own filter."""
    parts: list = []
    has_time = escaped = False
    for character in format_string:
        if escaped:
            parts.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character in _DATE_PARTS:
            parts.append(_DATE_PARTS[character])
        elif character in _TIME_PARTS:
            parts.append(_TIME_PARTS[character])
            has_time = True
        elif character in _FORMAT_CHARACTERS:
            return None
        else:
            parts.append(character)
    if escaped:  # a trailing backslash: Django's own keeps it
        return None
    return tuple(parts), has_time


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's `date` filter, faster for a date or a (local) date and time."""
    parsed = _parsed(arg) if isinstance(arg, str) else None
    if parsed is not None and isinstance(value, datetime.date):
        parts, has_time = parsed
        if not has_time or isinstance(value, datetime.datetime):
            return "".join(part if isinstance(part, str) else part(value) for part in parts)
    return defaultfilters.date(value, arg)
