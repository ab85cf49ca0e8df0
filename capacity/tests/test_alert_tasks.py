"""Capacity monitoring through a real Redis broker and real Celery workers (never eager):
concurrent and repeated runs raise one alert and notify once; a worker killed mid-task
loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from capacity import alerts, utilisation
from capacity.models import Alert
from capacity.tasks import (
    agreement_milestones_for,
    capacity_alerts_for_service,
    capacity_monitor_run,
)
from capacity.tests.factories import (
    funding_agreement,
    month_instant,
    notified,
    sent_referrals,
)
from conftest import wait_for
from notifications.models import PendingTask
from notifications.services import pending_tasks_send_due
from partnership import months
from partnership.celery import app
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals import services as referral_services
from referrals.models import Referral
from referrals.tests.factories import provider_admin_for

pytestmark = pytest.mark.celery

BASE_DIR = Path(settings.BASE_DIR)


def queue_length(name: str = "alerts") -> int:
    with app.connection_for_write() as conn:
        return conn.default_channel.client.llen(name)


def wait_until_idle(timeout: float = 30.0) -> None:
    """Until the alerts queue is empty and the in-process worker holds no task, for a
    moment together (a task may queue others as it finishes)."""
    from celery.worker import state

    calm_since = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        idle = not queue_length() and not state.active_requests and not state.reserved_requests
        if not idle:
            calm_since = None
        elif calm_since is None:
            calm_since = time.monotonic()
        elif time.monotonic() - calm_since > 0.6:
            return
        time.sleep(0.1)
    pytest.fail(f"The worker was still busy after {timeout}s")


@pytest.fixture
def alerts_worker(committed_db):
    """A real worker of four threads on the alerts queue, so tasks run concurrently."""
    from celery.contrib.testing.worker import start_worker

    app.control.purge()
    with start_worker(
        app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        queues=["alerts", "default"],
        shutdown_timeout=10,
    ) as worker:
        yield worker


@pytest.fixture
def gm(committed_db):
    """A Greater Manchester commissioner, a service with 10 a month, its provider admin."""
    commissioner = UserFactory(role=Role.COMMISSIONER)
    service = make_service("Housing support", monthly_capacity=10)
    return commissioner, service, provider_admin_for(service)


def test_concurrent_runs_raise_one_red_alert_and_withdrawals_resolve_it(alerts_worker, gm):
    commissioner, service, admin = gm
    funding_agreement(service, 10, by=commissioner)
    practitioner = UserFactory(role=Role.PRACTITIONER)
    referrals = sent_referrals(service, 16, practitioner=practitioner)
    now = month_instant(0.99).isoformat()
    period = months.period_code()

    # Two periodic runs and two direct recomputes, all at once on four threads.
    capacity_monitor_run.delay(period, now)
    capacity_alerts_for_service.delay(service.pk, period, now)
    capacity_monitor_run.delay(period, now)
    capacity_alerts_for_service.delay(service.pk, period, now)
    wait_until_idle()

    (alert,) = Alert.objects.filter(service=service)
    assert (alert.rule, alert.severity, alert.status) == ("over_capacity", "red", "open")
    assert alert.figures["sent"] == 16 and alert.figures["capacity"] == 10
    assert notified() == {commissioner.pk: 1, admin.pk: 1}

    # Withdrawing through the workflow queues recomputes after each commit; one more run.
    for referral in referrals[:7]:
        referral_services.referral_withdraw(
            referral=Referral.objects.get(pk=referral.pk), by=practitioner, reason="needs_met"
        )
    capacity_monitor_run.delay(period, now)
    wait_until_idle()

    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at
    assert Alert.objects.filter(service=service, rule="over_capacity").count() == 1
    assert notified(alert) == {commissioner.pk: 1, admin.pk: 1}


def test_a_service_at_2_of_20_a_third_into_the_month_is_under_used(alerts_worker, gm):
    commissioner, _, admin = gm
    quiet = make_service("Wellbeing group", monthly_capacity=20, slugs=("emotional-wellbeing",))
    funding_agreement(quiet, 20, by=commissioner)
    quiet_admin = provider_admin_for(quiet)
    sent_referrals(quiet, 2)

    capacity_alerts_for_service.delay(
        quiet.pk, months.period_code(), month_instant(0.34).isoformat()
    )
    wait_until_idle()

    (alert,) = Alert.objects.filter(service=quiet)
    assert (alert.rule, alert.severity) == ("under_used", "amber")
    assert alert.figures["sent"] == 2 and alert.figures["forecast_percent"] < 50
    assert notified() == {commissioner.pk: 1, quiet_admin.pk: 1}
    assert admin.pk not in notified()


def test_a_referral_to_a_service_with_no_live_agreement_is_unfunded_demand(alerts_worker, gm):
    commissioner, service, admin = gm
    # Mobilising is not yet funding anything.
    funding_agreement(service, 10, by=commissioner, status="mobilising")
    sent_referrals(service, 1)
    # Last month was well used, so early in this one it is not judged under-used.
    last_month = months.add_months(months.month_start(), -1)
    sent_referrals(service, service.monthly_capacity, sent_at=month_instant(0.5, last_month))

    (row,) = utilisation.utilisation_by_service(services=[service])
    assert (row.funded, row.unfunded_sent, row.capacity_source) == (False, 1, "declared")

    capacity_monitor_run.delay(months.period_code(), month_instant(0.2).isoformat())
    wait_until_idle()

    (alert,) = Alert.objects.filter(service=service)
    assert alert.rule == "unfunded_demand" and alert.figures["sent"] == 1
    assert notified() == {commissioner.pk: 1}  # a commissioner's matter, not the provider's


def test_a_break_clause_in_60_days_raises_one_milestone_alert_once(alerts_worker, gm):
    commissioner, service, admin = gm
    break_clause = timezone.localdate() + timedelta(days=60)
    agreement = funding_agreement(service, 10, by=commissioner, break_clause_dates=[break_clause])

    capacity_monitor_run.delay()
    agreement_milestones_for.delay(agreement.pk)
    capacity_monitor_run.delay()
    agreement_milestones_for.delay(agreement.pk)
    wait_until_idle()

    (alert,) = Alert.objects.filter(agreement=agreement)
    assert alert.rule == "agreement_milestone" and alert.status == "open"
    assert alert.period == break_clause.replace(day=1)
    assert alert.figures["days_until"] == 60
    assert notified(alert) == {commissioner.pk: 1}  # and not the provider


@pytest.mark.usefixtures("mid_month")
def test_an_outbox_entry_recorded_under_the_old_task_name_still_runs(alerts_worker, gm):
    """Recorded before capacity monitoring left commissioning, a recompute is sent by the
    outbox's sweep under its old name, goes to the alerts queue and raises the alert."""
    commissioner, service, admin = gm
    funding_agreement(service, 10, by=commissioner)
    sent_referrals(service, 16)
    old_name = "commissioning.tasks.capacity_alerts_for_service"
    assert app.amqp.router.route({}, old_name)["queue"].name == "alerts"
    PendingTask.objects.create(task_name=old_name, args=[service.pk, months.period_code()])
    PendingTask.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert pending_tasks_send_due() == 1
    wait_until_idle()

    (alert,) = Alert.objects.filter(service=service)
    assert (alert.rule, alert.severity, alert.figures["sent"]) == ("over_capacity", "red", 16)
    assert not PendingTask.objects.exists()


