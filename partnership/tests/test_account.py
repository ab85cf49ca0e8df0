"""The account's basics: changing a password, staying signed in from the timeout warning,
the pages after signing out, the footer's pages, and where email links point."""

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from partnership.auth import LAST_SEEN_AT_KEY
from partnership.models import UserSession
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NEW_PASSWORD = "lantern orchard velvet"


def sign_in(client, user) -> str:
    response = client.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def session_exists(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


# Changing a password -------------------------------------------------------------------


def change(client, current=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        "/account/password/",
        {"old_password": current, "new_password1": new, "new_password2": again or new},
    )


def test_the_change_password_page_is_for_signed_in_users(client):
    assert client.get("/account/password/")["Location"].startswith("/sign-in/?next=")
    sign_in(client, UserFactory())
    page = client.get("/account/password/").content.decode()
    assert "Current password" in page and "Confirm new password" in page
    assert 'href="/account/password/"' in client.get("/account/security/").content.decode()


def test_a_wrong_current_password_is_an_error_and_changes_nothing(client):
    user = UserFactory()
    sign_in(client, user)

    response = change(client, current="not my password at all")

    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_old_password"' in page
    assert "Your current password is not right" in page
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("new", "again", "message"),
    [
        ("short", "short", "This password is too short"),
        ("123456789012345", "123456789012345", "This password is entirely numeric"),
        (NEW_PASSWORD, "something else entirely", "The new passwords do not match"),
        (PASSWORD, PASSWORD, "Your new password is the same as your current one"),
        ("", "", "Enter a new password"),
    ],
)
def test_a_new_password_the_rules_refuse_is_an_error(client, new, again, message):
    user = UserFactory()
    sign_in(client, user)

    response = change(client, new=new, again=again)

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(client):
    user = UserFactory()
    elsewhere = Client()
    other_key = sign_in(elsewhere, user)
    key = sign_in(client, user)
    someone_else = Client()
    someone_else_key = sign_in(someone_else, UserFactory())

    response = change(client)

    assert response.status_code == 302
    assert response["Location"] == "/account/security/"
    assert "Your password has been changed" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The other browser is signed out, on the server.
    assert not session_exists(other_key)
    assert elsewhere.get("/")["Location"].startswith("/sign-in/")
    # This one carries on, under a new key that is still recorded against the user.
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != key and not session_exists(key)
    assert client.get("/").status_code == 200
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        new_key
    ]
    # Nobody else's session is touched.
    assert session_exists(someone_else_key)
    assert someone_else.get("/").status_code == 200


# Staying signed in -----------------------------------------------------------------------


def last_seen(client) -> float:
    return client.session[LAST_SEEN_AT_KEY]


def test_stay_signed_in_starts_the_idle_time_again(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(timedelta(minutes=29))
        # Any request notes activity at most once a minute; 29 minutes in, this one does.
        response = client.post("/account/session/keep-alive/")
        assert response.status_code == 200
        assert response.json() == {
            "signed_in": True,
            "seconds_left": 30 * 60,
            "limit": "idle",
            "signed_out_at": "09:59",  # 09:29 UTC is 09:29 in London in March
            "ends_at": int((START + timedelta(minutes=59)).timestamp()),
        }
        assert last_seen(client) == (START + timedelta(minutes=29)).timestamp()

        # Within the minute a plain request would not note activity; staying signed in does.
        traveller.shift(timedelta(seconds=30))
        assert client.post("/account/session/keep-alive/").json()["seconds_left"] == 30 * 60
        assert last_seen(client) == (START + timedelta(minutes=29, seconds=30)).timestamp()

        traveller.shift(timedelta(minutes=29))
        assert client.get("/").status_code == 200  # still signed in, 58 minutes after sign-in


def test_stay_signed_in_is_a_post_and_head_extends_nothing(client):
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user)
        traveller.shift(timedelta(seconds=30))
        for method in ("head", "get"):
            response = getattr(client, method)("/account/session/keep-alive/")
            assert response.status_code == 405, method
            assert last_seen(client) == START.timestamp(), method
        traveller.shift(timedelta(minutes=30))
        assert client.get("/")["Location"].startswith("/sign-in/")


