"""Referral pages: the task list to sending, the inbox and decisions, access in the pages."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partnership.models import DesiredOutcome, Pdu, Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import make_service
from referrals.models import AccessLog, Referral, RiskDocument, Status
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"


def dated(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_a_practitioner_completes_the_task_list_and_sends(client):
    practitioner = UserFactory(role=Role.PRACTITIONER)
    service = make_service(referral_requirements=["date_of_birth", "risk_documents"])
    provider_admin_for(service)
    client.force_login(practitioner)
    response = client.post(f"/services/{service.pk}/refer/", {"crn": "x123456"})
    referral = Referral.objects.get()
    assert response["Location"] == f"/referrals/{referral.public_id}/tasks/"
    assert referral.crn == "X123456"

    check = client.post(f"/referrals/{referral.public_id}/check/")
    page = check.content.decode()
    assert "You cannot send this referral yet" in page and "Attach a risk document" in page
    assert f"/referrals/{referral.public_id}/tasks/documents/" in page

    client.post(
        f"/referrals/{referral.public_id}/tasks/person/",
        {
            "first_name": "Sam",
            "last_name": "Example",
            **dated("date_of_birth", date(1985, 1, 2)),
            "sex": "male",
            "phone": "07700 900000",
            "setting": "community",
        },
    )
    outcome = DesiredOutcome.objects.filter(category__slug="accommodation").first()
    client.post(
        f"/referrals/{referral.public_id}/tasks/needs/",
        {
            "desired_outcomes": [outcome.pk],
            "consent_basis": "consent",
            "reason": "Sam needs help to find a settled home before the hostel place ends next month.",
        },
    )
    client.post(
        f"/referrals/{referral.public_id}/tasks/risk/",
        {
            "rosh_children": "low",
            "rosh_public": "medium",
            "rosh_known_adult": "low",
            "rosh_staff": "low",
            "summary": "Nothing of note.",
        },
    )
    upload = client.post(
        f"/referrals/{referral.public_id}/tasks/documents/",
        {"file": SimpleUploadedFile("oasys.pdf", PDF)},
    )
    assert upload.status_code == 302
    sent = client.post(f"/referrals/{referral.public_id}/check/")
    assert sent["Location"] == f"/referrals/{referral.public_id}/sent/"
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    assert referral.reference in client.get(sent["Location"]).content.decode()
    # Sending again (a double click) leaves one sent referral.
    client.post(f"/referrals/{referral.public_id}/check/")
    assert Referral.objects.count() == 1 and referral.events.filter(kind="send").count() == 1


def test_a_wrong_file_type_is_refused_in_the_page_and_nothing_stored(client):
    referral = referral_in(Status.DRAFT)
    client.force_login(referral.practitioner)
    page = client.post(
        f"/referrals/{referral.public_id}/tasks/documents/",
        {"file": SimpleUploadedFile("notes.pdf", b"#!/bin/sh\nrm -rf /\n")},
    ).content.decode()
    assert "There is a problem" in page
    assert "must be a PDF, Word (DOCX), OpenDocument text (ODT), JPEG or PNG" in page
    assert not RiskDocument.objects.exists()


def test_a_bad_crn_is_a_govuk_error(client):
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    page = client.post(f"/services/{make_service().pk}/refer/", {"crn": "123"}).content.decode()
    assert "Enter a CRN in the correct format, like X123456" in page
    assert not Referral.objects.exists()


def test_the_provider_returns_the_practitioner_amends_resends_and_it_is_accepted_and_assigned(
    client,
):
    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    caseworker = trained_caseworker_for(referral.service)
    client.force_login(admin)
    inbox = client.get("/referrals/inbox/").content.decode()
    assert referral.reference in inbox
    client.post(f"/referrals/{referral.public_id}/return/", {"reason": "Add the sentence details"})
    referral.refresh_from_db()
    assert referral.status == Status.RETURNED

    client.force_login(referral.practitioner)
    client.post(
        f"/referrals/{referral.public_id}/tasks/sentence/",
        {
            "sentence_type": "Community order",
            **dated("sentence_end_date", date(2027, 3, 1)),
        },
    )
    client.post(f"/referrals/{referral.public_id}/check/")
    referral.refresh_from_db()
    assert referral.status == Status.SENT

    client.force_login(admin)
    client.post(f"/referrals/{referral.public_id}/accept/")
    client.post(f"/referrals/{referral.public_id}/assign/", {"caseworker": caseworker.pk})
    referral.refresh_from_db()
    assert (referral.status, referral.assigned_to) == (Status.ACCEPTED, caseworker)
    timeline = client.get(f"/referrals/{referral.public_id}/").content.decode()
    for label in ["Returned for information", "Accepted", "Assigned"]:
        assert label in timeline


def test_decline_needs_a_coded_reason(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    refused = client.post(f"/referrals/{referral.public_id}/decline/", {}).content.decode()
    assert "There is a problem" in refused and "Select a reason for declining" in refused
    referral.refresh_from_db()
    assert referral.status == Status.SENT
    client.post(f"/referrals/{referral.public_id}/decline/", {"reason": "no_capacity"})
    referral.refresh_from_db()
    assert referral.status == Status.DECLINED


class TestAccessInPages:
    def test_the_untrained_caseworker_sees_the_referral_but_not_its_risk(self, client):
        referral = referral_in(Status.SENT)
        trained_caseworker_for(referral.service)
        untrained = UserFactory(role=Role.CASEWORKER, organisation=referral.service.organisation)
        client.force_login(untrained)
        page = client.get(f"/referrals/{referral.public_id}/").content.decode()
        assert referral.reference in page
        assert 'data-testid="risk-withheld"' in page and "Past violence" not in page
        # The page did not ask for risk it may not show: no read, so no row, granted or not.
        assert not AccessLog.objects.filter(user=untrained).exists()

    def test_a_trained_caseworker_sees_risk_and_the_read_is_logged(self, client):
        referral = referral_in(Status.SENT)
        trained = trained_caseworker_for(referral.service)
        client.force_login(trained)
        assert "Past violence" in client.get(f"/referrals/{referral.public_id}/").content.decode()
        assert (
            AccessLog.objects.filter(user=trained, outcome="granted", channel="page").count() == 1
        )

    @pytest.mark.parametrize(
        "role", [Role.PRACTITIONER, Role.PROVIDER_ADMIN, Role.COMMISSIONER, Role.ASSESSOR]
    )
    def test_outsiders_get_404_and_the_list_omits_it(self, client, role):
        referral = referral_in(Status.SENT)
        outsider = UserFactory(
            role=role,
            **(
                {"pdu": Pdu.objects.exclude(pk=referral.pdu_id).first()}
                if role == Role.PRACTITIONER
                else {}
            ),
        )
        client.force_login(outsider)
        assert client.get(f"/referrals/{referral.public_id}/").status_code == 404
        assert client.post(f"/referrals/{referral.public_id}/accept/").status_code == 404
        for listing in ("/referrals/", "/referrals/inbox/"):
            response = client.get(listing)
            assert (
                response.status_code == 404 or referral.reference not in response.content.decode()
            )
        referral.refresh_from_db()
        assert referral.status == Status.SENT

    def test_personal_pages_are_not_cached(self, client):
        referral = referral_in(Status.SENT)
        client.force_login(referral.practitioner)
        assert "no-store" in client.get(f"/referrals/{referral.public_id}/")["Cache-Control"]


class TestReferralListsArePaged:
    """Every referral is reachable from the lists, a page at a time, newest first."""

    def references_on(self, client, path):
        page = client.get(path).content.decode()
        return page, [ref for ref in self.references if ref in page]

    def test_the_practitioners_lists_page_through_every_referral(self, client, monkeypatch):
        monkeypatch.setattr("referrals.views.REFERRALS_PER_PAGE", 2)
        practitioner = UserFactory(role=Role.PRACTITIONER)
        service = make_service()
        made = [
            referral_in(Status.SENT, practitioner=practitioner, service=service) for _ in range(5)
        ]
        self.references = [referral.reference for referral in reversed(made)]  # newest first
        client.force_login(practitioner)

        seen = []
        for number in (1, 2, 3):
            page, shown = self.references_on(client, f"/referrals/?tab=mine&page={number}")
            seen += shown
        assert seen == self.references
        first, _ = self.references_on(client, "/referrals/?tab=mine")
        assert "Showing 1 to 2 of 5 referrals" in first
        assert 'href="?tab=mine&amp;page=2"' in first and 'rel="next"' in first
        last, shown = self.references_on(client, "/referrals/?tab=mine&page=99")
        assert shown == self.references[-1:] and 'rel="next"' not in last
        _, pdu_shown = self.references_on(client, "/referrals/?tab=pdu&page=3")
        assert pdu_shown == self.references[-1:]

    def test_the_provider_inbox_pages_through_a_tab_keeping_the_tab(self, client, monkeypatch):
        monkeypatch.setattr("referrals.views.REFERRALS_PER_PAGE", 2)
        service = make_service()
        made = [referral_in(Status.SENT, service=service) for _ in range(3)]
        self.references = [referral.reference for referral in reversed(made)]  # newest sent first
        client.force_login(provider_admin_for(service))

        first, shown_first = self.references_on(client, "/referrals/inbox/?tab=new")
        second, shown_second = self.references_on(client, "/referrals/inbox/?tab=new&page=2")
        assert shown_first + shown_second == self.references
        assert 'href="?tab=new&amp;page=2"' in first
        assert "Showing 3 to 3 of 3 referrals" in second
        _, closed = self.references_on(client, "/referrals/inbox/?tab=closed&page=2")
        assert closed == []