# A worker killed mid-task ------------------------------------------------------------------


def _test_database_url() -> str:
    """The environment's DATABASE_URL pointed at this suite's test database."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _start_worker(name: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "DJANGO_SETTINGS_MODULE": "partnership.settings.test",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "partnership",
            "worker",
            "-Q",
            "alerts",
            "-P",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
            "-l",
            "INFO",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def _waiting_for(key: tuple[int, int]) -> list[int]:
    """Backends waiting for the advisory lock `key`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
            "AND classid = %s AND objid = %s AND objsubid = 2",
            key,
        )
        return [pid for (pid,) in cursor.fetchall()]


def _state(service) -> list[tuple]:
    return sorted(
        (alert.rule, alert.severity, alert.status, alert.figures["sent"], alert.figures["capacity"])
        for alert in Alert.objects.filter(service=service)
    )


@pytest.mark.slow
def test_a_worker_killed_mid_task_loses_nothing(committed_db, gm, tmp_path):
    commissioner, service, admin = gm
    funding_agreement(service, 10, by=commissioner)
    sent_referrals(service, 16)
    now = month_instant(0.99).isoformat()
    period = months.period_code()
    key = alerts.subject_lock_key(service_id=service.pk)
    app.control.purge()

    # Hold the service's lock so the task blocks inside its transaction, unacknowledged.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
    first = _start_worker("doomed", tmp_path / "doomed.log")
    second = None
    try:
        capacity_alerts_for_service.delay(service.pk, period, now)
        # A worker starting on a loaded machine can take a while; the wait ends when it is in.
        (blocked,) = wait_for(lambda: _waiting_for(key), timeout=90)

        _stop(first, signal.SIGKILL)
        with connection.cursor() as cursor:
            # The dead worker's backend would wait on; end it, then let the lock go.
            cursor.execute("SELECT pg_terminate_backend(%s)", [blocked])
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        assert not Alert.objects.filter(service=service).exists()

        second = _start_worker("survivor", tmp_path / "survivor.log")
        wait_for(lambda: Alert.objects.filter(service=service).exists(), timeout=90)
        wait_for(lambda: "succeeded" in (tmp_path / "survivor.log").read_text(), timeout=10)
    finally:
        _stop(first, signal.SIGKILL)
        if second is not None:
            _stop(second)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock_all()")

    doomed_log = (tmp_path / "doomed.log").read_text()
    survivor_log = (tmp_path / "survivor.log").read_text()
    task = "capacity.tasks.capacity_alerts_for_service"
    assert f"{task}[" in doomed_log and "succeeded" not in doomed_log
    assert f"{task}[" in survivor_log and "succeeded" in survivor_log

    # The end state is a clean run's: compare with a twin service evaluated once, here.
    twin = make_service("Housing support twin", monthly_capacity=10)
    funding_agreement(twin, 10, by=commissioner)
    sent_referrals(twin, 16)
    alerts.service_alerts_update(service_id=twin.pk, now=month_instant(0.99))
    assert _state(service) == _state(twin) == [("over_capacity", "red", "open", 16, 10)]
    again = alerts.service_alerts_update(service_id=service.pk, now=month_instant(0.99))
    assert [change.change for change in again] == [alerts.UNCHANGED]
    (alert,) = Alert.objects.filter(service=service)
    (twin_alert,) = Alert.objects.filter(service=twin)
    assert notified(alert) == {commissioner.pk: 1, admin.pk: 1}
    assert notified(twin_alert) == {commissioner.pk: 1, provider_admin_for(twin).pk: 1}
