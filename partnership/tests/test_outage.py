"""With the database or the broker out of reach, clients get a 503 with `Retry-After` (a
problem document from the API, the "Sorry, the service is unavailable" page elsewhere),
never a 500; programming errors stay 500s; and the portal answers again once it is back.

The database is made unreachable the way a restart looks to the portal: its connection
points at a loopback port where nothing listens (connection refused). A real Postgres
stopped under a live server is tooling/tests/test_outage_real_postgres.py.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager
from unittest import mock

import pytest
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    ProgrammingError,
    connections,
)
from django.test import Client
from kombu.exceptions import OperationalError as BrokerOperationalError

from partnership.api.exceptions import PROBLEM_CONTENT_TYPE
from partnership.models import Role
from partnership.tests.factories import PASSWORD, UserFactory, issue_token
from providers.tests.factories import make_service
from referrals.models import Referral, Status

SORRY = "Sorry, the service is unavailable"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def database_unreachable():
    """The portal's connection pointed at a loopback port where nothing listens."""
    connection = connections["default"]
    connection.close()
    saved = dict(connection.settings_dict)
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _assert_api_unavailable(response) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response["Retry-After"] == "30"
    body = response.json()
    assert body["status"] == 503
    assert body["type"].endswith("/service-unavailable")
    assert body["title"] == "Service Unavailable"


def _assert_page_unavailable(response) -> None:
    assert response.status_code == 503, response.content[:500]
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    assert SORRY in response.content.decode()
    assert "no-store" in response["Cache-Control"]


@pytest.fixture
def signed_in(committed_db, settings):
    """A practitioner with a write token and a signed-in browser, all committed first."""
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER = 30
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    _, raw = issue_token(practitioner, scope="write")
    browser = Client(raise_request_exception=False)
    browser.force_login(practitioner)
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    return practitioner, service, browser, api


def test_outage_503_api_list_and_write_with_the_database_unreachable(signed_in):
    practitioner, service, _, api = signed_in
    with database_unreachable():
        # The bearer token is looked up first, in DRF's authentication.
        _assert_api_unavailable(api.get("/api/v1/referrals/"))
        _assert_api_unavailable(
            api.post(
                "/api/v1/referrals/",
                {"service": service.pk, "crn": "X600001"},
                content_type="application/json",
            )
        )
        # The browser's session, looked up by session authentication.
        browser_api = Client(raise_request_exception=False)
        browser_api.cookies = signed_in[2].cookies
        _assert_api_unavailable(browser_api.get("/api/v1/me/"))
    # Back: the same requests work, and nothing was written while it was out.
    assert api.get("/api/v1/referrals/").status_code == 200
    created = api.post(
        "/api/v1/referrals/",
        {"service": service.pk, "crn": "X600001"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert Referral.objects.filter(practitioner=practitioner).count() == 1


def test_outage_503_pages_and_sign_in_with_the_database_unreachable(signed_in):
    practitioner, _, browser, _ = signed_in
    with database_unreachable():
        # The session is read by the authentication middleware, before any view.
        _assert_page_unavailable(browser.get("/referrals/"))
        _assert_page_unavailable(browser.get("/"))
        signing_in = Client(raise_request_exception=False).post(
            "/sign-in/", {"username": practitioner.email, "password": PASSWORD}
        )
        _assert_page_unavailable(signing_in)
    assert browser.get("/referrals/").status_code == 200
    signing_in = Client().post("/sign-in/", {"username": practitioner.email, "password": PASSWORD})
    assert signing_in.status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
        BrokerOperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["database", "closed-connection", "broker", "refused"],
)
def test_outage_503_raised_in_a_view(failure, settings):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER = 30
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    _, raw = issue_token(practitioner, scope="write")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    browser = Client(raise_request_exception=False)
    browser.force_login(practitioner)
    with mock.patch("referrals.services.referral_start", side_effect=failure):
        _assert_api_unavailable(
            api.post(
                "/api/v1/referrals/",
                {"service": service.pk, "crn": "X600002"},
                content_type="application/json",
            )
        )
    with mock.patch("referrals.selectors.referral_list_visible_to", side_effect=failure):
        _assert_page_unavailable(browser.get("/referrals/"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "failure",
    [ProgrammingError("relation does not exist"), IntegrityError("duplicate key"), KeyError("x")],
    ids=["programming", "integrity", "bug"],
)
def test_outage_503_never_masks_a_programming_error(failure):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service()
    _, raw = issue_token(practitioner, scope="write")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    browser = Client(raise_request_exception=False)
    browser.force_login(practitioner)
    with mock.patch("referrals.services.referral_start", side_effect=failure):
        failed = api.post(
            "/api/v1/referrals/",
            {"service": service.pk, "crn": "X600003"},
            content_type="application/json",
        )
    assert failed.status_code == 500
    assert "Retry-After" not in failed
    with mock.patch("referrals.selectors.referral_list_visible_to", side_effect=failure):
        page = browser.get("/referrals/")
    assert page.status_code == 500
    assert SORRY not in page.content.decode()


@pytest.mark.django_db
def test_outage_503_not_for_a_broker_outage_when_sending_a_referral(
    django_capture_on_commit_callbacks,
):
    """Sending needs no broker: the recompute is recorded and sent later."""
    from partnership.tests.outages import redis_unreachable, referral_ready_to_send

    referral = referral_ready_to_send()
    _, raw = issue_token(referral.practitioner, scope="write")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")
    with redis_unreachable(), django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"/api/v1/referrals/{referral.public_id}/send/")
    assert sent.status_code == 200, sent.content
    referral.refresh_from_db()
    assert referral.status == Status.SENT
