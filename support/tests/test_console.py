"""The service support console: only service support may use it (everyone else is told the
pages do not exist), every change is a POST from a confirmation page, HEAD changes nothing,
and every action is recorded with who did it."""

from __future__ import annotations

import csv
import io

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from notifications.models import Notification
from partnership.models import Role, TwoFactorLockout, User, UserSession
from partnership.tests.factories import PASSWORD, UserFactory, issue_token
from providers.models import Organisation
from providers.tests.factories import OrganisationFactory
from referrals import services as referral_services
from referrals.models import AccessLog, Status
from referrals.tests.factories import referral_in
from support.models import SupportAction

pytestmark = pytest.mark.django_db

OTHER_ROLES = [
    Role.PRACTITIONER,
    Role.PROVIDER_ADMIN,
    Role.CASEWORKER,
    Role.COMMISSIONER,
    Role.ASSESSOR,
]


@pytest.fixture
def support(client):
    user = UserFactory(role=Role.ADMIN, email="support@example.org", full_name="Sam Support")
    client.force_login(user)
    return user


@pytest.fixture
def member():
    return UserFactory(role=Role.CASEWORKER, email="casey@example.org", full_name="Casey Worker")


def user_urls(pk: int) -> list[str]:
    return [
        f"/support/users/{pk}/",
        f"/support/users/{pk}/deactivate/",
        f"/support/users/{pk}/reactivate/",
        f"/support/users/{pk}/two-factor/reset/",
        f"/support/users/{pk}/lockout/lift/",
        f"/support/users/{pk}/sessions/end/",
    ]


def all_urls(member: User, organisation: Organisation) -> list[str]:
    return [
        "/support/",
        "/support/users/",
        "/support/users/invite/",
        *user_urls(member.pk),
        "/support/access-log/",
        "/support/access-log/download/",
        "/support/organisations/",
        f"/support/organisations/{organisation.pk}/verify/",
    ]


def sign_in(client, email, password):
    return client.post(
        "/sign-in/", {"username": email, "password": password}, REMOTE_ADDR="192.0.2.10"
    )


def recorded(kind, **fields) -> SupportAction:
    return SupportAction.objects.get(kind=kind, **fields)


# Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_everyone_else_is_told_no_support_page_exists_and_nothing_changes(role, member):
    organisation = OrganisationFactory()
    TwoFactorLockout.objects.create(user=member, failures=10, locked_at=timezone.now())
    client = Client()
    client.force_login(UserFactory(role=role))
    for url in all_urls(member, organisation):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"status": "verified", "crn": "X123456"}).status_code == 404, url
    member.refresh_from_db()
    organisation.refresh_from_db()
    assert member.is_active
    assert TwoFactorLockout.objects.filter(user=member).exists()
    assert organisation.verification_status == Organisation.Verification.UNVERIFIED
    assert not SupportAction.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(member):
    client = Client()
    for url in all_urls(member, OrganisationFactory()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_service_support_has_the_console_in_its_navigation_and_home(client, support):
    page = client.get("/").content.decode()
    assert 'href="/support/"' in page
    assert client.get("/support/").status_code == 200


# Finding a user ---------------------------------------------------------------------------


def test_a_search_is_posted_and_kept_out_of_the_address(client, support, member):
    response = client.post("/support/users/", {"q": "casey"})
    assert response.status_code == 302 and response["Location"] == "/support/users/"
    page = client.get("/support/users/").content.decode()
    assert "Casey Worker" in page and f"/support/users/{member.pk}/" in page


def test_an_empty_search_shows_an_error_summary(client, support):
    page = client.post("/support/users/", {"q": ""}).content.decode()
    assert "There is a problem" in page and "Enter a name or email address" in page


# Lockouts, two-factor, sessions, accounts -------------------------------------------------


def test_lifting_a_lockout_lets_the_user_sign_in_again_and_is_recorded(client, support, member):
    them = Client()
    for attempt in range(10):
        sign_in(them, member.email, f"wrong-{attempt}")
    assert sign_in(them, member.email, PASSWORD).status_code == 429
    page = client.get(f"/support/users/{member.pk}/").content.decode()
    assert "Locked out" in page

    confirm = client.get(f"/support/users/{member.pk}/lockout/lift/")
    assert confirm.status_code == 200 and "Lift lockout" in confirm.content.decode()
    client.head(f"/support/users/{member.pk}/lockout/lift/")
    assert AccessAttempt.objects.filter(username=member.email).exists()
    assert not SupportAction.objects.exists()

    response = client.post(f"/support/users/{member.pk}/lockout/lift/")
    assert response.status_code == 302 and response["Location"] == f"/support/users/{member.pk}/"
    assert not AccessAttempt.objects.filter(username=member.email).exists()
    assert sign_in(them, member.email, PASSWORD).status_code == 302
    action = recorded(SupportAction.Kind.LIFT_LOCKOUT, user=member)
    assert action.by == support


def test_resetting_two_factor_unlocks_it_and_is_recorded(client, support, member):
    TwoFactorLockout.objects.create(user=member, failures=10, locked_at=timezone.now())
    assert "Locked" in client.get(f"/support/users/{member.pk}/").content.decode()
    client.head(f"/support/users/{member.pk}/two-factor/reset/")
    assert TwoFactorLockout.objects.filter(user=member).exists()

    response = client.post(f"/support/users/{member.pk}/two-factor/reset/")
    assert response.status_code == 302
    assert not TwoFactorLockout.objects.filter(user=member).exists()
    action = recorded(SupportAction.Kind.RESET_TWO_FACTOR, user=member)
    assert action.by == support and action.detail == "was locked"


def test_deactivating_ends_sessions_and_reactivating_restores_sign_in(client, support, member):
    them = Client()
    them.force_login(member)
    token, _ = issue_token(member)
    assert UserSession.objects.filter(user=member).count() == 1
    assert "Signed in" in client.get(f"/support/users/{member.pk}/").content.decode()
    client.head(f"/support/users/{member.pk}/deactivate/")
    member.refresh_from_db()
    assert member.is_active

    client.post(f"/support/users/{member.pk}/deactivate/")
    member.refresh_from_db()
    assert not member.is_active
    assert not UserSession.objects.filter(user=member).exists()
    assert them.get("/").status_code == 302  # signed out
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert recorded(SupportAction.Kind.DEACTIVATE, user=member).by == support

    # Already deactivated: the page says so, and a second POST changes nothing.
    again = client.post(f"/support/users/{member.pk}/deactivate/")
    assert again.status_code == 409 and "already deactivated" in again.content.decode()
    assert SupportAction.objects.filter(kind=SupportAction.Kind.DEACTIVATE).count() == 1

    client.post(f"/support/users/{member.pk}/reactivate/")
    member.refresh_from_db()
    assert member.is_active
    assert sign_in(Client(), member.email, PASSWORD).status_code == 302
    assert recorded(SupportAction.Kind.REACTIVATE, user=member).by == support


def test_service_support_cannot_deactivate_themselves(client, support):
    assert client.post(f"/support/users/{support.pk}/deactivate/").status_code == 404
    support.refresh_from_db()
    assert support.is_active


def test_ending_sessions_signs_the_user_out_everywhere(client, support, member):
    them = Client()
    them.force_login(member)
    client.head(f"/support/users/{member.pk}/sessions/end/")
    assert them.get("/").status_code == 200
    client.post(f"/support/users/{member.pk}/sessions/end/")
    assert them.get("/").status_code == 302
    assert recorded(SupportAction.Kind.END_SESSIONS, user=member).detail == "1 ended"


def test_inviting_a_member_of_staff_sends_the_invitation_and_is_recorded(client, support):
    organisation = OrganisationFactory(name="Hope Trust")
    response = client.post(
        "/support/users/invite/",
        {
            "organisation": organisation.pk,
            "full_name": "Ray Patel",
            "email": "Ray@Example.org",
            "role": Role.PROVIDER_ADMIN,
        },
    )
    assert response.status_code == 302
    invited = User.objects.get(email="ray@example.org")
    assert invited.organisation == organisation and invited.role == Role.PROVIDER_ADMIN
    assert Notification.objects.filter(recipient=invited, kind="staff_invited").exists()
    assert recorded(SupportAction.Kind.INVITE, user=invited).by == support


def test_an_invitation_without_an_organisation_shows_errors_and_creates_nobody(client, support):
    page = client.post(
        "/support/users/invite/", {"full_name": "Ray", "email": "ray@example.org"}
    ).content.decode()
    assert "There is a problem" in page and "Choose the organisation they work for" in page
    assert not User.objects.filter(email="ray@example.org").exists()


# The risk access log ----------------------------------------------------------------------


@pytest.fixture
def reads():
    """Two referrals' risk read by their practitioners: one row each in the access log."""
    first = referral_in(Status.DRAFT, crn="A111111")
    second = referral_in(Status.DRAFT, crn="B222222")
    for referral in (first, second):
        referral_services.risk_read(
            referral=referral, by=referral.practitioner, channel="page", why="checking"
        )
    return first, second


def test_the_access_log_is_searched_by_crn_without_it_in_the_address(client, support, reads):
    first, _ = reads
    response = client.post("/support/access-log/", {"crn": "a111111"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A111111" in page and "B222222" not in page
    assert first.practitioner.email in page
    # The search is itself recorded: in the access log and as a support action.
    assert AccessLog.objects.filter(user=support, crn="A111111", channel="admin").count() == 1
    assert "A111111" in recorded(SupportAction.Kind.SEARCH_ACCESS_LOG, by=support).detail


def test_the_access_log_is_searched_by_the_reader_and_dates(client, support, reads):
    _, second = reads
    today = timezone.localdate()
    page = client.post(
        "/support/access-log/",
        {
            "user_email": second.practitioner.email,
            "date_from_0": today.day,
            "date_from_1": today.month,
            "date_from_2": today.year,
        },
    ).content.decode()
    assert "B222222" in page and "A111111" not in page


def test_a_search_with_nothing_to_search_by_or_a_bad_crn_shows_errors(client, support):
    page = client.post("/support/access-log/", {}).content.decode()
    assert "There is a problem" in page and "Enter a CRN, an email address or dates" in page
    page = client.post("/support/access-log/", {"crn": "123"}).content.decode()
    assert "Enter a CRN in the correct format" in page
    assert not SupportAction.objects.exists()


def test_the_csv_download_streams_the_rows_and_is_recorded(client, support, reads):
    first, _ = reads
    response = client.post("/support/access-log/download/", {"crn": "A111111"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "A111111" not in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["at", "user_email", "crn", "what", "why", "channel", "outcome"]
    assert len(rows) == 2
    assert rows[1][1:] == [
        first.practitioner.email,
        "A111111",
        "risk_information",
        "checking",
        "page",
        "granted",
    ]
    export = AccessLog.objects.get(user=support, what="support_access_log_export")
    assert export.crn == "A111111" and export.channel == "admin"
    assert recorded(SupportAction.Kind.EXPORT_ACCESS_LOG, by=support)


def test_the_download_is_a_post_only(client, support):
    assert client.get("/support/access-log/download/").status_code == 405
    assert client.head("/support/access-log/download/").status_code == 405
    assert not SupportAction.objects.exists()


# Organisations ----------------------------------------------------------------------------


def test_an_organisation_awaiting_verification_is_verified_and_recorded(client, support):
    organisation = OrganisationFactory(name="Hope Trust")
    assert "Hope Trust" in client.get("/support/organisations/").content.decode()
    client.head(f"/support/organisations/{organisation.pk}/verify/")
    organisation.refresh_from_db()
    assert organisation.verification_status == Organisation.Verification.UNVERIFIED

    response = client.post(
        f"/support/organisations/{organisation.pk}/verify/", {"status": "verified"}
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.verification_status == Organisation.Verification.VERIFIED
    assert organisation.verified_by == support
    assert recorded(SupportAction.Kind.VERIFY_ORGANISATION, organisation=organisation)
    listed = client.get("/support/organisations/").content.decode()
    assert "Hope Trust: verified" in listed  # the confirmation
    assert f"/support/organisations/{organisation.pk}/verify/" not in listed
    # Once recorded, it is no longer awaiting verification.
    assert client.get(f"/support/organisations/{organisation.pk}/verify/").status_code == 404


def test_verifying_without_an_answer_shows_an_error(client, support):
    organisation = OrganisationFactory()
    page = client.post(f"/support/organisations/{organisation.pk}/verify/", {}).content.decode()
    assert "Choose whether the organisation is verified" in page
    organisation.refresh_from_db()
    assert organisation.verification_status == Organisation.Verification.UNVERIFIED


def test_the_csv_download_is_safe_to_open_in_a_spreadsheet(client, support):
    referral = referral_in(Status.DRAFT, crn="C333333")
    reader = UserFactory(role=Role.PRACTITIONER, email="=cmd@example.org")
    AccessLog.objects.create(
        user=reader,
        user_email=reader.email,
        referral=referral,
        crn=referral.crn,
        what="risk_information",
        why="checking",
        channel="page",
        outcome=AccessLog.Outcome.DENIED,
    )
    response = client.post("/support/access-log/download/", {"crn": "C333333"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[1][1] == "'=cmd@example.org"
