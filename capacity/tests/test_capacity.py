"""Utilisation per service, agreement, category and region; the alert rules; each alert's
life (raise, escalate, resolve, never duplicate); who hears and who sees; the triggers."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from capacity import alerts, selectors, services, utilisation
from capacity.models import Alert
from capacity.tests.factories import funding_agreement, month_instant, notified, sent_referrals
from commissioning.models import (
    Agreement,
    AgreementService,
)
from notifications.models import Notification, PendingTask
from partnership import months
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.months import month_elapsed
from partnership.tests.factories import CommissioningBodyFactory, UserFactory
from providers.tests.factories import make_service
from referrals.models import Referral
from referrals.tests.factories import provider_admin_for

# Helpers (also used by test_alert_tasks) ---------------------------------------------------


# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    """A commissioner covering Greater Manchester, one covering the North East, and a
    service in Manchester North with its provider admin and a caseworker."""
    service = make_service("Housing support", monthly_capacity=10)
    return {
        "service": service,
        "commissioner": UserFactory(role=Role.COMMISSIONER),
        "elsewhere": UserFactory(
            role=Role.COMMISSIONER,
            commissioning_body=CommissioningBodyFactory(regions=Region.objects.filter(code="A")),
        ),
        "admin": provider_admin_for(service),
        "caseworker": UserFactory(role=Role.CASEWORKER, organisation=service.organisation),
        "practitioner": UserFactory(role=Role.PRACTITIONER),
    }


# Months -----------------------------------------------------------------------------------


def test_months_are_calendar_months_in_london():
    assert months.month_start("2026-03") == date(2026, 3, 1)
    assert months.month_start(date(2026, 3, 17)) == date(2026, 3, 1)
    assert months.period_code(date(2026, 12, 5)) == "2026-12"
    start, end = months.month_bounds("2026-04")
    # April starts at midnight BST, which is 23:00 UTC on 31 March.
    assert start == datetime(2026, 3, 31, 23, tzinfo=UTC)
    assert end == datetime(2026, 5, 1, tzinfo=months.LONDON)
    # A referral sent at 00:30 BST on 1 April is April's, though it is still March in UTC.
    sent = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert months.month_start(sent) == date(2026, 4, 1)
    with pytest.raises(ValueError, match="YYYY-MM"):
        months.month_start("April")


def test_the_share_of_a_month_gone_is_measured_in_london_time():
    middle = datetime(2026, 6, 16, tzinfo=months.LONDON)
    assert months.month_elapsed("2026-06", now=middle) == pytest.approx(0.5)
    assert months.month_elapsed("2026-06", now=middle - timedelta(days=60)) == 0
    assert months.month_elapsed("2026-06", now=middle + timedelta(days=60)) == 1


# Utilisation per service ------------------------------------------------------------------


def test_a_services_month_counts_sent_accepted_and_active_but_not_withdrawn(people):
    service, practitioner = people["service"], people["practitioner"]
    start, _ = months.month_bounds()
    last_month = start - timedelta(days=3)
    now = timezone.now()
    sent_referrals(service, 3, practitioner=practitioner)
    sent_referrals(service, 2, practitioner=practitioner, status="withdrawn")
    sent_referrals(service, 1, practitioner=practitioner, status="declined", decided_at=now)
    sent_referrals(service, 2, practitioner=practitioner, status="accepted", decided_at=now)
    sent_referrals(
        service,
        4,
        practitioner=practitioner,
        status="in_progress",
        sent_at=last_month,
        decided_at=last_month,
    )
    sent_referrals(service, 1, practitioner=practitioner, status="completed", sent_at=last_month)
    sent_referrals(service, 1, practitioner=practitioner, status="draft")

    (row,) = utilisation.utilisation_by_service(services=[service], now=month_instant(0.5))

    assert (row.sent, row.accepted, row.active) == (6, 2, 6)
    assert (row.capacity, row.capacity_source, row.funded) == (10, "declared", False)
    assert row.percent == 60.0
    assert row.forecast == 12.0 and row.forecast_percent == 120.0
    assert row.unfunded_sent == 6
    assert row.figures()["period"] == months.period_code()


def test_capacity_is_contracted_by_live_agreements_covering_the_month_else_declared(people):
    service, commissioner = people["service"], people["commissioner"]
    other = make_service("Women's centre", monthly_capacity=8, slugs=("womens-services",))
    mobilising = make_service("New hostel", monthly_capacity=5)
    lapsed = make_service("Old hostel", monthly_capacity=7)
    funding_agreement(service, 12, by=commissioner)
    funding_agreement(service, 6, by=commissioner)  # two agreements fund it: they add up
    funding_agreement(mobilising, 30, by=commissioner, status=Agreement.Status.MOBILISING)
    today = timezone.localdate()
    funding_agreement(
        lapsed,
        40,
        by=commissioner,
        starts_on=today - timedelta(days=900),
        ends_on=months.month_start() - timedelta(days=1),
    )

    rows = {
        row.service_id: row
        for row in utilisation.utilisation_by_service(services=[service, other, mobilising, lapsed])
    }

    assert (rows[service.pk].capacity, rows[service.pk].funded) == (18, True)
    assert rows[service.pk].declared_capacity == 10
    assert (rows[other.pk].capacity, rows[other.pk].funded) == (8, False)
    assert (rows[mobilising.pk].capacity, rows[mobilising.pk].funded) == (5, False)
    assert (rows[lapsed.pk].capacity, rows[lapsed.pk].funded) == (7, False)


def test_a_past_month_is_computed_as_it_was_with_its_forecast_equal_to_what_was_sent(people):
    service = people["service"]
    start, _ = months.month_bounds()
    last_month = months.month_start(start - timedelta(days=1))
    sent_referrals(service, 4, sent_at=start - timedelta(days=2))
    sent_referrals(service, 1)

    (row,) = utilisation.utilisation_by_service(last_month, services=[service])

    assert row.period == last_month and row.sent == 4
    assert row.elapsed == 1 and row.forecast == 4


def test_utilisation_by_agreement_sums_its_services_against_what_it_contracts(people):
    service, commissioner = people["service"], people["commissioner"]
    second = make_service("Move-on support", organisation=service.organisation)
    agreement = funding_agreement(service, 10, by=commissioner)
    AgreementService.objects.create(
        agreement=agreement, service=second, contracted_monthly_referrals=5
    )
    sent_referrals(service, 9)
    sent_referrals(second, 3, status="accepted", decided_at=timezone.now())
    sent_referrals(second, 1, status="withdrawn")

    (row,) = utilisation.utilisation_by_agreement(agreements=[agreement])

    assert (row.capacity, row.sent, row.accepted, row.active) == (15, 12, 3, 3)
    assert row.percent == 80.0 and row.indicator == utilisation.BUSY
    assert [row.agreement_id for row in utilisation.utilisation_by_agreement()] == [agreement.pk]


def test_the_directory_indicator_follows_the_busy_and_amber_thresholds(settings):
    settings.CAPACITY_BUSY_PERCENT = 80
    settings.CAPACITY_AMBER_PERCENT = 100
    assert utilisation.capacity_indicator(0) == "has_room"
    assert utilisation.capacity_indicator(79.9) == "has_room"
    assert utilisation.capacity_indicator(80) == "busy"
    assert utilisation.capacity_indicator(100) == "over"
    assert utilisation.capacity_indicator(None) == "over"  # no capacity at all


def test_the_demand_views_heat_bands_are_the_alert_rules_thresholds(settings):
    settings.CAPACITY_UNDER_USED_PERCENT = 40
    settings.CAPACITY_AMBER_PERCENT = 90
    settings.CAPACITY_RED_PERCENT = 120
    shares = (None, 39.9, 40, 89.9, 90, 119.9, 120)
    assert [utilisation.demand_heat(share) for share in shares] == [
        "none",
        "low",
        "ok",
        "ok",
        "high",
        "high",
        "over",
    ]


def test_indicators_for_a_list_of_services_take_one_query(people, django_assert_num_queries):
    full = make_service("Full house", monthly_capacity=2)
    sent_referrals(full, 2)
    with django_assert_num_queries(1):
        indicators = utilisation.capacity_indicators([people["service"], full])
    assert indicators == {people["service"].pk: "has_room", full.pk: "over"}


# Demand by category and region over time --------------------------------------------------


def test_history_places_demand_by_the_referring_pdu_and_shares_capacity_across_regions(people):
    manchester = Region.objects.get(code="L")
    north_east = Region.objects.get(code="A")
    accommodation = ServiceCategory.objects.get(slug="accommodation")
    north_east_pdu = Pdu.objects.filter(region=north_east).first()
    spanning = make_service(
        "Across the north",
        monthly_capacity=30,
        pdus=["Manchester North", "Manchester South", north_east_pdu.name],
    )
    sent_referrals(spanning, 4)
    sent_referrals(
        spanning, 2, practitioner=UserFactory(role=Role.PRACTITIONER, pdu=north_east_pdu)
    )
    start, _ = months.month_bounds()
    sent_referrals(spanning, 5, sent_at=start - timedelta(days=10))

    cells = utilisation.utilisation_history(
        months=2, regions=[manchester, north_east], categories=[accommodation]
    )

    by_key = {(cell.period_code, cell.region_id): cell for cell in cells}
    this_month, last_month = months.period_code(), months.period_code(start - timedelta(days=1))
    assert len(cells) == 4  # every month and region, zeros included
    assert by_key[this_month, manchester.pk].sent == 4
    assert by_key[this_month, north_east.pk].sent == 2
    assert by_key[last_month, manchester.pk].sent == 5
    # The service's 30 a month (and the other service's 10, all in Manchester North).
    assert by_key[this_month, manchester.pk].capacity == pytest.approx(20 + 10)
    assert by_key[this_month, north_east.pk].capacity == pytest.approx(10)
    assert by_key[this_month, north_east.pk].percent == 20.0


# One set-based pass -----------------------------------------------------------------------


@pytest.mark.parametrize("referrals", [5, 50])
def test_the_utilisation_pass_takes_the_same_queries_however_many_referrals(people, referrals):
    service, commissioner = people["service"], people["commissioner"]
    agreement = funding_agreement(service, 10, by=commissioner)
    for index in range(3):
        sent_referrals(make_service(f"Service {index}"), referrals)
    sent_referrals(service, referrals)

    with CaptureQueriesContext(connection) as by_service:
        rows = utilisation.utilisation_by_service()
    with CaptureQueriesContext(connection) as by_agreement:
        utilisation.utilisation_by_agreement(agreements=[agreement])
    with CaptureQueriesContext(connection) as history:
        utilisation.utilisation_history(months=13)
    with CaptureQueriesContext(connection) as plan:
        alerts.monitor_plan()

    assert len(rows) == 4 and sum(row.sent for row in rows) == 4 * referrals
    # Early in a month the previous complete month is read as well, for under-use; the
    # history reads what the monitoring run kept (the past months, this month's capacity),
    # then counts the months it did not keep.
    early = alerts.judging_previous_month(month_elapsed())
    assert (len(by_service), len(by_agreement), len(history), len(plan)) == (1, 1, 3, 4 + early)


# The rules, as pure functions -------------------------------------------------------------


def figures(*, sent, capacity_=10, elapsed=1.0, funded=True, status="active", wait_days=0):
    return utilisation.ServiceUtilisation(
        period=date(2026, 5, 1),
        sent=sent,
        accepted=0,
        active=0,
        capacity=capacity_,
        elapsed=elapsed,
        service_id=1,
        service_public_id=None,
        service_name="Housing support",
        service_status=status,
        organisation_id=1,
        organisation_name="Shelter North",
        declared_capacity=capacity_,
        funded=funded,
        wait_days=wait_days,
    )


def fired(utilisation) -> dict[str, str]:
    return {f.rule: f.severity for f in alerts.service_findings(utilisation)}


def test_over_capacity_is_amber_from_100_and_red_from_150_percent():
    assert fired(figures(sent=9)) == {}
    assert fired(figures(sent=10)) == {"over_capacity": "amber"}
    assert fired(figures(sent=14)) == {"over_capacity": "amber"}
    assert fired(figures(sent=15)) == {"over_capacity": "red"}
    assert fired(figures(sent=1, capacity_=0)) == {"over_capacity": "red"}
    finding = alerts.service_findings(figures(sent=16))[0]
    assert "16 referrals in May 2026 against a capacity of 10" in finding.message
    assert finding.figures["percent"] == 160.0


def test_heading_over_warns_from_the_pace_before_it_happens_but_not_too_early():
    assert fired(figures(sent=6, elapsed=0.5)) == {"heading_over": "amber"}
    assert fired(figures(sent=4, elapsed=0.5)) == {}
    assert fired(figures(sent=1, elapsed=0.05)) == {}  # one referral on the first morning
    assert fired(figures(sent=6, elapsed=0.5, status="paused")) == {}


def test_under_used_needs_a_third_of_the_month_gone():
    assert fired(figures(sent=2, capacity_=20, elapsed=0.34)) == {"under_used": "amber"}
    assert fired(figures(sent=2, capacity_=20, elapsed=0.3)) == {}
    assert fired(figures(sent=4, capacity_=20, elapsed=0.34)) == {}
    assert fired(figures(sent=0, capacity_=20, elapsed=0.5, status="closed")) == {}


def test_long_wait_and_unfunded_demand():
    assert fired(figures(sent=5, wait_days=29)) == {"long_wait": "amber"}
    assert fired(figures(sent=5, wait_days=28)) == {}
    assert fired(figures(sent=5, funded=False)) == {"unfunded_demand": "amber"}
    assert "unfunded_demand" not in fired(figures(sent=0, funded=False))


def test_thresholds_are_settings(settings):
    settings.CAPACITY_AMBER_PERCENT = 90
    settings.CAPACITY_RED_PERCENT = 120
    assert fired(figures(sent=9)) == {"over_capacity": "amber"}
    assert fired(figures(sent=12)) == {"over_capacity": "red"}


def test_agreement_milestones_in_view():
    today = date(2026, 5, 10)
    assert alerts.agreement_milestones(
        break_clause_dates=[date(2026, 7, 9), date(2026, 8, 9), date(2026, 5, 1)],
        ends_on=date(2026, 11, 10),
        today=today,
    ) == [("break_clause", date(2026, 7, 9)), ("end", date(2026, 11, 10))]
    assert (
        alerts.agreement_milestones(break_clause_dates=[], ends_on=date(2026, 11, 11), today=today)
        == []
    )


# An alert's life --------------------------------------------------------------------------


def test_an_alert_is_raised_escalated_and_resolved_and_never_duplicated(people):
    service, commissioner, admin = people["service"], people["commissioner"], people["admin"]
    funding_agreement(service, 10, by=commissioner)
    late = month_instant(0.99)
    referrals = sent_referrals(service, 11)

    (raised,) = alerts.service_alerts_update(service_id=service.pk, now=late)
    alert = raised.alert
    assert raised.change == alerts.RAISED
    assert (alert.rule, alert.severity, alert.status) == ("over_capacity", "amber", "open")
    assert alert.period == months.month_start() and alert.period_code == months.period_code()
    assert alert.organisation_id == service.organisation_id
    assert list(alert.regions.values_list("code", flat=True)) == ["L"]
    assert alert.figures["sent"] == 11 and alert.figures["capacity"] == 10
    assert notified() == {commissioner.pk: 1, admin.pk: 1}

    again = alerts.service_alerts_update(service_id=service.pk, now=late)
    assert [change.change for change in again] == [alerts.UNCHANGED]
    assert notified() == {commissioner.pk: 1, admin.pk: 1}

    referrals += sent_referrals(service, 5)
    (escalated,) = alerts.service_alerts_update(service_id=service.pk, now=late)
    alert.refresh_from_db()
    assert escalated.change == alerts.ESCALATED
    assert (alert.severity, alert.status) == ("red", "open") and alert.escalated_at
    assert alert.figures["sent"] == 16
    assert notified() == {commissioner.pk: 2, admin.pk: 2}
    titles = Notification.objects.filter(recipient=admin).values_list("title", flat=True)
    assert sorted(titles) == [
        "Amber alert: Housing support is over capacity",
        "Red alert: Housing support is over capacity",
    ]

    Referral.objects.filter(pk__in=[r.pk for r in referrals[:4]]).update(status="withdrawn")
    (refreshed,) = alerts.service_alerts_update(service_id=service.pk, now=late)
    alert.refresh_from_db()
    assert refreshed.change == alerts.UPDATED
    assert alert.severity == "red" and alert.figures["sent"] == 12  # never drops while open

    Referral.objects.filter(pk__in=[r.pk for r in referrals[:7]]).update(status="withdrawn")
    (resolved,) = alerts.service_alerts_update(service_id=service.pk, now=late)
    alert.refresh_from_db()
    assert resolved.change == alerts.RESOLVED
    assert alert.status == "resolved" and alert.resolved_at
    assert Alert.objects.count() == 1
    assert notified() == {commissioner.pk: 2, admin.pk: 2}

    # Over again later in the month: a new alert (the resolved one stays as history).
    sent_referrals(service, 2)
    (reraised,) = alerts.service_alerts_update(service_id=service.pk, now=late)
    assert reraised.change == alerts.RAISED and reraised.alert.pk != alert.pk


def test_an_acknowledged_alert_opens_again_when_it_escalates(people):
    service, commissioner = people["service"], people["commissioner"]
    funding_agreement(service, 10, by=commissioner)
    sent_referrals(service, 10)
    (raised,) = alerts.service_alerts_update(service_id=service.pk, now=month_instant(0.99))
    acknowledged = services.alert_acknowledge(
        alert=raised.alert, by=commissioner, note="Asking the provider for more places."
    )
    assert acknowledged.status == "acknowledged" and acknowledged.acknowledged_by == commissioner

    sent_referrals(service, 5)
    alerts.service_alerts_update(service_id=service.pk, now=month_instant(0.99))
    acknowledged.refresh_from_db()
    assert (acknowledged.status, acknowledged.severity) == ("open", "red")


def test_who_hears_of_each_rule(people):
    service, commissioner = people["service"], people["commissioner"]
    service.current_wait_days = 40
    service.save(update_fields=["current_wait_days"])
    sent_referrals(service, 1)  # unfunded: no agreement
    # Last month was well used, so early in this one it is not judged under-used.
    last_month = months.add_months(months.month_start(), -1)
    sent_referrals(service, service.monthly_capacity, sent_at=month_instant(0.5, last_month))

    changes = alerts.service_alerts_update(service_id=service.pk, now=month_instant(0.2))

    assert {change.alert.rule for change in changes} == {"long_wait", "unfunded_demand"}
    # Both go to commissioners only; never to another region's, nor to provider staff.
    assert notified() == {commissioner.pk: 2}


def test_the_database_allows_one_unresolved_alert_per_subject_rule_and_month(people):
    service = people["service"]
    fields = {
        "rule": "over_capacity",
        "severity": "amber",
        "period": months.month_start(),
        "organisation": service.organisation,
        "message": "Over",
    }
    Alert.objects.create(service=service, status="resolved", resolved_at=timezone.now(), **fields)
    Alert.objects.create(service=service, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            service=service, status="acknowledged", acknowledged_at=timezone.now(), **fields
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**fields)  # no subject
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(service=service, **{**fields, "period": date(2026, 5, 2)})


def test_a_milestone_raises_one_alert_for_its_month_and_resolves_once_past(people):
    service, commissioner = people["service"], people["commissioner"]
    today = timezone.localdate()
    break_clause = today + timedelta(days=60)
    ends_on = today + timedelta(days=150)
    agreement = funding_agreement(
        service, 10, by=commissioner, break_clause_dates=[break_clause], ends_on=ends_on
    )

    first = alerts.agreement_alerts_update(agreement_id=agreement.pk)
    second = alerts.agreement_alerts_update(agreement_id=agreement.pk)

    periods = sorted(change.alert.period for change in first)
    assert [change.change for change in first] == [alerts.RAISED, alerts.RAISED]
    assert periods == [break_clause.replace(day=1), ends_on.replace(day=1)]
    assert {change.change for change in second} == {alerts.UNCHANGED}
    assert Alert.objects.filter(agreement=agreement).count() == 2
    milestone = Alert.objects.get(agreement=agreement, period=break_clause.replace(day=1))
    assert milestone.figures["milestone"] == "break_clause"
    assert milestone.figures["days_until"] == 60
    assert "break clause" in milestone.message
    assert notified() == {commissioner.pk: 2}  # not the provider: the milestones are ours

    later = alerts.agreement_alerts_update(
        agreement_id=agreement.pk, today=break_clause + timedelta(days=1)
    )
    assert {(c.alert.period, c.change) for c in later} == {
        (break_clause.replace(day=1), alerts.RESOLVED),
        (ends_on.replace(day=1), alerts.UPDATED),  # days until the end, one day fewer
    }
    assert notified() == {commissioner.pk: 2}


def test_the_plan_looks_at_services_that_fire_or_have_an_alert_to_resolve(people):
    service, commissioner = people["service"], people["commissioner"]
    quiet = make_service("Quiet service", monthly_capacity=10)
    funding_agreement(
        service, 10, by=commissioner, break_clause_dates=[timezone.localdate() + timedelta(days=30)]
    )
    funding_agreement(quiet, 10, by=commissioner)
    sent_referrals(quiet, 3)
    sent_referrals(service, 12)
    middle = month_instant(0.5)

    plan = alerts.monitor_plan(now=middle)
    assert plan.service_ids == [service.pk]
    assert plan.agreement_ids == [service.funding.get().agreement_id]

    alerts.service_alerts_update(service_id=service.pk, now=middle)
    Referral.objects.filter(service=service).update(status="withdrawn")
    plan = alerts.monitor_plan(now=middle)
    assert plan.service_ids == [service.pk]  # to resolve its alert
    summary = alerts.monitor_run(now=middle)
    assert summary.changes[alerts.RESOLVED] == 1
    assert Alert.objects.get(service=service, rule="over_capacity").status == "resolved"


# Who sees capacity figures -----------------------------------------------------------------


def test_capacity_figures_are_scoped_like_alerts(people):
    service, commissioner, admin = people["service"], people["commissioner"], people["admin"]
    theirs = make_service("Someone else's")
    assert set(selectors.capacity_services_visible_to(user=commissioner)) == {service, theirs}
    assert set(selectors.capacity_services_visible_to(user=admin)) == {service}
    assert not selectors.capacity_services_visible_to(user=people["elsewhere"]).exists()
    assert not selectors.capacity_services_visible_to(user=people["practitioner"]).exists()
    agreement = funding_agreement(service, 10, by=commissioner)
    assert list(selectors.capacity_agreements_visible_to(user=admin)) == [agreement]
    assert not selectors.capacity_agreements_visible_to(user=people["caseworker"]).exists()


# Locks ------------------------------------------------------------------------------------


def _in_another_session(function):
    """Run `function` on its own database connection, as a second worker would."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return outcome.get("value", "did not finish")


