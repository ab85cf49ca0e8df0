"""Lockout (django-axes): 10 failed sign-ins within 5 minutes pause sign-in for that email
address and, separately, for that client address; nothing says whether an account exists."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from partnership.services import api_token_issue
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client, email, password, address="192.0.2.10"):
    return client.post("/sign-in/", {"username": email, "password": password}, REMOTE_ADDR=address)


def main_content(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_the_eleventh_attempt_is_refused_even_with_the_right_password_until_the_window_passes(
    client,
):
    UserFactory(email="known@example.org")
    with time_machine.travel(START, tick=False) as traveller:
        for attempt in range(1, 11):
            response = sign_in(client, "known@example.org", f"wrong-{attempt}")
            traveller.shift(timedelta(seconds=10))
            if attempt < 10:
                assert response.status_code == 200
                assert "Enter a correct email address and password" in response.content.decode()
        assert response.status_code == 429  # the tenth failure locks

        eleventh = sign_in(client, "known@example.org", PASSWORD)
        assert eleventh.status_code == 429
        assert "Sign-in is paused" in eleventh.content.decode()
        assert not is_signed_in(client)

        traveller.shift(timedelta(minutes=4, seconds=49))  # 4:59 after the tenth failure
        assert sign_in(client, "known@example.org", PASSWORD).status_code == 429

        traveller.shift(timedelta(seconds=2))  # the window has passed
        response = sign_in(client, "known@example.org", PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/"
        assert is_signed_in(client)


def test_failures_spread_over_more_than_five_minutes_do_not_lock(client):
    UserFactory(email="known@example.org")
    with time_machine.travel(START, tick=False) as traveller:
        for attempt in range(9):
            sign_in(client, "known@example.org", f"wrong-{attempt}")
        traveller.shift(timedelta(minutes=6))
        sign_in(client, "known@example.org", "wrong-again")
        assert sign_in(client, "known@example.org", PASSWORD).status_code == 302


def test_an_account_locks_whichever_addresses_the_attempts_come_from(client):
    UserFactory(email="known@example.org")
    for attempt in range(10):
        # The same account however it is typed, from ten different addresses.
        email = "Known@Example.org " if attempt % 2 else "known@example.org"
        sign_in(client, email, "wrong", address=f"198.51.100.{attempt + 1}")
    response = sign_in(client, "known@example.org", PASSWORD, address="203.0.113.99")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_an_address_locks_whichever_accounts_it_tries(client):
    UserFactory(email="someone@example.org")
    for attempt in range(10):
        sign_in(client, f"guess{attempt}@example.org", "wrong", address="192.0.2.66")
    assert sign_in(client, "someone@example.org", PASSWORD, address="192.0.2.66").status_code == 429
    # The account itself is not locked: from elsewhere it signs in.
    assert sign_in(client, "someone@example.org", PASSWORD, address="192.0.2.67").status_code == 302


def test_the_locked_out_page_is_the_same_for_an_account_and_for_no_account(client):
    UserFactory(email="known@example.org")
    pages = {}
    for index, email in enumerate(["known@example.org", "nobody@example.org"]):
        address = f"192.0.2.{index + 20}"
        for _ in range(10):
            sign_in(client, email, "wrong", address=address)
        response = sign_in(client, email, "wrong", address=address)
        assert response.status_code == 429
        pages[email] = main_content(response)
        assert email not in response.content.decode()
    assert pages["known@example.org"] == pages["nobody@example.org"]
    assert "too many attempts to sign in" in pages["nobody@example.org"]


def test_the_api_token_is_not_locked_out(client, api_client):
    user = UserFactory(email="known@example.org")
    _, raw = api_token_issue(user=user, name="Case system")
    for _ in range(11):
        sign_in(client, "known@example.org", "wrong", address="192.0.2.30")
    response = api_client.get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="192.0.2.30"
    )
    assert response.status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    UserFactory(email="someone@example.org")
    for attempt in range(10):
        # One proxy, many clients: only the client that failed is locked out.
        client.post(
            "/sign-in/",
            {"username": f"guess{attempt}@example.org", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.40",
        )
    locked = client.post(
        "/sign-in/",
        {"username": "someone@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.40",
    )
    assert locked.status_code == 429
    other_client = client.post(
        "/sign-in/",
        {"username": "someone@example.org", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.41",
    )
    assert other_client.status_code == 302
