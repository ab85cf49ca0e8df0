"""Sessions: a new key at sign-in, idle and absolute timeouts enforced on the server,
sign-out and deactivation ending sessions."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session

from partnership.models import Role, UserSession
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client, user):
    response = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def test_sign_in_gives_the_session_a_new_key_and_records_it():
    from django.test import Client

    client = Client()
    user = UserFactory()
    before = client.session  # an anonymous session, as a visitor might already have
    before["seen_sign_in_page"] = True
    before.save()

    key = sign_in(client, user)

    assert key != before.session_key
    assert not session_exists(before.session_key)
    assert session_exists(key)
    assert UserSession.objects.get(session_key=key).user == user


def test_a_session_idle_for_31_minutes_is_gone(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(client, user)
        assert client.get("/").status_code == 200

        traveller.shift(timedelta(minutes=31))
        response = client.get("/referrals/")

        assert response.status_code == 302
        assert response["Location"] == "/sign-in/?next=/referrals/"
        assert not session_exists(key)
        assert not UserSession.objects.filter(user=user).exists()
        page = client.get(response["Location"]).content.decode()
        assert "You were signed out because you had not used the portal for 30 minutes" in page

        # The old cookie is worth nothing now: the next request is anonymous.
        client.cookies[settings.SESSION_COOKIE_NAME] = key
        home = client.get("/")
        assert home.status_code == 302 and home["Location"].startswith("/sign-in/")


def test_using_the_portal_keeps_the_session_alive(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(client, user)
        for _ in range(4):
            traveller.shift(timedelta(minutes=29))
            assert client.get("/").status_code == 200
        assert session_exists(key)


def test_a_session_ends_12_hours_after_sign_in_however_busy(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(client, user)
        for _ in range(int(11.9 * 60 // 20)):
            traveller.shift(timedelta(minutes=20))
            assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=20))  # now past 12 hours

        response = client.get("/")
        assert response.status_code == 302
        assert not session_exists(key)
        page = client.get(response["Location"]).content.decode()
        assert "had been signed in for 12 hours" in page


def test_the_idle_timeout_is_a_setting(client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 5 * 60
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(timedelta(minutes=6))
        assert client.get("/").status_code == 302


def test_an_api_request_in_an_expired_session_is_unauthenticated_not_redirected(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        key = sign_in(client, user)
        assert client.get("/api/v1/me/").status_code == 200
        traveller.shift(timedelta(minutes=31))
        response = client.get("/api/v1/me/")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert not session_exists(key)


def test_sign_out_ends_the_session_on_the_server(client):
    user = UserFactory()
    key = sign_in(client, user)

    response = client.post("/sign-out/")

    assert response.status_code == 302
    assert not session_exists(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = key  # replaying the old cookie
    assert client.get("/").status_code == 302


def test_deactivating_a_member_of_staff_ends_their_sessions(client):
    from django.test import Client

    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    member = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    laptop, phone = Client(), Client()
    keys = [sign_in(laptop, member), sign_in(phone, member)]
    assert laptop.get("/").status_code == 200

    client.force_login(admin)
    client.post(f"/organisation/staff/{member.pk}/active/", {"active": "0"})

    assert not any(session_exists(key) for key in keys)
    assert not UserSession.objects.filter(user=member).exists()
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302


def test_deactivating_a_user_any_other_way_ends_their_sessions_too(client):
    user = UserFactory()
    other = UserFactory()
    key = sign_in(client, user)
    from django.test import Client

    other_key = sign_in(Client(), other)

    user.is_active = False
    user.save()

    assert not session_exists(key)
    assert session_exists(other_key)  # nobody else is signed out


def test_a_signed_in_session_without_a_sign_in_time_is_ended(client):
    user = UserFactory()
    key = sign_in(client, user)
    session = client.session
    del session["signed_in_at"]  # as a session from before these rules would be
    session.save()

    response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/sign-in/?next=/"
    assert not session_exists(key)


def test_an_expired_session_opening_the_sign_in_page_sees_it_with_the_reason(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(timedelta(minutes=45))
        response = client.get("/sign-in/")
    assert response.status_code == 200
    assert "had not used the portal for 30 minutes" in response.content.decode()


def test_a_deactivated_users_session_gives_no_user(client):
    user = UserFactory()
    sign_in(client, user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.get("/referrals/")

    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")
