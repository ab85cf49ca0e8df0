"""Sign in and out, each role's home page, notifications and the error pages."""

import pytest
from django.urls import reverse

from notifications.tests.factories import NotificationFactory
from partnership.models import Role
from partnership.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_home_needs_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


def test_sign_in_by_email_lands_on_home(client):
    user = UserFactory(email="Case.Sensitive@Example.org")
    response = client.post(
        "/sign-in/", {"username": "case.sensitive@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == user


def test_wrong_password_shows_a_govuk_error_that_does_not_reveal_the_account(client):
    UserFactory(email="known@example.org")
    known = client.post("/sign-in/", {"username": "known@example.org", "password": "wrong"})
    unknown = client.post("/sign-in/", {"username": "unknown@example.org", "password": "wrong"})
    for response in (known, unknown):
        page = response.content.decode()
        assert response.status_code == 200
        assert "govuk-error-summary" in page
        assert "Enter a correct email address and password" in page
        assert "<title>Error: Sign in" in page


def test_empty_sign_in_form_names_each_missing_field(client):
    page = client.post("/sign-in/", {"username": "", "password": ""}).content.decode()
    assert "Enter your email address" in page
    assert "Enter your password" in page
    assert 'href="#id_username"' in page


def test_a_deactivated_user_cannot_sign_in(client):
    UserFactory(email="gone@example.org", is_active=False)
    response = client.post("/sign-in/", {"username": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


def test_sign_out_ends_the_session(client):
    client.force_login(UserFactory())
    assert client.get("/").status_code == 200
    response = client.post("/sign-out/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("role", "context_label", "expected_nav"),
    [
        (Role.PRACTITIONER, "Probation Delivery Unit", "Home"),
        (Role.PROVIDER_ADMIN, "Organisation", "Home"),
        (Role.CASEWORKER, "Organisation", "Home"),
        (Role.COMMISSIONER, "Commissioning body", "Home"),
        (Role.ASSESSOR, "Commissioning body", "Home"),
        (Role.ADMIN, "Team", "Home"),
    ],
)
def test_each_role_has_its_own_home_page(client, role, context_label, expected_nav):
    user = UserFactory(role=role)
    client.force_login(user)
    response = client.get("/")
    page = response.content.decode()
    assert response.templates[0].name == f"home/{role}.html"
    assert context_label in page
    assert user.context_name in page
    assert user.get_role_display() in page
    assert expected_nav in [item["label"] for item in response.context["navigation"]]


def test_pages_for_signed_in_users_are_not_cached(client):
    client.force_login(UserFactory())
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_unread_count_shows_in_the_navigation_and_clears_when_read(client):
    user = UserFactory()
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory(recipient=UserFactory())  # someone else's
    client.force_login(user)
    assert client.get("/").context["unread_notifications"] == 3

    client.post("/notifications/read-all/")
    assert client.get("/").context["unread_notifications"] == 0


def test_the_unread_count_stops_at_a_limit_and_says_more(client, monkeypatch):
    """Counted to a limit, as lists are: a commissioner's alerts can leave thousands unread."""
    from partnership import lists

    user = UserFactory()
    NotificationFactory.create_batch(3, recipient=user)
    client.force_login(user)
    monkeypatch.setattr(lists, "COUNT_LIMIT", 2)
    page = client.get("/").content.decode()
    assert 'data-testid="unread-count">2+<span class="govuk-visually-hidden"> unread' in page
    assert "All notifications (more than 2 unread)" in page


def test_notifications_page_lists_only_your_own(client):
    user = UserFactory()
    mine = NotificationFactory(recipient=user, title="Your referral was accepted")
    theirs = NotificationFactory(title="Someone else's news")
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert mine.title in page
    assert theirs.title not in page


def test_marking_someone_elses_notification_read_is_a_404(client):
    theirs = NotificationFactory()
    client.force_login(UserFactory())
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_follows_its_link(client):
    user = UserFactory()
    notification = NotificationFactory(recipient=user, link="/account/api-tokens/")
    client.force_login(user)
    response = client.post(f"/notifications/{notification.pk}/read/", {"open": "1"})
    assert response["Location"] == "/account/api-tokens/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_not_found_is_a_govuk_page(client):
    client.force_login(UserFactory())
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "govuk-template" in response.content.decode()


def test_server_error_is_a_govuk_page_and_api_errors_are_problems(rf):
    from partnership.views import error_500

    page = error_500(rf.get("/anything/"))
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.content.decode()
    api = error_500(rf.get("/api/v1/me/"))
    assert api["Content-Type"] == "application/problem+json"


def test_csrf_failure_is_explained(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/sign-in/", {"username": "a@example.org", "password": "x"})
    assert response.status_code == 403
    assert "Your form could not be sent" in response.content.decode()


def test_a_role_without_its_context_is_refused_by_the_database():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        UserFactory(role=Role.CASEWORKER, organisation=None)


def test_service_navigation_grows_as_pages_exist(client):
    from partnership.navigation import navigation_for

    labels = [item["label"] for item in navigation_for(Role.PRACTITIONER, "/")]
    assert labels[0] == "Home"
    assert "Notifications" in labels
    home = navigation_for(Role.PRACTITIONER, "/")[0]
    assert home["active"] is True


def test_demo_accounts_are_refused_where_the_demo_is_off(client, settings):
    from partnership.tests.factories import issue_token

    demo_user = UserFactory(email="practitioner@demo.example")
    _, raw = issue_token(demo_user)
    settings.DEMO_ENABLED = False
    response = client.post(
        "/sign-in/", {"username": "practitioner@demo.example", "password": PASSWORD}
    )
    assert "Enter a correct email address and password" in response.content.decode()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    settings.DEMO_ENABLED = True
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
