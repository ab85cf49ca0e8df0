"""The portal's `date` filter (`partnership.templatetags.dates`) writes what Django's own
writes, for every format the templates use and for what it hands back to Django's."""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Engine, engines
from django.utils import timezone, translation

from partnership.templatetags import dates

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = datetime.UTC

# Moments either side of the clocks changing, midnight and noon in London, the turn of a
# year, a single-digit day and month, and a plain date.
VALUES = [
    datetime.datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC),
    datetime.datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC),
    datetime.datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    datetime.datetime(2026, 6, 30, 23, 0, tzinfo=UTC),
    datetime.datetime(2026, 1, 1, 12, 0, tzinfo=LONDON),
    datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime.datetime(2027, 9, 5, 7, 4, 3, tzinfo=UTC),
    datetime.datetime(2026, 5, 2, 13, 15),  # naive, as a value never saved would be
    datetime.date(2026, 9, 5),
    datetime.date(2027, 2, 28),
]
USED = re.compile(r'\|date:"((?:[^"\\]|\\.)*)"')


def _formats_in_templates() -> set[str]:
    found = set()
    for folder in [*settings.TEMPLATES[0]["DIRS"], *Path(settings.BASE_DIR).glob("*/templates")]:
        for path in Path(folder).rglob("*.html"):
            found.update(USED.findall(path.read_text()))
    return found


FORMATS = sorted(
    _formats_in_templates()
    | {"j F Y", "d/m/Y", "n/j/Y", "G:i", "H:i:s", "g:ia", "j M Y \\a\\t H:i", "D j M", "jS F"}
)
PORTAL = engines["django"].engine
DJANGO = Engine()  # Django's own builtins only


def _render(engine: Engine, value, format_string) -> str:
    """What the engine writes, or the error it raises (a time format for a plain date)."""
    template = engine.from_string("{{ value|date:format }}")
    try:
        return template.render(Context({"value": value, "format": format_string}))
    except TypeError as error:
        return f"TypeError: {error}"


def _both(value, format_string: str) -> tuple[str, str]:
    return _render(PORTAL, value, format_string), _render(DJANGO, value, format_string)


def test_the_templates_use_formats_the_fast_path_writes():
    assert len(_formats_in_templates()) >= 5
    for format_string in _formats_in_templates():
        assert dates._parsed(format_string) is not None, format_string


@pytest.mark.parametrize("format_string", FORMATS)
def test_every_format_writes_what_djangos_own_filter_writes(format_string):
    for value in VALUES:
        ours, djangos = _both(value, format_string)
        assert ours == djangos, (format_string, value)


def test_it_is_the_portals_filter_that_pages_use():
    assert (
        PORTAL.from_string("{{ value|date:'j M Y' }}").nodelist[0].filter_expression.filters[0][0]
        is dates.date
    )


def test_in_another_time_zone_and_language_it_still_agrees():
    with timezone.override("America/New_York"), translation.override("fr"):
        for value in VALUES:
            for format_string in ("j F Y", "j M Y, H:i", "j F Y \\a\\t g:ia"):
                ours, djangos = _both(value, format_string)
                assert ours == djangos, (format_string, value)


@pytest.mark.parametrize("value", [None, "", "not a date", 12, datetime.time(9, 30)])
def test_what_it_does_not_write_is_djangos_answer(value):
    for format_string in ("j M Y", "H:i", "", None):
        ours, djangos = _both(value, format_string)
        assert ours == djangos, (format_string, value)


def test_a_time_format_for_a_plain_date_fails_as_djangos_does():
    ours, djangos = _both(datetime.date(2026, 1, 1), "j M Y H:i")
    assert ours.startswith("TypeError") and ours == djangos
