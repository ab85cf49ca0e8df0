"""With Redis down, pages and the API keep working and a referral is still sent; the
recompute it asks for is recorded and sent once the broker is back. With no worker, or no
broker, `/readyz` says which.

Redis is made unreachable the way an outage looks to the portal: the broker URL and the
cache point at a loopback port where nothing listens.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from conftest import wait_for
from notifications.models import Notification, PendingTask
from notifications.services import pending_tasks_send_due
from partnership import health
from partnership.cache import count_in_window
from partnership.celery import app
from partnership.tests.factories import PASSWORD, issue_token
from partnership.tests.outages import (
    RECOMPUTE,
    UNREACHABLE_REDIS_URL,
    redis_unreachable,
    referral_ready_to_send,
)

# Redis down -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_cache_treats_an_unreachable_redis_as_a_miss(caplog):
    with redis_unreachable(), caplog.at_level(logging.WARNING, logger="partnership.cache"):
        assert app.conf.broker_url == UNREACHABLE_REDIS_URL
        cache.set("directory-page", "cached", 60)
        assert cache.get("directory-page") is None
        assert cache.get("directory-page", "default") == "default"
        assert cache.add("directory-page", "cached") is False
        assert cache.get_or_set("directory-page", "computed") == "computed"
        assert cache.get_many(["a", "b"]) == {}
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert count_in_window(cache, "window", 30) == 1  # every request counts as the first
        cache.delete("directory-page")
    assert any("Redis unavailable (ConnectionError)" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_cache_works_when_redis_answers():
    live = {
        "default": {
            "BACKEND": "partnership.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "test_failure",
        }
    }
    with override_settings(CACHES=live):
        cache.set("answer", 42, 30)
        assert cache.get("answer") == 42
        assert cache.incr("answer") == 43
        cache.delete("answer")
        # A rate limit's count: one trip, the window's timeout set by the first count only.
        cache.delete("window")
        assert [count_in_window(cache, "window", 30) for _ in range(3)] == [1, 2, 3]
        assert cache.get("window") == 3
        client = cache._cache.get_client(write=False)
        assert 0 < client.ttl(cache.make_key("window")) <= 30
        cache.delete("window")


@pytest.mark.django_db
def test_pages_the_api_and_sending_a_referral_work_with_redis_down(
    client, api_client, django_capture_on_commit_callbacks, caplog
):
    referral = referral_ready_to_send()
    practitioner = referral.practitioner
    _, token = issue_token(practitioner, scope="write")
    client.force_login(practitioner)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with redis_unreachable(), caplog.at_level(logging.WARNING):
        signing_in = Client().post(
            "/sign-in/", {"username": practitioner.email, "password": PASSWORD}
        )
        assert signing_in.status_code == 302
        for url in ("/", "/referrals/", "/services/", f"/referrals/{referral.public_id}/"):
            assert client.get(url).status_code == 200, url
        api_list = api_client.get("/api/v1/referrals/")
        assert api_list.status_code == 200
        assert [r["id"] for r in api_list.json()["results"]] == [str(referral.public_id)]

        with django_capture_on_commit_callbacks(execute=True):
            sent = api_client.post(f"/api/v1/referrals/{referral.public_id}/send/")
        assert sent.status_code == 200, sent.content
        assert sent.json()["status"] == "sent"

        ready = client.get("/readyz")

    referral.refresh_from_db()
    assert referral.status == "sent"
    # The provider is told in the portal; the email waits for the stalled-email sweep.
    email = Notification.objects.get(kind="referral_sent")
    assert email.email_status == Notification.EmailStatus.PENDING
    # The recompute the sending asked for is recorded, not lost.
    recorded = PendingTask.objects.get()
    assert (recorded.task_name, recorded.args) == (
        RECOMPUTE,
        [referral.service_id, recorded.args[1]],
    )

    assert ready.status_code == 503
    assert ready.json()["failing"] == ["broker", "worker"]
    assert ready.json()["checks"]["database"] == "ok"

    messages = [r.getMessage() for r in caplog.records]
    assert any("Capacity recompute" in m and "OperationalError" in m for m in messages)
    assert any("Email for notification" in m for m in messages)
    assert not any(referral.crn in m or "Jordan" in m for m in messages)


@pytest.mark.django_db
def test_sending_a_referral_from_its_page_works_with_redis_down(
    client, django_capture_on_commit_callbacks
):
    referral = referral_ready_to_send()
    client.force_login(referral.practitioner)

    with redis_unreachable(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/referrals/{referral.public_id}/check/")

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "sent"
    assert PendingTask.objects.filter(task_name=RECOMPUTE).count() == 1


@pytest.mark.django_db
def test_a_recorded_task_is_forgotten_once_the_broker_takes_it(django_capture_on_commit_callbacks):
    from referrals import services as referral_services

    referral = referral_ready_to_send()
    with (
        mock.patch.object(app, "send_task") as send_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        referral_services.referral_send(referral=referral, by=referral.practitioner)

    assert send_task.call_args.args == (RECOMPUTE,)
    assert not PendingTask.objects.exists()


@pytest.mark.celery
def test_a_recompute_recorded_while_the_broker_was_down_runs_once_it_is_back(
    committed_db, api_client
):
    """End to end, with real commits: the referral is sent through the API during the
    outage; once Redis answers, the sweep hands the recorded recompute to a real worker,
    which raises the service's alert."""
    from celery.contrib.testing.worker import start_worker

    from capacity.models import Alert

    referral = referral_ready_to_send()
    _, token = issue_token(referral.practitioner, scope="write")
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with redis_unreachable():
        sent = api_client.post(f"/api/v1/referrals/{referral.public_id}/send/")
    assert sent.status_code == 200, sent.content
    assert PendingTask.objects.filter(task_name=RECOMPUTE).exists()
    assert not Alert.objects.filter(service=referral.service).exists()

    app.control.purge()
    with start_worker(app, pool="solo", perform_ping_check=False, queues=["default", "alerts"]):
        assert pending_tasks_send_due(older_than=timedelta(0)) == 1
        alert = wait_for(
            lambda: Alert.objects.filter(service=referral.service, rule="unfunded_demand").first()
        )
    assert alert.status == "open"
    assert not PendingTask.objects.exists()


# Worker down --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_readyz_names_the_worker_when_redis_answers_but_no_worker_consumes(client):
    with mock.patch.object(health, "CHECK_TIMEOUT", 0.5):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["broker"] == "ok" and body["checks"]["database"] == "ok"


def test_sessions_and_lockouts_keep_no_state_in_redis():
    from django.conf import settings

    from partnership.settings import base

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    handler = getattr(settings, "AXES_HANDLER", "axes.handlers.database.AxesDatabaseHandler")
    assert handler == "axes.handlers.database.AxesDatabaseHandler"
    assert base.CACHES["default"]["BACKEND"] == "partnership.cache.ResilientRedisCache"
