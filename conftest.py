"""Fixtures for the whole suite."""

import pytest
from rest_framework.test import APIClient

from partnership.models import Role
from partnership.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _cache_emptied():
    """Each test starts with an empty cache: what one test kept (reference data, counts)
    was read from rows its rollback removed."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def practitioner(db):
    return UserFactory(role=Role.PRACTITIONER)


@pytest.fixture
def caseworker(db):
    return UserFactory(role=Role.CASEWORKER)


@pytest.fixture
def commissioner(db):
    return UserFactory(role=Role.COMMISSIONER)


def _reference_data_loaded() -> None:
    """The data migrations load (regions, PDUs, categories, the first data-sharing
    agreement), loaded again if a flush emptied it."""
    from django.apps import apps

    from partnership.models import Region
    from partnership.reference import load_reference_data
    from providers.agreement import publish_first_agreement

    if not Region.objects.exists():
        load_reference_data(apps)
        publish_first_agreement(apps)


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes commit (for worker threads and the live server).

    The flush after each transactional test empties every table, the data that
    migrations load included, so it is loaded again when missing.
    """
    _reference_data_loaded()


def _transactional(item: pytest.Item) -> bool:
    """Whether the test commits (pytest-django's own test: flushed after, not rolled back)."""
    fixtures = getattr(item, "fixturenames", ())
    if "transactional_db" in fixtures or "live_server" in fixtures:
        return True
    marker = item.get_closest_marker("django_db")
    return bool(
        marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that commits, its flush has emptied every table, reference data
    included. pytest-django runs such tests after the others, but a suite process that
    takes work from another's queue (`--dist worksteal`) can be handed ordinary tests after
    them, which would find no regions: load the reference data again straight away."""
    yield
    if _transactional(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            _reference_data_loaded()


@pytest.fixture
def celery_worker_thread(committed_db):
    """A real Celery worker on the configured Redis broker, in a thread of this process.

    It consumes both queues; leftovers from earlier runs are purged first so that
    only this test's tasks run. The data it reads must be committed (committed_db).
    """
    from celery.contrib.testing.worker import start_worker

    from partnership.celery import app

    app.control.purge()
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        perform_ping_check=False,
        queues=["default", "alerts"],
        shutdown_timeout=10,
    ) as worker:
        yield worker


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy; fail after `timeout` seconds."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {predicate}")


@pytest.fixture
def standin(settings):
    """The stand-in probation case record (tooling/caserecord_standin.py) on a free port,
    seeded with the demo's people; the portal's case record is it, over HTTP."""
    from django.core.cache import cache

    from tooling.caserecord_standin import CaseRecordStandIn, environ, serve

    record = CaseRecordStandIn()
    server = serve(record)
    for key, value in environ(f"http://127.0.0.1:{server.server_address[1]}").items():
        setattr(settings, key, value)
    settings.CASE_RECORD_READ_TIMEOUT_SECONDS = 0.5
    settings.CASE_RECORD_BACKOFF_SECONDS = 0
    # No token or open circuit from another test.
    cache.clear()
    yield record
    server.shutdown()
    server.server_close()
    cache.clear()
