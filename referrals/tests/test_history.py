"""Audit history: who changed a referral, its risk information, an application or an
agreement, and when; queried by service support only, never showing risk or identity."""

import pytest
from django.utils.html import escape

from commissioning.models import ApplicationHistory
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token
from referrals import services
from referrals.models import ReferralHistory, RiskInformationHistory, Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db

HISTORY = "/django-admin/referrals/referralhistory/"
RISK_HISTORY = "/django-admin/referrals/riskinformationhistory/"


@pytest.fixture
def service_support():
    return UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)


def latest(referral) -> ReferralHistory:
    return ReferralHistory.objects.filter(pgh_obj=referral).latest("pgh_id")


def test_accepting_in_the_portal_records_who_accepted_and_where(client):
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    client.force_login(admin)

    client.post(f"/referrals/{referral.public_id}/accept/")

    event = latest(referral)
    assert (event.pgh_label, event.status) == ("update", Status.ACCEPTED)
    assert event.pgh_context.metadata["user"] == admin.pk
    assert event.pgh_context.metadata["url"] == f"/referrals/{referral.public_id}/accept/"
    previous = ReferralHistory.objects.filter(pgh_obj=referral, pgh_id__lt=event.pgh_id).latest(
        "pgh_id"
    )
    assert previous.status == Status.SENT


def test_declining_through_the_api_records_the_token_owner(client):
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    _, token = issue_token(admin, scope="write")

    response = client.post(
        f"/api/v1/referrals/{referral.public_id}/decline/",
        {"reason": "no_capacity"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )

    assert response.status_code == 200
    event = latest(referral)
    assert event.status == Status.DECLINED
    assert event.pgh_context.metadata["user"] == admin.pk


def test_a_save_that_changes_nothing_tracked_records_nothing():
    referral = referral_in(Status.SENT)
    count = ReferralHistory.objects.filter(pgh_obj=referral).count()
    referral.save()  # only updated_at moves
    assert ReferralHistory.objects.filter(pgh_obj=referral).count() == count


def test_service_support_finds_a_referrals_changes_by_reference_and_by_user(
    client, service_support
):
    # Made first: in a test, one transaction holds the request's context until it ends.
    other = referral_in(Status.SENT)
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    client.force_login(admin)
    client.post(f"/referrals/{referral.public_id}/accept/")

    client.force_login(service_support)
    page = client.get(HISTORY, {"q": referral.reference})
    assert page.status_code == 200
    text = page.content.decode()
    assert f"referral {referral.reference}" in text
    assert f"referral {other.reference}" not in text
    assert admin.email in text
    assert "status" in text  # the field that changed

    by_user = client.get(HISTORY, {"changed_by": admin.pk}).content.decode()
    assert f"referral {referral.reference}" in by_user
    assert f"referral {other.reference}" not in by_user
    by_email = client.get(HISTORY, {"q": admin.email}).content.decode()
    assert f"referral {referral.reference}" in by_email
    by_object = client.get(HISTORY, {"object": other.pk}).content.decode()
    assert f"referral {other.reference}" in by_object
    assert f"referral {referral.reference}" not in by_object
    since = client.get(HISTORY, {"pgh_created_at__gte": "2000-01-01 00:00:00+00:00"})
    before = client.get(HISTORY, {"pgh_created_at__lt": "2000-01-01 00:00:00+00:00"})
    assert f"referral {referral.reference}" in since.content.decode()
    assert f"referral {referral.reference}" not in before.content.decode()

    event = latest(referral)
    detail = client.get(f"{HISTORY}{event.pgh_id}/change/").content.decode()
    assert "<td>status</td><td>Sent</td><td>Accepted</td>" in detail


def test_risk_and_identity_values_are_never_shown_only_that_they_changed(client, service_support):
    referral = referral_in(Status.SENT)
    services.risk_update(
        referral=referral,
        by=referral.practitioner,
        data={"summary": "Carries a knife since the assault in May."},
        amendment_reason="New information from the police",
    )
    services.referral_update(
        referral=referral,
        by=referral.practitioner,
        data={"address": "22 Hidden Lane, Salford"},
        amendment_reason="Moved house",
    )
    client.force_login(service_support)

    risk_event = RiskInformationHistory.objects.filter(referral=referral).latest("pgh_id")
    risk_list = client.get(RISK_HISTORY, {"q": referral.reference}).content.decode()
    risk_detail = client.get(f"{RISK_HISTORY}{risk_event.pgh_id}/change/").content.decode()
    event = latest(referral)
    detail = client.get(f"{HISTORY}{event.pgh_id}/change/").content.decode()

    assert "summary" in risk_list and "changed (not shown)" in risk_detail
    assert "address" in detail and "changed (not shown)" in detail
    for page in (risk_list, risk_detail, detail):
        assert "knife" not in page and "Hidden Lane" not in page


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COMMISSIONER, Role.PROVIDER_ADMIN])
def test_nobody_else_reaches_the_history(client, role):
    referral = referral_in(Status.SENT)
    # Even a superuser flag does not open it to a role other than service support.
    user = UserFactory(role=role, is_staff=True, is_superuser=True)
    client.force_login(user)
    for url in (HISTORY, RISK_HISTORY, f"{HISTORY}{latest(referral).pgh_id}/change/"):
        assert client.get(url).status_code == 403
    assert "referral history" not in client.get("/django-admin/").content.decode().lower()

    client.force_login(UserFactory(role=role))
    assert client.get(HISTORY).status_code == 302  # to the admin sign-in


def test_applications_are_tracked_with_who_changed_them(client, service_support):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)

    labels = list(
        ApplicationHistory.objects.filter(pgh_obj=application)
        .order_by("pgh_id")
        .values_list("pgh_label", "status")
    )
    assert labels[0] == ("insert", "draft") and labels[-1] == ("update", "submitted")

    client.force_login(service_support)
    page = client.get("/django-admin/commissioning/applicationhistory/").content.decode()
    assert escape(application.organisation.name) in page
