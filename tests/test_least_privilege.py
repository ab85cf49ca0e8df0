"""Least privilege: each role sees and learns only what its work needs. Applications and
agreements are for provider admins; an invitation answers the same whatever the address; a
reference in a body to something out of scope reads as one that does not exist; no personal
data in email subjects."""

from __future__ import annotations

import pytest
from django.core import mail

from commissioning.models import Application
from commissioning.tests.factories import add_lot, apply, auth, new_round, open_round
from notifications.models import Notification
from partnership.models import Role, User
from partnership.tests.factories import UserFactory
from providers.tests.factories import OrganisationFactory, make_service
from referrals import services as referrals
from referrals.models import Status
from referrals.tests.factories import referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db


def test_least_privilege_caseworkers_do_not_read_their_organisations_applications(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    other_lot = add_lot(funding_round, commissioner, "Recovery", 50_000, slug="dependency-recovery")
    open_round(funding_round, commissioner)
    application, admin = apply(lot, income=50_000)
    draft = Application.objects.create(
        lot=other_lot,
        organisation=admin.organisation,
        created_by=admin,
    )
    caseworker = UserFactory(role=Role.CASEWORKER, organisation=admin.organisation)
    headers = auth(caseworker, scope="read")
    listed = client.get("/api/v1/applications/", **headers).json()
    assert listed["results"] == []
    for one in (application, draft):
        assert client.get(f"/api/v1/applications/{one.public_id}/", **headers).status_code == 404
    client.force_login(caseworker)
    assert client.get(f"/funding/applications/{application.public_id}/").status_code == 404
    # The organisation's admin still sees both.
    admin_list = client.get("/api/v1/applications/", **auth(admin)).json()
    assert len(admin_list["results"]) == 2


def test_least_privilege_invitation_says_the_same_whatever_the_address(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory())
    elsewhere = UserFactory(role=Role.COMMISSIONER, email="someone@council.example")
    client.force_login(admin)

    def invite(email):
        response = client.post(
            "/organisation/staff/invite/",
            {"email": email, "full_name": "Alex Example", "role": Role.CASEWORKER},
            follow=True,
        )
        assert response.status_code == 200
        return [str(m) for m in response.context["messages"]]

    new_answer = invite("new.person@provider.example")
    existing_answer = invite(elsewhere.email)
    assert new_answer == existing_answer
    elsewhere.refresh_from_db()
    assert elsewhere.organisation_id is None and elsewhere.role == Role.COMMISSIONER
    assert User.objects.filter(email__iexact=elsewhere.email).count() == 1
    # The holder of the account hears of it; no link to set a password is sent to them.
    told = Notification.objects.get(recipient=elsewhere, kind="staff_invited_existing")
    assert not told.link


def test_least_privilege_a_lot_of_a_draft_round_reads_as_one_that_does_not_exist(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    draft_lot = add_lot(new_round(commissioner), commissioner, "Housing", 100_000)
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory())
    body = {
        "approach": "Key workers.",
        "outcomes": "Settled homes.",
        "amount_requested": 1000,
        "proposed_monthly_capacity": 5,
    }
    headers = auth(admin)
    hidden = client.post(
        "/api/v1/applications/",
        {**body, "lot": draft_lot.pk},
        content_type="application/json",
        **headers,
    )
    missing = client.post(
        "/api/v1/applications/", {**body, "lot": 10**9}, content_type="application/json", **headers
    )
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["errors"]["lot"][0].replace(str(draft_lot.pk), "N") == missing.json()[
        "errors"
    ]["lot"][0].replace(str(10**9), "N")
    assert not Application.objects.exists()


def test_least_privilege_a_service_out_of_reach_reads_as_one_that_does_not_exist(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    paused = make_service()
    paused.status = "closed"
    paused.save(update_fields=["status"])
    headers = auth(practitioner)

    def create(service_id):
        return client.post(
            "/api/v1/referrals/",
            {"service": service_id, "crn": "X123456"},
            content_type="application/json",
            **headers,
        )

    hidden, missing = create(paused.pk), create(10**9)
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["errors"]["service"][0].replace(str(paused.pk), "N") == missing.json()[
        "errors"
    ]["service"][0].replace(str(10**9), "N")


def test_least_privilege_no_personal_data_in_email_subjects():

    from django.utils import timezone

    referral = referral_in(Status.ACCEPTED)
    referral.first_name, referral.last_name = "Sean", "Quillfeather"
    referral.save(update_fields=["first_name", "last_name"])
    caseworker = trained_caseworker_for(referral.service)
    referrals.session_record(
        referral=referral,
        by=caseworker,
        kind="session",
        held_on=timezone.localdate(),  # never before the referral was sent
        mode="in_person",
        attendance="did_not_attend",
    )
    referrals.concern_raise(
        referral=referral,
        by=caseworker,
        urgency="urgent",
        what_happened="Missed appointment",
        actions_taken="Called",
    )
    titles = list(Notification.objects.values_list("title", flat=True))
    assert titles
    for title in titles:
        assert "Sean" not in title and "Quillfeather" not in title, title
    for message in mail.outbox:
        assert "Quillfeather" not in message.subject
