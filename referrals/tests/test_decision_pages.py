"""The provider's decisions (and the practitioner's withdrawal) on pages of their own: a GET
shows the page and writes nothing, only a POST decides, bad input is a GOV.UK error
summary, and the decision is not there for anyone it is not for."""

import pytest
from django.utils.html import escape

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from referrals.models import Referral, ReferralEvent, Status
from referrals.tests.factories import provider_admin_for, referral_in, trained_caseworker_for

pytestmark = pytest.mark.django_db


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def unchanged(referral) -> tuple:
    fresh = Referral.objects.get(pk=referral.pk)
    return fresh.status, fresh.assigned_to_id, fresh.events.count()


@pytest.mark.parametrize("action", ["accept", "return", "decline"])
def test_the_referral_page_links_to_each_decision_page_and_get_and_head_write_nothing(
    client, action
):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    detail = page_of(client.get(f"/referrals/{referral.public_id}/"))
    url = f"/referrals/{referral.public_id}/{action}/"
    assert f'href="{url}"' in detail
    # No decision's form sits on the referral page any more.
    main = detail.split('id="main-content"')[1].split("</main>")[0]
    assert 'method="post"' not in main
    before = unchanged(referral)
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200
    assert unchanged(referral) == before


def test_accepting_is_confirmed_on_its_own_page(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    page = page_of(client.get(f"/referrals/{referral.public_id}/accept/"))
    assert "Accept this referral?" in page and "Decision due by" in page
    response = client.post(f"/referrals/{referral.public_id}/accept/")
    assert response["Location"] == f"/referrals/{referral.public_id}/"
    referral.refresh_from_db()
    assert referral.status == Status.ACCEPTED
    # Once accepted there is nothing to accept: the page says it cannot be done now.
    again = client.get(f"/referrals/{referral.public_id}/accept/")
    assert again.status_code == 409 and "cannot be accepted" in again.content.decode()


def test_returning_without_saying_what_is_missing_is_an_error_summary(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    url = f"/referrals/{referral.public_id}/return/"
    before = unchanged(referral)
    page = page_of(client.post(url, {"reason": "  "}))
    assert "govuk-error-summary" in page
    assert '<a href="#id_reason">Say what information is missing</a>' in page
    assert "<title>Error:" in page
    assert unchanged(referral) == before
    client.post(url, {"reason": "Add the sentence end date"})
    referral.refresh_from_db()
    assert (referral.status, referral.return_reason) == (
        Status.RETURNED,
        "Add the sentence end date",
    )


def test_declining_for_another_reason_needs_details_linked_to_their_field(client):
    referral = referral_in(Status.SENT)
    client.force_login(provider_admin_for(referral.service))
    url = f"/referrals/{referral.public_id}/decline/"
    page = page_of(client.post(url, {}))
    assert '<a href="#id_reason_0">Select a reason for declining</a>' in page
    page = page_of(client.post(url, {"reason": "other"}))
    assert '<a href="#id_note">Explain the reason for declining</a>' in page
    assert Referral.objects.get(pk=referral.pk).status == Status.SENT
    client.post(url, {"reason": "other", "note": "Outside our area"})
    assert Referral.objects.get(pk=referral.pk).status == Status.DECLINED


def test_the_practitioner_withdraws_on_a_page_of_their_own(client):
    referral = referral_in(Status.SENT)
    client.force_login(referral.practitioner)
    detail = page_of(client.get(f"/referrals/{referral.public_id}/"))
    assert f'href="/referrals/{referral.public_id}/withdraw/"' in detail
    url = f"/referrals/{referral.public_id}/withdraw/"
    assert "Select a reason for withdrawing" in page_of(client.post(url, {}))
    client.post(url, {"reason": "needs_met"})
    assert Referral.objects.get(pk=referral.pk).status == Status.WITHDRAWN


class TestAssigning:
    def test_the_list_says_who_has_current_risk_training(self, client):
        referral = referral_in(Status.ACCEPTED)
        trained = trained_caseworker_for(referral.service)
        untrained = UserFactory(
            role=Role.CASEWORKER, organisation=referral.service.organisation, full_name="Una Trent"
        )
        client.force_login(provider_admin_for(referral.service))
        page = page_of(client.get(f"/referrals/{referral.public_id}/assign/"))
        for member, hint in (
            (trained, "Current risk awareness training"),
            (untrained, "No current risk awareness training: cannot be assigned"),
        ):
            option = page[page.index(f'value="{member.pk}"') :]
            option = option[: option.index("</div>")]  # its label and hint
            assert escape(member.full_name) in option and hint in option

    def test_an_untrained_caseworker_is_refused_with_the_reason_in_the_summary(self, client):
        referral = referral_in(Status.ACCEPTED)
        trained_caseworker_for(referral.service)  # the agreement is signed
        untrained = UserFactory(
            role=Role.CASEWORKER, organisation=referral.service.organisation, full_name="Una Trent"
        )
        client.force_login(provider_admin_for(referral.service))
        url = f"/referrals/{referral.public_id}/assign/"
        before = unchanged(referral)
        page = page_of(client.post(url, {"caseworker": untrained.pk}))
        assert "govuk-error-summary" in page
        assert (
            '<a href="#id_caseworker_0">Una Trent cannot be assigned: they do not have current '
            "risk awareness training" in page
        )
        assert unchanged(referral) == before

    def test_a_trained_caseworker_is_assigned_and_told(self, client):
        referral = referral_in(Status.ACCEPTED)
        trained = trained_caseworker_for(referral.service)
        client.force_login(provider_admin_for(referral.service))
        response = client.post(
            f"/referrals/{referral.public_id}/assign/", {"caseworker": trained.pk}
        )
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.assigned_to == trained
        assert trained.notifications.filter(kind="referral_assigned").exists()

    def test_choosing_no_one_or_someone_elsewhere_is_an_error(self, client):
        referral = referral_in(Status.ACCEPTED)
        client.force_login(provider_admin_for(referral.service))
        url = f"/referrals/{referral.public_id}/assign/"
        assert "Select who will work with the person" in page_of(client.post(url, {}))
        elsewhere = UserFactory(role=Role.CASEWORKER)
        assert "Select a member of your organisation" in page_of(
            client.post(url, {"caseworker": elsewhere.pk})
        )
        assert Referral.objects.get(pk=referral.pk).assigned_to is None


class TestOutOfScope:
    @pytest.mark.parametrize("action", ["accept", "return", "decline", "assign", "withdraw"])
    def test_another_organisation_or_pdu_gets_404_and_nothing_changes(self, client, action):
        referral = referral_in(Status.SENT if action != "assign" else Status.ACCEPTED)
        before = unchanged(referral)
        for outsider in (
            UserFactory(role=Role.PROVIDER_ADMIN),
            UserFactory(role=Role.PRACTITIONER, pdu=Pdu.objects.exclude(pk=referral.pdu_id)[0]),
            UserFactory(role=Role.COMMISSIONER),
        ):
            client.force_login(outsider)
            url = f"/referrals/{referral.public_id}/{action}/"
            assert client.get(url).status_code == 404
            assert client.post(url, {"reason": "no_capacity"}).status_code == 404
        assert unchanged(referral) == before

    def test_the_practitioner_cannot_open_the_providers_decisions(self, client):
        referral = referral_in(Status.SENT)
        client.force_login(referral.practitioner)
        for action in ("accept", "return", "decline", "assign"):
            assert client.get(f"/referrals/{referral.public_id}/{action}/").status_code == 404

    def test_a_caseworker_cannot_assign(self, client):
        referral = referral_in(Status.ACCEPTED)
        caseworker = trained_caseworker_for(referral.service)
        client.force_login(caseworker)
        url = f"/referrals/{referral.public_id}/assign/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"caseworker": caseworker.pk}).status_code == 404
        assert Referral.objects.get(pk=referral.pk).assigned_to is None

    def test_no_other_action_has_a_page(self, client):
        referral = referral_in(Status.ACCEPTED)
        client.force_login(provider_admin_for(referral.service))
        for action in ("send", "start", "complete", "edit", "read_risk", "nonsense"):
            assert client.get(f"/referrals/{referral.public_id}/{action}/").status_code == 404
        assert not ReferralEvent.objects.filter(referral=referral, kind="start").exists()


def test_accepting_after_a_colleague_decided_is_a_page_level_error(client, monkeypatch):
    """A colleague accepts between the page opening and the click: the refusal tops the
    error summary, linked to the page's main content (the form asks nothing: no field)."""
    import re

    from referrals import services

    referral = referral_in(Status.SENT)
    admin = provider_admin_for(referral.service)
    colleague = UserFactory(role=Role.PROVIDER_ADMIN, organisation=referral.service.organisation)
    accept = services.referral_accept

    def colleague_first(*, referral, by):
        accept(referral=Referral.objects.get(pk=referral.pk), by=colleague)
        return accept(referral=referral, by=by)

    monkeypatch.setattr(services, "referral_accept", colleague_first)
    client.force_login(admin)
    page = page_of(client.post(f"/referrals/{referral.public_id}/accept/"))
    summary = page.split('class="govuk-error-summary"', 1)[1].split("</ul>", 1)[0]
    links = re.findall(r'<a href="([^"]*)">([^<]*)</a>', summary)
    assert len(links) == 1 and links[0][0] == "#main-content", links
    assert 'id="main-content"' in page
    assert "<title>Error: " in page
    fresh = Referral.objects.get(pk=referral.pk)
    assert fresh.status == Status.ACCEPTED
    assert fresh.events.filter(kind="accept").count() == 1
