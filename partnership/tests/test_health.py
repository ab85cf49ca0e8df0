"""/healthz and /readyz, against the real database, broker and worker."""

import pytest
from celery import Celery
from django.db import OperationalError, connection

from partnership import health


@pytest.mark.django_db
def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.celery
def test_readyz_is_200_when_database_broker_and_worker_answer(client, celery_worker_thread):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_readyz_names_a_dead_worker(client, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.5)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"] == "ok"
    assert "no worker" in body["checks"]["worker"]


@pytest.mark.django_db
def test_readyz_names_a_dead_broker(client, monkeypatch):
    # Nothing listens on port 1 of the loopback address.
    unreachable = Celery("unreachable", broker="redis://127.0.0.1:1/0")
    monkeypatch.setattr(health, "celery_app", unreachable)
    monkeypatch.setattr(health, "CHECK_TIMEOUT", 0.5)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert "broker" in body["failing"]
    assert body["checks"]["broker"].startswith("failing")
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_readyz_names_a_dead_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    monkeypatch.setattr(health, "check_worker", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database"]
