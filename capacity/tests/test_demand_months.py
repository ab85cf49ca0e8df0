"""The demand view's past months, kept by the monitoring run (`DemandMonth`): read back as
they would be counted, this month's referrals always counted now (its capacity kept until a
service or agreement changes), and counted again when what was kept is stale or missing."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from capacity import alerts, utilisation
from capacity.models import DemandMonth
from capacity.tests.factories import funding_agreement, month_instant, sent_referrals
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.months import add_months, month_start
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals.models import Referral

MONTHS = 13


@pytest.fixture
def demand(db):
    """Referrals sent and accepted over the last year in two regions, to a service that
    spans them and one that does not, with an agreement funding one of them."""
    north_east_pdu = Pdu.objects.filter(region__code="A").first()
    spanning = make_service(
        "Across the north", monthly_capacity=30, pdus=["Manchester North", north_east_pdu.name]
    )
    local = make_service("Manchester only", monthly_capacity=8)
    funding_agreement(local, 12, by=UserFactory(role=Role.COMMISSIONER))
    north_east = UserFactory(role=Role.PRACTITIONER, pdu=north_east_pdu)
    this_month = month_start()
    for back, count in ((0, 3), (1, 4), (2, 2), (5, 6), (11, 1), (12, 5)):
        month = add_months(this_month, -back)
        # Within each past month; this month's so far, now.
        decided, sent, sent_later = (
            month_instant(part, month) if back else timezone.now() for part in (0.3, 0.4, 0.5)
        )
        sent_referrals(spanning, count, sent_at=sent)
        sent_referrals(spanning, 1, practitioner=north_east, sent_at=sent_later)
        sent_referrals(local, count, status="accepted", sent_at=decided, decided_at=decided)
    return {"spanning": spanning, "local": local}


def test_kept_months_read_as_they_are_counted(demand):
    counted = utilisation.utilisation_history(MONTHS)
    scoped = [Region.objects.filter(code="L"), [ServiceCategory.objects.get(slug="accommodation")]]
    counted_scoped = utilisation.utilisation_history(MONTHS, regions=scoped[0])
    counted_category = utilisation.utilisation_history(MONTHS, categories=scoped[1])

    kept = utilisation.keep_demand_months()

    categories, regions = ServiceCategory.objects.count(), Region.objects.count()
    assert kept == DemandMonth.objects.count() == 13 * categories * regions
    assert (
        DemandMonth.objects.filter(in_progress=True)
        .get(category__slug="accommodation", region__code="L")
        .month
        == month_start()
    )
    assert utilisation.utilisation_history(MONTHS) == counted
    assert utilisation.utilisation_history(MONTHS, regions=scoped[0]) == counted_scoped
    assert utilisation.utilisation_history(MONTHS, categories=scoped[1]) == counted_category
    # Both services' referrals (the accepted ones too) and the North East's one a month.
    assert sum(cell.sent for cell in counted) == 2 * (3 + 4 + 2 + 6 + 1 + 5) + 6


def test_past_months_are_read_from_what_was_kept_and_this_month_is_counted(demand):
    utilisation.keep_demand_months()
    last_month = add_months(month_start(), -1)
    DemandMonth.objects.filter(month=last_month).update(sent=900)
    sent_referrals(demand["spanning"], 2)  # this month, after the run

    with CaptureQueriesContext(connection) as queries:
        cells = utilisation.utilisation_history(MONTHS)

    by_month = {}
    for cell in cells:
        by_month[cell.month] = by_month.get(cell.month, 0) + cell.sent
    assert by_month[last_month] == 900 * ServiceCategory.objects.count() * Region.objects.count()
    assert by_month[month_start()] == 3 + 1 + 3 + 2
    # What was kept (the past months, this month's capacity), then this month's referrals.
    assert len(queries) == 3
    assert "generate_series" in queries[2]["sql"]
    assert "counted_capacity" not in queries[2]["sql"].split("capacity AS (")[-1].split(")")[0]


def _cells_of(month, cells):
    return {(cell.category_id, cell.region_id): cell for cell in cells if cell.month == month}


def test_this_months_capacity_is_read_from_what_was_kept_and_its_referrals_counted(demand):
    counted = utilisation.utilisation_history(MONTHS)
    utilisation.keep_demand_months()
    accommodation = ServiceCategory.objects.get(slug="accommodation")
    manchester = Region.objects.get(code="L")
    DemandMonth.objects.filter(in_progress=True, category=accommodation, region=manchester).update(
        capacity=77.5, sent=900
    )
    sent_referrals(demand["local"], 2)  # this month, after the run

    this_month = _cells_of(month_start(), utilisation.utilisation_history(MONTHS))
    before = _cells_of(month_start(), counted)

    cell = this_month[(accommodation.pk, manchester.pk)]
    assert cell.capacity == 77.5
    assert cell.sent == before[(accommodation.pk, manchester.pk)].sent + 2
    assert before[(accommodation.pk, manchester.pk)].capacity != 77.5
    others = [key for key in this_month if key != (accommodation.pk, manchester.pk)]
    assert [this_month[key].capacity for key in others] == [before[key].capacity for key in others]


def _capacity_changed(demand):
    from providers.services import service_update

    service = demand["spanning"]  # not funded: its own capacity counts
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=service.organisation)
    service_update(service=service, by=admin, data={"monthly_capacity": 40})


def _covers_another_pdu(demand):
    demand["local"].pdus.add(Pdu.objects.filter(region__code="A").first())


def _agreement_let(demand):
    funding_agreement(demand["spanning"], 5, by=UserFactory(role=Role.COMMISSIONER))


@pytest.mark.parametrize("change", [_capacity_changed, _covers_another_pdu, _agreement_let])
def test_a_change_to_what_capacity_is_counted_from_drops_this_months_kept_capacity(demand, change):
    utilisation.keep_demand_months()
    kept = _cells_of(month_start(), utilisation.utilisation_history(MONTHS))

    with transaction.atomic():
        change(demand)

    assert not DemandMonth.objects.filter(in_progress=True).exists()
    assert DemandMonth.objects.filter(in_progress=False).count() > 0
    after = utilisation.utilisation_history(MONTHS)
    assert _cells_of(month_start(), after) != kept
    utilisation.keep_demand_months()
    assert utilisation.utilisation_history(MONTHS) == after


def test_a_stale_keep_is_counted_again(demand, settings):
    counted = utilisation.utilisation_history(MONTHS)
    utilisation.keep_demand_months()
    stale = timezone.now() - timedelta(minutes=settings.CAPACITY_DEMAND_KEPT_MINUTES + 1)
    DemandMonth.objects.update(sent=900, capacity=999, kept_at=stale)

    assert utilisation.utilisation_history(MONTHS) == counted


def test_a_month_not_yet_kept_is_counted(demand):
    """Just after a month ends, before the next run, it is counted with this one."""
    counted = utilisation.utilisation_history(MONTHS)
    utilisation.keep_demand_months(today=add_months(month_start(), -1))
    last_month = add_months(month_start(), -1)
    # Kept while it was in progress: its capacity then, never its referrals as a month's.
    assert not DemandMonth.objects.filter(month=last_month, in_progress=False).exists()
    DemandMonth.objects.update(sent=0)  # so that a kept month read shows

    cells = utilisation.utilisation_history(MONTHS)

    fresh = {month_start(), last_month}
    assert [c for c in cells if c.month in fresh] == [c for c in counted if c.month in fresh]
    assert all(cell.sent == 0 for cell in cells if cell.month not in fresh)


def test_the_monitoring_run_keeps_the_months_and_a_later_change_shows_after_the_next(demand):
    assert alerts.monitor_run().demand_cells_kept == DemandMonth.objects.count() > 0
    last_month = add_months(month_start(), -1)
    sent_last_month = sum(
        cell.sent for cell in utilisation.utilisation_history(MONTHS) if cell.month == last_month
    )
    withdrawn = Referral.objects.filter(
        service=demand["spanning"], sent_at__gte=month_instant(0, last_month)
    ).exclude(sent_at__gte=month_instant(0))[:1]
    Referral.objects.filter(pk__in=withdrawn).update(status="withdrawn")

    alerts.monitor_run()

    after = utilisation.utilisation_history(MONTHS)
    assert sum(cell.sent for cell in after if cell.month == last_month) == sent_last_month - 1


def test_two_keeps_at_once_wait_for_each_other_rather_than_clash(committed_db):
    """A demo load's keep and the monitoring run's may meet: the second waits for the first
    to commit, then replaces its cells; neither fails on the other's rows."""
    first_kept, release = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                outcomes["first"] = utilisation.keep_demand_months()
                first_kept.set()
                release.wait(timeout=30)
        except Exception as exc:  # the outcome under test
            outcomes["first"] = exc
        finally:
            first_kept.set()
            connection.close()

    def second() -> None:
        first_kept.wait(timeout=30)
        try:
            outcomes["second"] = utilisation.keep_demand_months()
        except Exception as exc:  # the outcome under test
            outcomes["second"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_kept.wait(timeout=30)
    waited = _a_session_waits_on_a_lock()
    release.set()
    for thread in threads:
        thread.join(timeout=60)

    cells = 13 * ServiceCategory.objects.count() * Region.objects.count()
    assert waited, "the second keep did not wait for the first"
    assert outcomes == {"first": cells, "second": cells}
    assert DemandMonth.objects.count() == cells


def _a_session_waits_on_a_lock(seconds: float = 20) -> bool:
    """Whether another session comes to wait on a lock within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False
