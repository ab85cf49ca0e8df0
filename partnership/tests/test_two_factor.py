"""Two-factor sign-in: a code from an authenticator app (TOTP) or a recovery code used once,
required for everyone when TWO_FACTOR_REQUIRED, otherwise for those who turn it on."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership import auth
from partnership.models import UserSession
from partnership.services import api_token_issue
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def with_app(user) -> TOTPDevice:
    """The user's app, with the recovery codes made for it (shown once) as `.codes`."""
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device.codes = auth.recovery_codes_make(user=user)
    return device


def sign_in(client, user, next_url=None):
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/sign-in/", data)


def session_key(client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


# The sign-in page ---------------------------------------------------------------------


def test_the_demo_sign_in_page_says_two_factor_sign_in_is_off(client):
    page = client.get("/sign-in/").content.decode()
    assert "Two-factor sign-in is off in this demo" in page


def test_the_page_says_nothing_of_the_sort_where_it_is_required(client, required):
    assert "Two-factor sign-in is off" not in client.get("/sign-in/").content.decode()


def test_without_the_demo_the_page_says_nothing_of_the_sort(client, settings):
    settings.DEMO_ENABLED = False
    assert "Two-factor sign-in is off" not in client.get("/sign-in/").content.decode()


def test_production_settings_require_it_whatever_the_environment(monkeypatch):
    import importlib
    import sys

    monkeypatch.setenv("SECRET_KEY", "s" * 50)
    monkeypatch.setenv("ALLOWED_HOSTS", "partnerships.example.org")
    monkeypatch.setenv("TWO_FACTOR_REQUIRED", "false")
    sys.modules.pop("partnership.settings.production", None)
    try:
        production = importlib.import_module("partnership.settings.production")
    finally:
        sys.modules.pop("partnership.settings.production", None)
    assert production.TWO_FACTOR_REQUIRED is True
    assert production.DEMO_ENABLED is False  # so the sign-in page's demo note never shows


# Setting it up at sign-in ---------------------------------------------------------------


def test_where_required_a_user_without_an_app_sets_one_up_before_anything_else(
    client, required, clock
):
    user = UserFactory()
    response = sign_in(client, user, next_url="/notifications/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/set-up/?next=%2Fnotifications%2F"

    for path in ("/", "/notifications/", "/account/api-tokens/", "/account/security/"):
        gated = client.get(path)
        assert gated.status_code == 302, path
        assert gated["Location"].startswith("/account/two-factor/set-up/?next=")

    page = client.get(response["Location"]).content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert re.search(r'<svg role="img"[^>]*class="app-qr-code"', page)  # inline, nothing fetched
    assert "<img" not in page.split('data-testid="qr-code"')[1].split("</div>")[0]
    assert auth.totp_secret_for_display(device) in page
    assert 'class="govuk-service-navigation' not in page

    wrong = client.post(
        "/account/two-factor/set-up/", {"code": "000000", "next": "/notifications/"}
    )
    assert "The code is not right" in wrong.content.decode()
    assert "govuk-error-summary" in wrong.content.decode()

    clock.shift(timedelta(seconds=30))  # past the throttle's pause after a wrong code
    before = session_key(client)
    done = client.post(
        "/account/two-factor/set-up/", {"code": code_for(device), "next": "/notifications/"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/account/recovery-codes/?next=%2Fnotifications%2F"
    device.refresh_from_db()
    assert device.confirmed
    assert session_key(client) != before  # a new key once the second factor is given
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(session_key=session_key(client), user=user).exists()

    codes_page = client.get(done["Location"]).content.decode()
    shown = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", codes_page)
    assert len(shown) == 10
    assert auth.recovery_codes_left(user=user) == 10
    assert 'href="/notifications/"' in codes_page
    # Shown once: a reload shows no codes.
    assert client.get("/account/recovery-codes/")["Location"] == "/account/security/"
    assert client.get("/notifications/").status_code == 200


def test_an_app_cannot_be_swapped_by_someone_with_only_the_password(client, required):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)

    response = client.get("/account/two-factor/set-up/")

    assert response["Location"].startswith("/sign-in/two-factor/")
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


# Signing in with a code -----------------------------------------------------------------


def test_a_user_with_an_app_enters_its_code_after_the_password(client, required, clock):
    user = UserFactory()
    device = with_app(user)

    response = sign_in(client, user, next_url="/notifications/")
    assert response["Location"] == "/sign-in/two-factor/?next=%2Fnotifications%2F"
    assert client.get("/").status_code == 302
    before = session_key(client)

    page = client.get(response["Location"]).content.decode()
    assert "Enter the code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page

    wrong = client.post("/sign-in/two-factor/", {"code": "123456", "next": "/notifications/"})
    assert "The code is not right" in wrong.content.decode()
    assert "<title>Error: " in wrong.content.decode()
    clock.shift(timedelta(seconds=30))

    verified = client.post(
        "/sign-in/two-factor/", {"code": code_for(device), "next": "/notifications/"}
    )
    assert verified.status_code == 302 and verified["Location"] == "/notifications/"
    assert session_key(client) != before
    assert not Session.objects.filter(session_key=before).exists()
    assert client.get("/").status_code == 200


def test_a_code_is_accepted_once(client, required, clock):
    user = UserFactory()
    device = with_app(user)
    code = code_for(device)
    sign_in(client, user)
    assert client.post("/sign-in/two-factor/", {"code": code}).status_code == 302

    other = Client()
    sign_in(other, user)
    clock.shift(timedelta(seconds=5))
    replay = other.post("/sign-in/two-factor/", {"code": code})
    assert replay.status_code == 200
    assert "The code is not right" in replay.content.decode()


def test_wrong_codes_slow_down_further_tries(client, required, clock):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    for pause in (1, 2, 0):  # each wrong code doubles the pause before the next try
        wrong = client.post("/sign-in/two-factor/", {"code": "000000"})
        assert "The code is not right" in wrong.content.decode()
        clock.shift(timedelta(seconds=pause))

    # Even the right code is refused during the pause that three wrong ones bring.
    refused = client.post("/sign-in/two-factor/", {"code": code_for(device)})
    assert "You have entered too many wrong codes" in refused.content.decode()
    assert client.get("/").status_code == 302

    clock.shift(timedelta(seconds=4))
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 302


def test_a_recovery_code_signs_in_once(client, required):
    user = UserFactory()
    first = with_app(user).codes[0]

    sign_in(client, user)
    page = client.get("/sign-in/two-factor/").content.decode()
    assert 'href="/sign-in/two-factor/recovery-code/?next=/"' in page
    before = session_key(client)
    response = client.post("/sign-in/two-factor/recovery-code/", {"code": first.upper()})
    assert response.status_code == 302 and response["Location"] == "/"
    assert session_key(client) != before
    assert "9 recovery codes left" in client.get("/").content.decode()

    again = Client()
    sign_in(again, user)
    reused = again.post("/sign-in/two-factor/recovery-code/", {"code": first})
    assert "The recovery code is not right, or has been used" in reused.content.decode()
    assert again.get("/").status_code == 302


def test_a_second_recovery_code_works_after_the_first_is_used(client, required, clock):
    user = UserFactory()
    first, second = with_app(user).codes[:2]
    sign_in(client, user)
    client.post("/sign-in/two-factor/recovery-code/", {"code": first})
    client.post("/sign-out/")
    clock.shift(timedelta(seconds=2))

    sign_in(client, user)
    assert client.post("/sign-in/two-factor/recovery-code/", {"code": second}).status_code == 302


def test_only_the_two_factor_steps_and_sign_out_are_open_before_the_code(client, required):
    user = UserFactory()
    with_app(user)
    sign_in(client, user)
    for path in ("/", "/referrals/", "/notifications/", "/account/security/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/sign-in/two-factor/"), path
    # The footer's pages are for everyone, before the second step too.
    for path in ("/help/", "/accessibility/", "/privacy/", "/cookies/"):
        assert client.get(path).status_code == 200, path
    assert client.post("/account/recovery-codes/new/").status_code == 302
    assert client.post("/sign-out/")["Location"] == "/signed-out/"
    assert client.get("/")["Location"].startswith("/sign-in/?next=")


# The API --------------------------------------------------------------------------------


def test_the_api_answers_a_session_without_its_second_factor_as_unauthenticated(
    client, required, clock
):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)

    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401

    client.post("/sign-in/two-factor/", {"code": code_for(device)})
    assert client.get("/api/v1/me/").status_code == 200


def test_bearer_tokens_are_unaffected(api_client, required):
    user = UserFactory()  # no app set up, and two-factor sign-in required
    _, raw = api_token_issue(user=user, name="Case system")
    response = api_client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["email"] == user.email


# Turning it on and off where it is not required --------------------------------------------


def test_a_user_turns_it_on_from_their_account_and_is_then_asked_for_a_code(client, clock):
    user = UserFactory()
    sign_in(client, user)
    other_device = Client()
    sign_in(other_device, user)
    page = client.get("/account/security/").content.decode()
    assert "Off" in page and 'href="/account/two-factor/set-up/"' in page

    client.get("/account/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/account/two-factor/set-up/", {"code": code_for(device)})
    assert response.status_code == 302
    assert len(re.findall(r"<li><code>", client.get(response["Location"]).content.decode())) == 10
    # Sessions that never gave a second factor end.
    assert other_device.get("/").status_code == 302
    assert client.get("/").status_code == 200

    client.post("/sign-out/")
    clock.shift(timedelta(seconds=30))
    assert sign_in(client, user)["Location"] == "/sign-in/two-factor/?next=%2F"
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, clock):
    user = UserFactory()
    device = with_app(user)
    old = set(device.codes)
    sign_in(client, user)
    client.post("/sign-in/two-factor/", {"code": code_for(device)})

    response = client.post("/account/recovery-codes/new/")
    shown = set(
        re.findall(
            r"<li><code>(\w+)</code></li>", client.get(response["Location"]).content.decode()
        )
    )

    assert len(shown) == 10 and not shown & old
    assert auth.recovery_code_check(user=user, code=sorted(old)[0]) is None
    clock.shift(timedelta(seconds=2))  # past the pause after a wrong code
    assert auth.recovery_code_check(user=user, code=sorted(shown)[0]) is not None


def test_it_can_be_turned_off_only_where_it_is_not_required(client, settings, clock):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    client.post("/sign-in/two-factor/", {"code": code_for(device)})

    settings.TWO_FACTOR_REQUIRED = True
    assert "Turn off two-factor sign-in" not in client.get("/account/security/").content.decode()
    client.post("/account/two-factor/turn-off/")
    assert TOTPDevice.objects.filter(user=user).exists()

    settings.TWO_FACTOR_REQUIRED = False
    client.post("/account/two-factor/turn-off/", {"password": PASSWORD, "code": device.codes[0]})
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    client.post("/sign-out/")
    assert sign_in(client, user)["Location"] == "/"


def test_without_an_app_and_not_required_the_password_is_enough(client):
    user = UserFactory()
    assert sign_in(client, user)["Location"] == "/"
    assert client.get("/").status_code == 200