@pytest.mark.django_db(transaction=True)
def test_a_second_monitoring_run_stops_at_once_while_one_is_under_way():
    from capacity.tasks import capacity_monitor_run

    with alerts.monitor_lock() as acquired:
        assert acquired
        assert _in_another_session(lambda: capacity_monitor_run.apply().get()) is None
        assert _in_another_session(lambda: alerts.monitor_run()) is None
    assert _in_another_session(lambda: capacity_monitor_run.apply().get()) is not None


# Triggers ---------------------------------------------------------------------------------


def _complete_referral(service, practitioner):
    from referrals.tests.factories import referral_in

    return referral_in("draft", practitioner=practitioner, service=service)


def test_sending_and_withdrawing_a_referral_queue_a_recompute_after_commit(
    people, django_capture_on_commit_callbacks
):
    from partnership.celery import app
    from referrals import services as referral_services

    service, practitioner = people["service"], people["practitioner"]
    referral = _complete_referral(service, practitioner)
    with (
        mock.patch.object(app, "send_task") as send_task,
        mock.patch("notifications.tasks.notification_email_send.delay"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            referral = referral_services.referral_send(referral=referral, by=practitioner)
        send_task.assert_called_once_with(
            "capacity.tasks.capacity_alerts_for_service",
            args=[service.pk, months.period_code()],
            retry=False,
        )
        with django_capture_on_commit_callbacks(execute=True):
            referral_services.referral_withdraw(
                referral=referral, by=practitioner, reason="needs_met"
            )
        assert send_task.call_count == 2
    assert not PendingTask.objects.exists()  # each sent, so none is left to send again
    assert (
        app.amqp.router.route({}, "capacity.tasks.capacity_alerts_for_service")["queue"].name
        == "alerts"
    )


def test_sending_a_referral_records_the_recompute_in_its_own_transaction(
    people, django_capture_on_commit_callbacks
):
    """referrals announces the change (a signal, sent inside the service's transaction) and
    capacity's receiver records the outbox entry there, queued only once it commits."""
    from partnership.celery import app
    from referrals import services as referral_services
    from referrals.signals import referral_demand_changed

    service, practitioner = people["service"], people["practitioner"]
    referral = _complete_referral(service, practitioner)
    heard = mock.Mock()
    referral_demand_changed.connect(heard)
    try:
        with (
            mock.patch.object(app, "send_task") as send_task,
            mock.patch("notifications.tasks.notification_email_send.delay"),
            django_capture_on_commit_callbacks(execute=False) as callbacks,
        ):
            referral_services.referral_send(referral=referral, by=practitioner)
            (pending,) = PendingTask.objects.all()
            send_task.assert_not_called()
    finally:
        referral_demand_changed.disconnect(heard)

    assert heard.call_args.kwargs["service_id"] == service.pk
    assert heard.call_args.kwargs["period"] == months.period_code()
    assert pending.task_name == "capacity.tasks.capacity_alerts_for_service"
    assert pending.args == [service.pk, months.period_code()]
    assert callbacks  # queued for the commit, not before


def test_a_referral_is_sent_even_when_the_broker_is_down(
    people, django_capture_on_commit_callbacks, caplog
):
    from kombu.exceptions import OperationalError

    from partnership.celery import app
    from referrals import services as referral_services

    service, practitioner = people["service"], people["practitioner"]
    referral = _complete_referral(service, practitioner)
    with (
        mock.patch.object(app, "send_task", side_effect=OperationalError("Connection refused")),
        mock.patch("notifications.tasks.notification_email_send.delay"),
        caplog.at_level(logging.WARNING, logger="capacity.receivers"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sent = referral_services.referral_send(referral=referral, by=practitioner)

    sent.refresh_from_db()
    assert sent.status == "sent"
    (record,) = [r for r in caplog.records if "Capacity recompute" in r.getMessage()]
    assert "OperationalError" in record.getMessage()
    # Nothing about the person reaches the logs.
    assert referral.crn not in record.getMessage() and "Jordan" not in record.getMessage()
    # The outbox keeps it for the sweep to send once the broker answers.
    (pending,) = PendingTask.objects.all()
    assert pending.args == [service.pk, months.period_code()]


@pytest.mark.usefixtures("mid_month")
def test_capacity_tasks_keep_answering_to_the_names_they_had_in_commissioning(people):
    """Messages and outbox entries recorded before the move name the tasks as they were."""
    from partnership.celery import app

    service = people["service"]
    sent_referrals(service, 16)
    for name in ("capacity_monitor_run", "capacity_alerts_for_service", "agreement_milestones_for"):
        assert f"commissioning.tasks.{name}" in app.tasks
        assert app.amqp.router.route({}, f"commissioning.tasks.{name}")["queue"].name == "alerts"
        assert app.amqp.router.route({}, f"capacity.tasks.{name}")["queue"].name == "alerts"

    old = app.tasks["commissioning.tasks.capacity_alerts_for_service"]
    counts = old.apply(args=[service.pk, months.period_code()]).get()

    assert counts == {"raised": 2}  # over capacity, and unfunded demand
    assert set(Alert.objects.filter(service=service).values_list("rule", flat=True)) == {
        "over_capacity",
        "unfunded_demand",
    }


# The command ------------------------------------------------------------------------------


@pytest.mark.usefixtures("mid_month")
def test_the_command_runs_the_monitoring_here_with_progress(people, capsys):
    service, commissioner = people["service"], people["commissioner"]
    funding_agreement(service, 10, by=commissioner)
    sent_referrals(service, 16)

    call_command("monitor_capacity")

    out = capsys.readouterr().out
    assert "Computed utilisation for 1 services" in out
    assert "raised 1, escalated 0, resolved 0" in out
    assert Alert.objects.get(service=service).severity == "red"


def test_the_command_can_hand_the_run_to_the_worker(db, capsys):
    with mock.patch("capacity.tasks.capacity_monitor_run.delay") as delay:
        call_command("monitor_capacity", "--enqueue", "--period", "2026-05")
    delay.assert_called_once_with("2026-05")
    assert "queued for the worker" in capsys.readouterr().out


@pytest.mark.parametrize("enabled", [True, False])
def test_the_utilisation_pass_leaves_the_garbage_collector_as_it_found_it(people, enabled):
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        utilisation.utilisation_by_service(now=month_instant(0.5))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
