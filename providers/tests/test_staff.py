"""A provider admin's staff: invitations, deactivation and training records."""

from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.utils import timezone

from notifications.models import Notification
from notifications.tests.factories import emailed_link
from partnership.models import Role, User
from partnership.tests.factories import UserFactory
from providers.models import TrainingRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client):
    user = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(user)
    return user


def date_parts(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_an_invited_member_of_staff_sets_a_password_once_and_signs_in(client, admin):
    response = client.post(
        "/organisation/staff/invite/",
        {"full_name": "Ray Patel", "email": "Ray@Example.org", "role": "caseworker"},
    )
    assert response.status_code == 302
    member = User.objects.get(email="ray@example.org")
    assert member.organisation_id == admin.organisation_id and member.role == Role.CASEWORKER
    assert not member.has_usable_password()
    assert Notification.objects.get(recipient=member, kind="staff_invited").link == ""
    link = emailed_link(member, "staff_invited")

    client.logout()
    set_password_page = client.get(link, follow=True)
    assert "Set your password" in set_password_page.content.decode()
    form_url = set_password_page.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "plum-harbour-kettle-41", "new_password2": "plum-harbour-kettle-41"},
    )
    assert response.status_code == 302
    # django-axes needs the request that a sign-in comes with.
    assert client.login(
        request=HttpRequest(), username="ray@example.org", password="plum-harbour-kettle-41"
    )

    client.logout()
    again = client.get(link, follow=True).content.decode()
    assert "This link does not work" in again


def test_inviting_an_address_with_an_account_elsewhere_makes_no_account(client, admin):
    existing = UserFactory(email="taken@example.org")
    page = client.post(
        "/organisation/staff/invite/",
        {"full_name": "X", "email": existing.email, "role": "caseworker"},
        follow=True,
    ).content.decode()
    assert "X has been invited" in page
    assert User.objects.filter(email="taken@example.org").count() == 1
    existing.refresh_from_db()
    assert existing.organisation_id != admin.organisation_id


def test_inviting_one_of_your_own_staff_again_is_refused(client, admin):
    member = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    page = client.post(
        "/organisation/staff/invite/",
        {"full_name": "X", "email": member.email, "role": "caseworker"},
    ).content.decode()
    assert "This person is already one of your staff" in page


def test_a_deactivated_member_cannot_sign_in(client, admin):
    from partnership.tests.factories import PASSWORD

    member = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    client.post(f"/organisation/staff/{member.pk}/active/", {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active
    client.logout()
    assert not client.login(request=HttpRequest(), username=member.email, password=PASSWORD)


def test_training_records_make_risk_training_current_or_not(client, admin):
    member = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    today = timezone.localdate()
    response = client.post(
        f"/organisation/staff/{member.pk}/training/add/",
        {
            "kind": "risk_awareness",
            **date_parts("completed_on", today - timedelta(days=10)),
            **date_parts("expires_on", today + timedelta(days=355)),
        },
    )
    assert response.status_code == 302
    staff_page = client.get("/organisation/staff/").content.decode()
    assert "Current" in staff_page


def test_training_dates_are_checked(client, admin):
    member = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    today = timezone.localdate()
    bad_order = client.post(
        f"/organisation/staff/{member.pk}/training/add/",
        {
            "kind": "risk_awareness",
            **date_parts("completed_on", today),
            **date_parts("expires_on", today - timedelta(days=1)),
        },
    ).content.decode()
    assert "The expiry date must be after the date completed" in bad_order
    not_a_date = client.post(
        f"/organisation/staff/{member.pk}/training/add/",
        {
            "kind": "risk_awareness",
            "completed_on_0": "31",
            "completed_on_1": "2",
            "completed_on_2": "2026",
        },
    ).content.decode()
    assert "Date completed must be a real date" in not_a_date
    missing = client.post(
        f"/organisation/staff/{member.pk}/training/add/", {"kind": "risk_awareness"}
    ).content.decode()
    assert "Enter the date completed" in missing
    assert not TrainingRecord.objects.exists()


def test_staff_of_another_organisation_are_404(client, admin):
    outsider = UserFactory(role=Role.CASEWORKER)
    assert client.get(f"/organisation/staff/{outsider.pk}/").status_code == 404
    assert (
        client.post(f"/organisation/staff/{outsider.pk}/active/", {"active": "0"}).status_code
        == 404
    )
    assert client.get(f"/organisation/staff/{outsider.pk}/training/add/").status_code == 404
    outsider.refresh_from_db()
    assert outsider.is_active
    assert outsider.email not in client.get("/organisation/staff/").content.decode()


def test_a_caseworker_cannot_reach_staff_pages(client):
    caseworker = UserFactory(role=Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.get("/organisation/staff/").status_code == 404
    assert client.get("/organisation/staff/invite/").status_code == 404
    assert client.get(f"/organisation/staff/{caseworker.pk}/").status_code == 404
