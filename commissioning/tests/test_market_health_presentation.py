"""Market health says "No lots" for a year with none, rather than "0%" with one bidder;
money and numbers are written with thousands separators."""

import re

import pytest
from django.template import Context, Template

from partnership.models import Role
from partnership.templatetags.figures import money, number
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_years_without_lots_say_so(client):
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    page = client.get("/market-health/").content.decode()
    years = re.findall(
        r'<tr class="govuk-table__row" data-testid="trend-year">(.*?)</tr>', page, re.S
    )
    assert len(years) >= 5
    for year in years:
        assert "No lots" in year and "%" not in year and "£0" not in year
    assert ">0%<" not in page and "0.0%" not in page


def test_the_rounds_summary_says_no_lots_when_there_are_none():
    html = Template('{% include "commissioning/_market_health.html" %}').render(
        Context(
            {
                "health": {
                    "lots": [],
                    "lots_with_one_bidder_or_none": 0,
                    "share_of_lots_with_one_bidder_or_none": 0,
                    "total_awarded": 0,
                    "hhi": 0,
                    "mechanism": "grant",
                },
                "bidder_bars": [],
                "band_bars": [],
            }
        )
    )
    thin = re.search(r'data-testid="thin-lots">(.*?)</dd>', html).group(1)
    assert thin == "No lots"
    assert "Nothing awarded yet" in html


def test_money_and_numbers_have_thousands_separators():
    assert money(420000) == "£420,000"
    assert money("1234.5") == "£1,234.50"
    assert money(None) == "Not given"
    assert money(-2500) == "−£2,500"
    assert number(13220) == "13,220"
    assert number("1322") == "1,322"
    assert number(1322.4) == "1,322.4"
    assert number(None) == ""
    rendered = Template("{% load figures %}{{ value|money }} {{ count|number }}").render(
        Context({"value": 420000, "count": 12500})
    )
    assert rendered == "£420,000 12,500"
