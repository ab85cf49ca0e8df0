"""A forecast is not made from a few days of a month; early in a month under-use is judged
on the previous complete month."""

from datetime import datetime

import pytest
import time_machine
from django.test import override_settings

from capacity import alerts, utilisation
from capacity.models import Alert
from capacity.tests.factories import month_instant, sent_referrals
from partnership import months
from partnership.months import LONDON
from providers.tests.factories import make_service

pytestmark = pytest.mark.django_db


@override_settings(CAPACITY_FORECAST_AFTER_FRACTION=0.25)
def test_four_days_into_a_month_there_is_no_forecast():
    service = make_service("Housing support", monthly_capacity=10)
    # The 4th of March, 2 a.m.: three days and a bit gone; 13 referrals already.
    with time_machine.travel(datetime(2026, 3, 4, 2, 0, tzinfo=LONDON), tick=False):
        sent_referrals(service, 13)
        row = utilisation.utilisation_for_service(service)
        assert row.too_early_to_forecast is True
        assert row.forecast is None and row.forecast_percent is None
        assert row.figures()["too_early_to_forecast"] is True
        # Over capacity on what has been sent, but no "heading over" from a wild pace.
        rules = {finding.rule for finding in alerts.service_findings(row)}
        assert "heading_over" not in rules and "over_capacity" in rules
    # Ten days in, the pace is trusted.
    with time_machine.travel(datetime(2026, 3, 11, 2, 0, tzinfo=LONDON), tick=False):
        row = utilisation.utilisation_for_service(service)
        assert row.too_early_to_forecast is False and row.forecast > 13


def test_heading_over_waits_for_a_forecast():
    service = make_service("Housing support", monthly_capacity=100)
    sent_referrals(service, 40, sent_at=month_instant(0.05))
    early = utilisation.utilisation_for_service(service, now=month_instant(0.15))
    assert early.forecast is None
    assert not [f for f in alerts.service_findings(early) if f.rule == "heading_over"]
    later = utilisation.utilisation_for_service(service, now=month_instant(0.3))
    assert [f for f in alerts.service_findings(later) if f.rule == "heading_over"]


def test_early_in_a_month_under_use_is_judged_on_the_previous_month():
    quiet = make_service("Quiet service", monthly_capacity=20)
    busy = make_service("Busy service", monthly_capacity=20)
    last_month = months.add_months(months.month_start(), -1)
    sent_referrals(quiet, 2, sent_at=month_instant(0.5, last_month))  # 10% of capacity
    sent_referrals(busy, 15, sent_at=month_instant(0.5, last_month))  # 75%

    changes = alerts.service_alerts_update(service_id=quiet.pk, now=month_instant(0.1))
    (alert,) = [change.alert for change in changes if change.alert.rule == "under_used"]
    assert alert.period == months.month_start()
    assert alert.figures["previous_sent"] == 2 and alert.figures["previous_percent"] == 10.0
    assert f"{last_month:%B %Y}" in alert.message

    changes = alerts.service_alerts_update(service_id=busy.pk, now=month_instant(0.1))
    assert "under_used" not in {change.alert.rule for change in changes}

    # The monitoring plan picks the quiet service for it too.
    plan = alerts.monitor_plan(now=month_instant(0.1))
    assert quiet.pk in plan.service_ids

    # Later in the month this month is judged: a good pace resolves it.
    sent_referrals(quiet, 10, sent_at=month_instant(0.2))
    changes = alerts.service_alerts_update(service_id=quiet.pk, now=month_instant(0.5))
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.RESOLVED


def test_the_directory_says_it_is_too_early_to_forecast():
    from django.template import Context, Template

    service = make_service("Housing support", monthly_capacity=10)
    template = Template(
        "{% load capacity %}{% capacity_state service as state %}{% capacity_indicator state %}"
    )
    with time_machine.travel(datetime(2026, 3, 4, 2, 0, tzinfo=LONDON), tick=False):
        sent_referrals(service, 5)
        html = template.render(Context({"service": service}))
        assert "Too early in the month to forecast" in html and "%" not in html
    with time_machine.travel(datetime(2026, 3, 16, 12, 0, tzinfo=LONDON), tick=False):
        html = template.render(Context({"service": service}))
        assert "On course for 100% of capacity this month" in html
