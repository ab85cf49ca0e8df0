"""A fresh demo has real cases for the alert centre and the demand view."""

import pytest

from capacity.models import Alert

pytestmark = pytest.mark.django_db


def test_the_demo_raises_over_capacity_under_used_and_milestone_alerts(settings):
    from partnership.demo import load_demo

    load_demo()
    open_alerts = Alert.objects.exclude(status="resolved")
    over = open_alerts.filter(rule="over_capacity")
    assert over.filter(severity="red", service__name="Women's space").exists()
    assert over.filter(service__categories__slug="accommodation").exists()
    assert open_alerts.filter(rule="agreement_milestone").exists()
    # Under-used is judged once a third of the month has passed.
    from partnership.months import month_elapsed

    if month_elapsed() >= settings.CAPACITY_UNDER_USED_AFTER_FRACTION:
        assert open_alerts.filter(
            rule="under_used", service__name="Walk and talk wellbeing"
        ).exists()
    # Loading again adds nothing.
    count = Alert.objects.count()
    load_demo()
    assert Alert.objects.count() == count
