"""The monitoring run's pass over every service: the same alerts, regions and notifications
as evaluating each service on its own, in a number of statements that does not grow with
the services."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from capacity import alerts
from capacity.models import Alert
from capacity.tests.factories import funding_agreement, month_instant, notified, sent_referrals
from notifications.models import Notification
from partnership.models import Pdu, Region, Role
from partnership.tests.factories import CommissioningBodyFactory, UserFactory
from providers.tests.factories import make_service
from referrals.models import Referral
from referrals.tests.factories import provider_admin_for

pytestmark = pytest.mark.usefixtures("mid_month")


@pytest.fixture
def field(db):
    """A funded service over capacity in Manchester North, an unfunded one in the North East,
    and a commissioner for each region."""
    north_east = Region.objects.get(code="A")
    manchester = make_service("Housing support", monthly_capacity=10)
    elsewhere = make_service(
        "Recovery support",
        monthly_capacity=10,
        pdus=[Pdu.objects.filter(region=north_east)[0].name],
    )
    commissioner = UserFactory(role=Role.COMMISSIONER)
    return {
        "manchester": manchester,
        "elsewhere": elsewhere,
        "commissioner": commissioner,
        "north_east_commissioner": UserFactory(
            role=Role.COMMISSIONER,
            commissioning_body=CommissioningBodyFactory(regions=[north_east]),
        ),
        "manchester_admin": provider_admin_for(manchester),
        "elsewhere_admin": provider_admin_for(elsewhere),
        "funding": funding_agreement(manchester, 10, by=commissioner),
    }


def test_one_pass_raises_each_services_alerts_with_its_regions_and_recipients(field):
    sent_referrals(field["manchester"], 16)  # 160%: red
    sent_referrals(field["elsewhere"], 3)  # within capacity, but no agreement pays for it

    summary = alerts.monitor_run(now=month_instant(0.5))

    assert summary.changes[alerts.RAISED] == 2
    over = Alert.objects.get(service=field["manchester"])
    unfunded = Alert.objects.get(service=field["elsewhere"])
    assert (over.rule, over.severity, over.status) == ("over_capacity", "red", "open")
    assert over.figures["sent"] == 16 and over.organisation == field["manchester"].organisation
    assert unfunded.rule == "unfunded_demand"
    assert set(over.regions.values_list("code", flat=True)) == set(
        field["manchester"].pdus.values_list("region__code", flat=True)
    )
    assert set(unfunded.regions.values_list("code", flat=True)) == {"A"}
    # Commissioners of the alert's regions; the provider's admins for the provider rules only.
    assert notified(over) == {field["commissioner"].pk: 1, field["manchester_admin"].pk: 1}
    assert notified(unfunded) == {field["north_east_commissioner"].pk: 1}
    title = Notification.objects.get(recipient=field["manchester_admin"]).title
    assert title == "Red alert: Housing support is over capacity"


def test_a_second_pass_escalates_refreshes_and_resolves_and_tells_people_once(field):
    manchester, elsewhere = field["manchester"], field["elsewhere"]
    sent_referrals(manchester, 11)  # 110%: amber
    sent_referrals(elsewhere, 3)
    alerts.monitor_run(now=month_instant(0.5))
    over = Alert.objects.get(service=manchester, rule="over_capacity")
    assert over.severity == "amber"

    sent_referrals(manchester, 5)  # 160%: red
    sent_referrals(elsewhere, 1)  # the same rule, new figures
    summary = alerts.monitor_run(now=month_instant(0.5))

    assert (summary.changes[alerts.ESCALATED], summary.changes[alerts.UPDATED]) == (1, 1)
    over.refresh_from_db()
    assert (over.severity, over.figures["sent"]) == ("red", 16)
    assert notified(over) == {field["commissioner"].pk: 2, field["manchester_admin"].pk: 2}
    assert Alert.objects.get(service=elsewhere, rule="unfunded_demand").figures["sent"] == 4

    summary = alerts.monitor_run(now=month_instant(0.5))
    assert summary.changes[alerts.UNCHANGED] == 2
    assert notified(over) == {field["commissioner"].pk: 2, field["manchester_admin"].pk: 2}

    Referral.objects.filter(service=elsewhere).update(status="withdrawn")
    summary = alerts.monitor_run(now=month_instant(0.5))
    assert summary.changes[alerts.RESOLVED] == 1
    # Nothing sent now: no longer unfunded demand (and under-used instead).
    gone = Alert.objects.get(service=elsewhere, rule="unfunded_demand")
    assert gone.status == "resolved" and gone.resolved_at


def test_the_pass_takes_as_many_statements_for_three_services_as_for_one(field):
    sent_referrals(field["manchester"], 16)
    with CaptureQueriesContext(connection) as one:
        alerts.monitor_run(now=month_instant(0.5))
    Alert.objects.all().delete()
    Notification.objects.all().delete()

    for name in ("Mentoring", "Debt advice"):
        service = make_service(name, monthly_capacity=5)
        provider_admin_for(service)
        sent_referrals(service, 9)
    with CaptureQueriesContext(connection) as three:
        summary = alerts.monitor_run(now=month_instant(0.5))

    assert summary.changes[alerts.RAISED] == Alert.objects.count() >= 5
    assert len(three) == len(one)
