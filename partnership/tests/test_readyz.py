"""`/readyz` reads the workers' heartbeats from the broker's Redis instead of pinging them:
it answers in milliseconds, and still names a missing worker or an unreachable broker."""

from __future__ import annotations

import time

import pytest
from celery import Celery
from django.test import override_settings

from conftest import wait_for
from partnership import health
from partnership.celery import (
    app,
    heartbeat_store,
    worker_heartbeat_clear,
    worker_heartbeat_record,
    workers_alive,
)

pytestmark = pytest.mark.celery


@pytest.fixture(autouse=True)
def no_heartbeats():
    """No heartbeat left by an earlier test's worker, before or after."""

    def forget():
        with heartbeat_store(app, timeout=2) as (client, key):
            client.delete(key)

    forget()
    yield
    forget()


def _timed_readyz(client):
    started = time.monotonic()
    response = client.get("/readyz")
    return response, time.monotonic() - started


def test_readyz_heartbeat_a_running_worker_makes_it_ready_at_once(client, celery_worker_thread):
    wait_for(lambda: workers_alive(app, timeout=1), timeout=10)

    response, took = _timed_readyz(client)

    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}
    # A ping waited out its whole 2-second timeout; a heartbeat is one Redis read.
    assert took < 1.0


def test_readyz_heartbeat_a_stopped_worker_is_gone_at_once(committed_db, client):
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, queues=["default"]) as worker:
        (alive,) = wait_for(lambda: workers_alive(app, timeout=1), timeout=10)
        assert alive == worker.hostname
    assert workers_alive(app, timeout=1) == []
    assert client.get("/readyz").status_code == 503


@pytest.mark.django_db
def test_readyz_heartbeat_expired_names_the_worker(client):
    with override_settings(WORKER_HEARTBEAT_SECONDS=1):
        worker_heartbeat_record(app, hostname="default@worker-1")
        response, took = _timed_readyz(client)
        assert response.status_code == 200, response.json()
        assert took < 1.0

        time.sleep(3.2)  # three intervals without a beat: the worker counts as gone
        response, took = _timed_readyz(client)

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"] == "ok"
    assert body["checks"]["worker"] == "failing: no worker heartbeat in the last 3 seconds"
    assert took < 1.0


@pytest.mark.django_db
def test_readyz_heartbeat_of_one_worker_outlives_another_stopping(client):
    worker_heartbeat_record(app, hostname="default@worker-1")
    worker_heartbeat_record(app, hostname="default@worker-2")
    worker_heartbeat_clear(app, hostname="default@worker-1")

    assert workers_alive(app, timeout=1) == ["default@worker-2"]
    assert client.get("/readyz").status_code == 200


@pytest.mark.django_db
def test_readyz_heartbeat_broker_unreachable_names_the_broker(client, monkeypatch):
    worker_heartbeat_record(app, hostname="default@worker-1")  # on the real broker
    # Nothing listens on port 1 of the loopback address.
    monkeypatch.setattr(health, "celery_app", Celery("unreachable", broker="redis://127.0.0.1:1/0"))
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.5)

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["broker", "worker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("failing: ")
    assert body["checks"]["worker"] == "failing: broker unreachable"