def test_stay_signed_in_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    sign_in_page = client.get("/sign-in/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_in_page.content.decode())
    user = UserFactory()
    response = client.post(
        "/sign-in/",
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302
    assert client.post("/account/session/keep-alive/").status_code == 403
    page = client.get("/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post("/account/session/keep-alive/", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_stay_signed_in_after_the_session_ended_goes_to_sign_in(client):
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, UserFactory())
        traveller.shift(timedelta(minutes=31))
        response = client.post("/account/session/keep-alive/")
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
    assert client.post("/account/session/keep-alive/")["Location"].startswith("/sign-in/")


def test_signed_in_pages_carry_the_timeout_warning_with_the_time_left(client, settings):
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 90
    assert 'id="session-timeout"' not in client.get("/sign-in/").content.decode()
    assert 'id="session-timeout"' not in client.get("/help/").content.decode()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, UserFactory())
        traveller.shift(timedelta(seconds=40))
        page = client.get("/").content.decode()
    dialog = re.search(r"<dialog[^>]*>", page).group(0)
    # The time left counts from the last activity the server noted, not from this page.
    assert f'data-seconds-left="{30 * 60 - 40}"' in dialog
    assert 'data-warning-seconds="90"' in dialog
    assert 'role="alertdialog"' in dialog
    assert re.search(r'<script type="module" nonce="[^"]+" src="/static/js/session-timeout', page)


def test_stay_signed_in_cannot_reach_past_the_absolute_limit_and_says_so(client):
    # Summer time: the times are London's (BST, UTC+1).
    signed_in = datetime(2026, 6, 1, 5, 42, tzinfo=UTC)
    with time_machine.travel(signed_in, tick=False) as traveller:
        sign_in(client, UserFactory())
        # Kept busy until 20 minutes before the 12 hours are up.
        for _ in range(23):
            traveller.shift(timedelta(minutes=30) - timedelta(seconds=1))
            assert client.post("/account/session/keep-alive/").json()["limit"] == "idle"
        traveller.shift(timedelta(hours=12) - (timezone.now() - signed_in) - timedelta(minutes=20))

        answer = client.post("/account/session/keep-alive/").json()

        assert answer == {
            "signed_in": True,
            "seconds_left": 20 * 60,
            "limit": "absolute",
            "signed_out_at": "18:42",
            "ends_at": int((signed_in + timedelta(hours=12)).timestamp()),
        }
        # The page says the same from its first load.
        dialog = re.search(r"<dialog.*?</dialog>", client.get("/").content.decode(), re.S)
        assert 'data-limit="absolute"' in dialog.group(0)
        assert 'data-seconds-left="1200"' in dialog.group(0)
        text = re.sub(r"<[^>]+>", "", dialog.group(0))
        assert (
            "You will be signed out at 18:42 because you have been signed in for 12 hours. "
            "Save your work." in text
        )
        traveller.shift(timedelta(minutes=20))
        assert client.get("/")["Location"].startswith("/sign-in/")


def test_the_timeout_warning_is_for_the_idle_limit_while_it_comes_first(client):
    with time_machine.travel(START, tick=False):
        sign_in(client, UserFactory())
        page = client.get("/").content.decode()
    dialog = re.search(r"<dialog[^>]*>", page).group(0)
    assert 'data-limit="idle"' in dialog


# Signing out ----------------------------------------------------------------------------


def test_signing_out_says_so(client):
    key = sign_in(client, UserFactory())
    response = client.post("/sign-out/")
    assert response["Location"] == "/signed-out/"
    assert not session_exists(key)
    page = client.get("/signed-out/").content.decode()
    assert "You have signed out" in page
    assert 'href="/sign-in/"' in page


def test_the_timeout_warning_signs_out_to_the_timed_out_page(client):
    sign_in(client, UserFactory())
    response = client.post("/sign-out/", {"next": "/signed-out/timed-out/"})
    assert response["Location"] == "/signed-out/timed-out/"
    page = client.get(response["Location"]).content.decode()
    assert "You have been signed out" in page
    assert "had not used the portal for 30 minutes" in page


def test_signed_out_at_the_absolute_limit_the_page_says_why(client):
    page = client.get("/signed-out/timed-out/?reason=absolute").content.decode()
    assert "because you had been signed in for 12 hours" in page
    assert "had not used the portal" not in page


def test_the_signed_out_pages_send_a_signed_in_user_home(client):
    sign_in(client, UserFactory())
    assert client.get("/signed-out/")["Location"] == "/"
    assert client.get("/signed-out/timed-out/")["Location"] == "/"


# The footer's pages ---------------------------------------------------------------------

FOOTER_PAGES = {
    "/accessibility/": "Accessibility statement",
    "/privacy/": "Privacy notice",
    "/cookies/": "Cookies",
    "/help/": "Help and support",
}


@pytest.mark.parametrize(("path", "heading"), FOOTER_PAGES.items())
def test_footer_pages_are_open_to_everyone(client, path, heading):
    response = client.get(path)
    assert response.status_code == 200
    assert heading in response.content.decode()
    sign_in(client, UserFactory())
    assert client.get(path).status_code == 200


def test_every_page_links_to_the_footer_pages_and_feedback(client):
    page = client.get("/sign-in/").content.decode()
    footer = page[page.index('<footer class="govuk-footer">') :]
    for path in FOOTER_PAGES:
        assert f'href="{path}"' in footer
    banner = page[
        page.index("govuk-phase-banner") : page.index("</div>", page.index("govuk-phase-banner"))
    ]
    assert 'href="/help/#feedback"' in banner
    assert 'id="feedback"' in client.get("/help/").content.decode()


def test_the_cookies_page_names_the_cookies_the_portal_sets(client, settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    page = client.get("/cookies/").content.decode()
    assert "__Host-sessionid" in page and "__Host-csrftoken" in page


def test_help_gives_the_support_address(client, settings):
    settings.SUPPORT_EMAIL = "help@portal.example"
    assert 'href="mailto:help@portal.example"' in client.get("/help/").content.decode()


# Where email links point ---------------------------------------------------------------


def _portal_base_url(env: dict) -> str:
    code = "from django.conf import settings; print(settings.PORTAL_BASE_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in ("PORT", "PORTAL_BASE_URL")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "partnership.settings.base", **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    return result.stdout.strip().splitlines()[-1]


def test_email_links_follow_port_unless_the_base_url_is_set():
    assert _portal_base_url({}) == "http://127.0.0.1:8000"
    assert _portal_base_url({"PORT": "8123"}) == "http://127.0.0.1:8123"
    assert (
        _portal_base_url({"PORT": "8123", "PORTAL_BASE_URL": "https://portal.example"})
        == "https://portal.example"
    )
