"""Two-factor sign-in's protections: recovery codes kept only as hashes, a lockout after
too many wrong codes that service support lifts, and turning it off only with the password
and a fresh code."""

import importlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnership import auth
from partnership.models import RecoveryCode, Role, TwoFactorLockout
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
LOCKED = "Your account is locked"


@pytest.fixture
def required(settings):
    settings.TWO_FACTOR_REQUIRED = True
    settings.TWO_FACTOR_FAILURE_LIMIT = 10


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(int(code_for(device)) + 1) % 1_000_000:06d}"


def with_app(user) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    device.codes = auth.recovery_codes_make(user=user)
    return device


def sign_in(client, user):
    return client.post("/sign-in/", {"username": user.email, "password": PASSWORD})


def text_columns_holding(value: str) -> list[str]:
    """Every text column of every table in the database that holds `value` anywhere."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}" ILIKE %s LIMIT 1',  # noqa: S608
                [f"%{value}%"],
            )
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found


def wrong_tries(client, device, count: int, clock) -> None:
    """`count` wrong codes, half from the app and half as recovery codes, each after the
    pause the one before brought."""
    for n in range(count):
        if n % 2:
            response = client.post("/sign-in/two-factor/recovery-code/", {"code": "zzzz9999"})
        else:
            response = client.post("/sign-in/two-factor/", {"code": wrong_code_for(device)})
        assert response.status_code in (200, 403)
        clock.shift(timedelta(seconds=2 ** (n // 2) + 1))


# Recovery codes are stored hashed -------------------------------------------------------


def test_data_protection_the_database_holds_no_recovery_code_in_plain_text(client, clock):
    user = UserFactory()
    client.force_login(user)
    client.get("/account/two-factor/set-up/")
    device = TOTPDevice.objects.get(user=user)
    response = client.post("/account/two-factor/set-up/", {"code": code_for(device)})
    shown_page = client.get(response["Location"]).content.decode()
    codes = auth.recovery_codes_make(user=user)

    assert codes[0] not in shown_page  # the page showed the first set, not this one
    assert not StaticToken.objects.exists()
    assert RecoveryCode.objects.filter(device__user=user).count() == 10
    for code in codes:
        assert text_columns_holding(code) == [], code
    # Shown once: the page is gone after it was shown.
    assert client.get("/account/recovery-codes/")["Location"] == "/account/security/"
    # And the hashed codes still work, once each.
    assert auth.recovery_code_check(user=user, code=codes[3]) is not None
    assert auth.recovery_codes_left(user=user) == 9


def test_data_protection_a_used_code_and_a_near_miss_are_refused(clock):
    user = UserFactory()
    codes = with_app(user).codes
    assert auth.recovery_code_check(user=user, code=codes[0]) is not None
    clock.shift(timedelta(seconds=5))
    assert auth.recovery_code_check(user=user, code=codes[0]) is None
    clock.shift(timedelta(seconds=5))
    assert auth.recovery_code_check(user=user, code=codes[1][:-1]) is None
    assert auth.recovery_codes_left(user=user) == 9


def test_data_protection_the_migration_hashes_codes_already_given(clock):
    user = UserFactory()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token="abcd2345"), StaticToken(device=device, token="efgh6723")]
    )
    migration = importlib.import_module("partnership.migrations.0006_hashed_recovery_codes")

    migration.hash_existing_codes(apps, None)

    assert not StaticToken.objects.exists()
    assert text_columns_holding("abcd2345") == []
    assert auth.recovery_codes_left(user=user) == 2
    assert auth.recovery_code_check(user=user, code="efgh6723") is not None
    assert auth.recovery_codes_left(user=user) == 1


# Lockout after too many wrong codes --------------------------------------------------------


def test_data_protection_the_eleventh_code_is_refused_even_when_right(client, required, clock):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)

    wrong_tries(client, device, 10, clock)

    for path, code in (
        ("/sign-in/two-factor/", code_for(device)),
        ("/sign-in/two-factor/recovery-code/", device.codes[0]),
    ):
        refused = client.post(path, {"code": code})
        assert refused.status_code == 403
        page = refused.content.decode()
        assert LOCKED in page and "Contact service support" in page
        # Nothing more: not why, how many, nor whether the code was right.
        for said in ("wrong", "not right", "10", "too many"):
            main = page.split("<main")[1].split("</main>")[0]
            # What the page says, not its markup: a CSRF token may hold any digits.
            words = re.sub(r"<[^>]*>", " ", main).lower()
            assert said not in words, said
    assert client.get("/").status_code == 302
    assert auth.recovery_codes_left(user=user) == 10  # the right code was never checked

    # A new sign-in, from anywhere, meets the same lock.
    clock.shift(timedelta(hours=2))
    elsewhere = Client()
    sign_in(elsewhere, user)
    assert LOCKED in elsewhere.get("/sign-in/two-factor/").content.decode()
    assert elsewhere.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 403


def test_data_protection_nine_wrong_codes_then_a_right_one_start_the_count_again(
    client, required, clock
):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    wrong_tries(client, device, 9, clock)
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 302
    assert not TwoFactorLockout.objects.filter(user=user).exists()

    client.post("/sign-out/")
    clock.shift(timedelta(seconds=31))
    sign_in(client, user)
    wrong_tries(client, device, 9, clock)
    assert not auth.two_factor_locked(user=user)
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 302


def test_data_protection_service_support_unlocks_from_the_user_admin(
    client, required, settings, clock
):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    wrong_tries(client, device, 10, clock)
    assert auth.two_factor_locked(user=user)

    # Support's own sign-in is not what is tested here.
    settings.TWO_FACTOR_REQUIRED = False
    support = Client()
    support.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    response = support.post(
        "/django-admin/partnership/user/",
        {"action": "two_factor_unlock", "_selected_action": [user.pk]},
    )
    settings.TWO_FACTOR_REQUIRED = True
    assert response.status_code == 302
    assert not auth.two_factor_locked(user=user)

    clock.shift(timedelta(seconds=31))
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_data_protection_the_unlock_command_restores_sign_in(client, required, clock):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    wrong_tries(client, device, 10, clock)
    assert client.post("/sign-in/two-factor/", {"code": code_for(device)}).status_code == 403

    call_command("two_factor_unlock", user.email.upper())

    clock.shift(timedelta(seconds=31))
    response = client.post("/sign-in/two-factor/recovery-code/", {"code": device.codes[0]})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


# Turning two-factor sign-in off -------------------------------------------------------------


def signed_in_with_app(client, clock):
    user = UserFactory()
    device = with_app(user)
    sign_in(client, user)
    client.post("/sign-in/two-factor/", {"code": code_for(device)})
    clock.shift(timedelta(seconds=31))  # the next code from the app
    return user, device


def test_least_privilege_turning_two_factor_off_is_refused_without_a_fresh_code(client, clock):
    user, device = signed_in_with_app(client, clock)

    page = client.get("/account/two-factor/turn-off/")
    assert page.status_code == 200
    assert 'name="password"' in page.content.decode() and 'name="code"' in page.content.decode()

    attempts = [
        {},  # the old single click
        {"password": PASSWORD},
        {"code": code_for(device)},
        {"password": "not-the-password", "code": code_for(device)},
        {"password": PASSWORD, "code": wrong_code_for(device)},
        {"password": PASSWORD, "code": "zzzz9999"},
    ]
    for data in attempts:
        clock.shift(timedelta(seconds=40))
        response = client.post("/account/two-factor/turn-off/", data)
        assert response.status_code == 200, data
        assert "govuk-error-summary" in response.content.decode(), data
        assert TOTPDevice.objects.filter(user=user).exists(), data
        assert auth.recovery_codes_left(user=user) == 10, data


def test_least_privilege_turning_two_factor_off_works_with_password_and_app_code(client, clock):
    user, device = signed_in_with_app(client, clock)
    response = client.post(
        "/account/two-factor/turn-off/", {"password": PASSWORD, "code": code_for(device)}
    )
    assert response.status_code == 302 and response["Location"] == "/account/security/"
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(device__user=user).exists()


def test_least_privilege_turning_two_factor_off_works_with_a_recovery_code(client, clock):
    user, device = signed_in_with_app(client, clock)
    response = client.post(
        "/account/two-factor/turn-off/", {"password": PASSWORD, "code": device.codes[4].upper()}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_least_privilege_wrong_codes_to_turn_it_off_count_towards_the_lockout(
    client, settings, clock
):
    settings.TWO_FACTOR_FAILURE_LIMIT = 3
    user, device = signed_in_with_app(client, clock)
    for _ in range(3):
        client.post("/account/two-factor/turn-off/", {"password": PASSWORD, "code": "000000"})
        clock.shift(timedelta(seconds=10))
    refused = client.post(
        "/account/two-factor/turn-off/", {"password": PASSWORD, "code": code_for(device)}
    )
    assert LOCKED in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()
