"""Guarding a signed-in account's password: wrong current passwords on the change-password
page count towards the sign-in lockout (django-axes), and every password change or reset
is told to the account's own email address, with what to do if it was not them."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail

from notifications.models import Notification
from notifications.services import notification_email_deliver
from notifications.tests.factories import emailed_link
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)
NEW_PASSWORD = "lantern orchard velvet"
WRONG = "guess-number-"


def sign_in(client, email, password=PASSWORD):
    return client.post("/sign-in/", {"username": email, "password": password})


def change(client, current, new=NEW_PASSWORD):
    return client.post(
        "/account/password/",
        {"old_password": current, "new_password1": new, "new_password2": new},
    )


def is_signed_in(client) -> bool:
    return client.get("/").status_code == 200


# Guessing the current password ---------------------------------------------------------


def test_the_tenth_wrong_current_password_signs_out_and_locks_like_sign_in(
    client, settings, caplog
):
    assert settings.AXES_FAILURE_LIMIT == 10
    user = UserFactory(email="owner@example.org")
    caplog.set_level(logging.INFO)
    with time_machine.travel(START, tick=False) as traveller:
        assert sign_in(client, user.email).status_code == 302
        for attempt in range(1, 10):
            response = change(client, f"{WRONG}{attempt}")
            assert response.status_code == 200
            assert "Your current password is not right" in response.content.decode()
            assert is_signed_in(client)

        tenth = change(client, f"{WRONG}10")

        assert tenth.status_code == 429
        assert "Sign-in is paused" in tenth.content.decode()
        assert "paused for 5 minutes" in tenth.content.decode()
        assert not is_signed_in(client)
        user.refresh_from_db()
        assert user.check_password(PASSWORD)  # nothing changed
        # Recorded by django-axes against the account, from this page; no password kept.
        attempt = AccessAttempt.objects.get(username="owner@example.org")
        assert attempt.path_info == "/account/password/"
        assert attempt.failures_since_start == 10
        kept = attempt.post_data + attempt.get_data
        assert "old_password=****" in kept
        assert WRONG not in kept and NEW_PASSWORD not in kept and PASSWORD not in kept

        # Signing in again waits for the cool-off, as after ten failed sign-ins.
        assert sign_in(client, user.email).status_code == 429
        traveller.shift(timedelta(minutes=5, seconds=1))
        assert sign_in(client, user.email).status_code == 302

    assert WRONG not in caplog.text and NEW_PASSWORD not in caplog.text
    assert f"Wrong current password for user {user.pk} when changing it; locked out" in (
        caplog.text
    )


def test_wrong_current_passwords_and_failed_sign_ins_share_one_count(client):
    user = UserFactory(email="owner@example.org")
    for attempt in range(6):
        sign_in(client, user.email, f"{WRONG}{attempt}")
    assert sign_in(client, user.email).status_code == 302
    for attempt in range(3):
        assert change(client, f"{WRONG}{attempt}").status_code == 200
    assert change(client, f"{WRONG}last").status_code == 429
    assert not is_signed_in(client)


def test_a_locked_account_has_no_password_checked_here_even_the_right_one(client):
    user = UserFactory(email="owner@example.org")
    assert sign_in(client, user.email).status_code == 302
    # Someone else, elsewhere, locks the account by guessing at sign-in.
    from django.test import Client

    elsewhere = Client()
    for attempt in range(10):
        elsewhere.post(
            "/sign-in/",
            {"username": user.email, "password": f"{WRONG}{attempt}"},
            REMOTE_ADDR="198.51.100.7",
        )
    response = change(client, PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.check_password(NEW_PASSWORD)


def test_other_mistakes_do_not_count_as_guesses(client):
    user = UserFactory()
    sign_in(client, user.email)
    for _ in range(12):
        response = client.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
        )
        assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert is_signed_in(client)


# Telling the account its password changed -------------------------------------------


def test_changing_the_password_emails_the_account_after_the_change_commits(
    client, settings, django_capture_on_commit_callbacks
):
    settings.SUPPORT_EMAIL = "support@portal.example"
    user = UserFactory(email="owner@example.org")
    with time_machine.travel(START + timedelta(hours=8, minutes=42), tick=False):
        sign_in(client, user.email)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert change(client, PASSWORD).status_code == 302

    notification = Notification.objects.get(recipient=user, kind="password_changed")
    assert len(callbacks) == 1  # the email goes to the worker after the transaction
    assert notification_email_deliver(notification_id=notification.pk)
    (email,) = mail.outbox
    assert email.to == ["owner@example.org"]
    assert "Your password was changed" in email.subject + email.body
    assert "changed from your account on 2 March 2026 at 17:42" in email.body
    assert "If it was not you, contact service support" in email.body
    assert "support@portal.example" in email.body
    assert NEW_PASSWORD not in email.body and PASSWORD not in email.body
    # Nobody else hears of it.
    assert Notification.objects.filter(kind="password_changed").count() == 1


def test_a_wrong_current_password_sends_nothing(client):
    user = UserFactory()
    sign_in(client, user.email)
    change(client, "not it")
    assert not Notification.objects.filter(kind="password_changed").exists()


def test_resetting_the_password_by_email_link_tells_the_account_too(client, settings):
    settings.SUPPORT_EMAIL = "support@portal.example"
    user = UserFactory(email="owner@example.org")
    with time_machine.travel(START, tick=False):
        client.post("/sign-in/forgot-password/", {"email": user.email})
        link = emailed_link(user, "password_reset")
        page = client.get(link, follow=True)
        form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
        response = client.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        )
        assert response.status_code == 302
    notification = Notification.objects.get(recipient=user, kind="password_changed")
    mail.outbox.clear()
    assert notification_email_deliver(notification_id=notification.pk)
    (email,) = mail.outbox
    assert email.to == ["owner@example.org"]
    assert "reset with a link sent by email on 2 March 2026 at 09:00" in email.body
    assert "support@portal.example" in email.body
