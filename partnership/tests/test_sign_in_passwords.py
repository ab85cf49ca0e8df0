"""Password rules wherever a password is set, and password reset by email."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from notifications.models import Notification
from notifications.services import notification_email_deliver
from notifications.tests.factories import emailed_link
from partnership.models import PasswordResetRequest, Role, User
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "plum-harbour-kettle-41"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ask_for_reset(client, email, address="192.0.2.10"):
    return client.post("/sign-in/forgot-password/", {"email": email}, REMOTE_ADDR=address)


def reset_link_for(user) -> str:
    return emailed_link(user, "password_reset")


def set_password_through(client, link, password=NEW_PASSWORD):
    """Follow an emailed link (it redirects once, to keep the token out of the page's
    address) and choose a password; returns the form's response."""
    page = client.get(link, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    return client.post(form_url, {"new_password1": password, "new_password2": password})


# Password rules ---------------------------------------------------------------------


def test_a_password_like_the_email_or_the_name_is_refused():
    user = User(email="r.franklin@example.org", full_name="Rosalind Franklin")
    with pytest.raises(ValidationError, match="too similar to the email"):
        validate_password("r.franklin.example", user)
    with pytest.raises(ValidationError, match="too similar to the full name"):
        validate_password("Rosalind-Franklin-1", user)
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("kettle-41", user)
    validate_password(NEW_PASSWORD, user)


def test_accepting_an_invitation_applies_the_password_rules(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(admin)
    client.post(
        "/organisation/staff/invite/",
        {"full_name": "Ray Patel", "email": "ray.patel@example.org", "role": "caseworker"},
    )
    member = User.objects.get(email="ray.patel@example.org")
    link = emailed_link(member, "staff_invited")
    client.logout()

    page = set_password_through(client, link, "raypatel-2026").content.decode()

    assert "too similar to the email" in page or "too similar to the full name" in page
    assert "govuk-error-summary" in page
    member.refresh_from_db()
    assert not member.has_usable_password()


def test_the_admin_applies_the_password_rules(client):
    admin = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    user = UserFactory(email="ann.lee@example.org", full_name="Ann Lee")
    client.force_login(admin)

    response = client.post(
        f"/django-admin/partnership/user/{user.pk}/password/",
        {"password1": "ann.lee.example", "password2": "ann.lee.example"},
    )

    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Password reset ---------------------------------------------------------------------


def test_the_sign_in_page_links_to_password_reset(client):
    assert 'href="/sign-in/forgot-password/"' in client.get("/sign-in/").content.decode()
    page = client.get("/sign-in/forgot-password/").content.decode()
    assert "Reset your password" in page


def test_a_reset_link_is_emailed_through_the_notifications(
    client, django_capture_on_commit_callbacks
):
    user = UserFactory(email="known@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = ask_for_reset(client, "Known@Example.org")

    assert response.status_code == 302
    assert response["Location"] == "/sign-in/forgot-password/sent/"
    notification = Notification.objects.get(recipient=user, kind="password_reset")
    assert len(callbacks) == 1  # the email goes to the worker after the transaction
    assert notification_email_deliver(notification_id=notification.pk)
    (email,) = mail.outbox
    assert email.to == ["known@example.org"]
    assert f"{settings.PORTAL_BASE_URL}/sign-in/reset-password/" in email.body
    assert notification.link == ""  # the link is in the email only
    assert "expires in 3 days" in email.body


def test_the_answer_is_the_same_whether_or_not_the_email_has_an_account(client):
    UserFactory(email="known@example.org")
    known = ask_for_reset(client, "known@example.org")
    unknown = ask_for_reset(client, "nobody@example.org")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    page = client.get(known["Location"]).content.decode()
    assert "If there is an account with that email address" in page
    assert Notification.objects.filter(kind="password_reset").count() == 1


def test_no_link_goes_to_a_deactivated_account(client):
    UserFactory(email="gone@example.org", is_active=False)
    assert ask_for_reset(client, "gone@example.org").status_code == 302
    assert not Notification.objects.filter(kind="password_reset").exists()


def test_the_link_sets_a_new_password_once(client):
    user = UserFactory(email="known@example.org")
    ask_for_reset(client, "known@example.org")
    link = reset_link_for(user)

    response = set_password_through(client, link)
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/reset-password/done/"
    assert "Your password has been changed" in client.get(response["Location"]).content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    again = client.get(link, follow=True).content.decode()
    assert "This link does not work" in again


def test_the_new_password_must_follow_the_rules(client):
    user = UserFactory(email="ann.lee@example.org", full_name="Ann Lee")
    ask_for_reset(client, user.email)

    page = set_password_through(client, reset_link_for(user), "annlee-example").content.decode()

    assert "govuk-error-summary" in page and "too similar" in page
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_link_expires_after_the_reset_timeout(client):
    user = UserFactory(email="known@example.org")
    with time_machine.travel(START, tick=False) as traveller:
        ask_for_reset(client, "known@example.org")
        link = reset_link_for(user)
        traveller.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT - 60))
        assert "Choose a new password" in client.get(link, follow=True).content.decode()
        traveller.shift(timedelta(minutes=2))
        assert "This link does not work" in client.get(link, follow=True).content.decode()


def test_a_reset_ends_every_session_of_the_account(client):
    user = UserFactory(email="known@example.org")
    elsewhere = Client()
    elsewhere.post("/sign-in/", {"username": user.email, "password": PASSWORD})
    key = elsewhere.cookies[settings.SESSION_COOKIE_NAME].value
    assert elsewhere.get("/").status_code == 200

    ask_for_reset(client, user.email)
    set_password_through(client, reset_link_for(user))

    assert not Session.objects.filter(session_key=key).exists()
    assert elsewhere.get("/").status_code == 302


def test_reset_requests_are_throttled_per_client_address(client, settings):
    settings.PASSWORD_RESET_REQUESTS_PER_HOUR = 5
    with time_machine.travel(START, tick=False) as traveller:
        for number in range(5):
            assert ask_for_reset(client, f"someone{number}@example.org").status_code == 302
        refused = ask_for_reset(client, "someone@example.org")
        assert refused.status_code == 429
        assert "too many requests for password reset emails" in refused.content.decode()
        assert ask_for_reset(client, "someone@example.org", address="192.0.2.11").status_code == 302

        traveller.shift(timedelta(hours=1, seconds=1))
        assert ask_for_reset(client, "someone@example.org").status_code == 302
    assert PasswordResetRequest.objects.count() == 7


def test_one_account_gets_at_most_three_reset_emails_an_hour(client):
    user = UserFactory(email="known@example.org")
    for number in range(4):
        ask_for_reset(client, "known@example.org", address=f"192.0.2.{number + 1}")
    assert Notification.objects.filter(recipient=user, kind="password_reset").count() == 3


def test_reset_pages_follow_the_design_system(client):
    page = client.post("/sign-in/forgot-password/", {"email": "not-an-email"}).content.decode()
    assert "govuk-error-summary" in page
    assert "Enter an email address in the correct format" in page
    assert re.search(r"<title>Error: Reset your password", page)
