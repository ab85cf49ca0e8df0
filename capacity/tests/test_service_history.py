"""The demand view shows whether each service was under, within or over capacity in each
of the last 13 months, from one query."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from capacity import utilisation
from capacity.tests.factories import funding_agreement, month_instant, sent_referrals
from partnership import months
from partnership.models import Role
from partnership.months import LONDON
from partnership.tests.factories import UserFactory
from providers.models import Service
from providers.tests.factories import make_service

pytestmark = pytest.mark.django_db


def _listed_long_ago(*services):
    Service.objects.filter(pk__in=[s.pk for s in services]).update(
        created_at=timezone.now() - timedelta(days=800)
    )


@time_machine.travel(datetime(2026, 6, 20, 12, 0, tzinfo=LONDON), tick=False)
def test_thirteen_months_of_under_within_and_over_per_service():
    service = make_service("Housing support", monthly_capacity=10)
    other = make_service("Wellbeing café", monthly_capacity=20)
    _listed_long_ago(service, other)
    this_month = months.month_start()
    last = months.add_months(this_month, -1)
    two_ago = months.add_months(this_month, -2)
    twelve_ago = months.add_months(this_month, -12)
    sent_referrals(service, 12, sent_at=month_instant(0.5, last))  # 120%: over
    sent_referrals(service, 7, sent_at=month_instant(0.5, two_ago))  # 70%: within
    sent_referrals(service, 11, sent_at=month_instant(0.5, twelve_ago))  # over, a year ago
    sent_referrals(service, 4, sent_at=month_instant(0.2))  # this month: 4 by the 20th
    sent_referrals(other, 5, sent_at=month_instant(0.5, last))  # 25%: under

    with CaptureQueriesContext(connection) as queries:
        history = utilisation.service_history([service, other], 13)
    assert len(queries) == 1

    rows = history[service.pk]
    assert [row.month for row in rows] == [
        months.add_months(this_month, -offset) for offset in range(12, -1, -1)
    ]
    by_month = {row.month: row for row in rows}
    assert by_month[last].band == "over" and by_month[last].sent == 12
    assert by_month[two_ago].band == "within"
    assert by_month[twelve_ago].band == "over"
    assert by_month[months.add_months(this_month, -3)].band == "under"  # nothing sent
    # This month is judged on its forecast: 4 by about two thirds of June is about 6 (60%).
    assert by_month[this_month].band == "within"
    assert {row.month: row.band for row in history[other.pk]}[last] == "under"


def test_a_funding_agreement_sets_the_months_capacity_and_a_new_service_is_not_open():
    commissioner = UserFactory(role=Role.COMMISSIONER)
    service = make_service("Housing support", monthly_capacity=100)
    funding_agreement(service, 10, by=commissioner)
    sent_referrals(service, 12, sent_at=month_instant(0.01))
    rows = utilisation.service_history([service], 13, now=month_instant(0.5))[service.pk]
    assert rows[-1].capacity == 10 and rows[-1].band == "over"
    assert rows[0].band == "not_open"  # listed this month


def test_early_in_the_month_it_is_too_early_to_say():
    service = make_service("Housing support", monthly_capacity=10)
    sent_referrals(service, 9, sent_at=month_instant(0.01))
    (row,) = utilisation.service_history([service], 1, now=month_instant(0.1))[service.pk]
    assert row.band == "too_early" and row.label == "Too early to say"


def test_the_category_page_shows_the_history_with_a_key(client):
    service = make_service("Women's centre", monthly_capacity=10)
    _listed_long_ago(service)
    category = service.categories.first()
    last = months.add_months(months.month_start(), -1)
    sent_referrals(service, 15, sent_at=month_instant(0.5, last))
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    page = client.get(f"/demand/{category.slug}/").content.decode()
    assert 'data-testid="service-history"' in page and 'data-testid="service-history-key"' in page
    assert f"{last:%b %Y}" in page
    assert 'data-band="over">Over' in page
