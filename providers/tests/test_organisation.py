"""The organisation profile and the information-sharing agreement, in the pages."""

import pytest

from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers import services
from providers.models import AgreementSignature, Organisation
from providers.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

VALID_PROFILE = {
    "name": "Riverside Futures",
    "org_id": "GB-COH-01234567",
    "charity_number": "",
    "company_number": "01234567",
    "legal_form": "cic",
    "description": "We help people find work.",
    "website": "https://riverside.example.org",
    "email": "hello@riverside.example.org",
    "phone": "0161 496 0001",
    "annual_income": "85000",
    "head_office_region": "",
    "reach": "local",
    "populations_served": ["women", "veterans"],
    "lived_experience_led": "on",
}


@pytest.fixture
def admin(client):
    user = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(user)
    return user


def test_an_admin_edits_the_profile_and_the_size_band_follows_income(client, admin):
    response = client.post("/organisation/edit/", VALID_PROFILE)
    assert response.status_code == 302
    organisation = Organisation.objects.get(pk=admin.organisation_id)
    assert organisation.org_id == "GB-COH-01234567"
    assert organisation.size_band == "small"
    assert organisation.populations_served == ["women", "veterans"]
    assert "Small (£10,000 to £100,000)" in client.get("/organisation/").content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"org_id": "GB-CHC-12"}, "Charity Commission number of 6 or 7 digits"),
        ({"org_id": "GB-COH-1234567"}, "leading zeros included"),
        ({"org_id": "XX-123"}, "starts GB-CHC-, GB-COH-, GB-SC- or GB-NIC-"),
        ({"annual_income": "-5"}, "Annual income cannot be negative"),
        ({"name": ""}, "Enter the organisation&#x27;s name"),
    ],
)
def test_invalid_profile_input_is_refused_with_a_specific_error_and_nothing_saved(
    client, admin, changes, message
):
    before = Organisation.objects.get(pk=admin.organisation_id)
    response = client.post("/organisation/edit/", {**VALID_PROFILE, **changes})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    after = Organisation.objects.get(pk=admin.organisation_id)
    assert (after.name, after.org_id, after.annual_income) == (
        before.name,
        before.org_id,
        before.annual_income,
    )


def test_a_caseworker_sees_the_profile_but_cannot_edit_it(client):
    caseworker = UserFactory(role=Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.get("/organisation/").status_code == 200
    assert "Edit profile" not in client.get("/organisation/").content.decode()
    assert client.get("/organisation/edit/").status_code == 404
    assert client.post("/organisation/edit/", VALID_PROFILE).status_code == 404
    assert Organisation.objects.get(pk=caseworker.organisation_id).name != "Riverside Futures"


def test_people_outside_provider_staff_have_no_own_organisation(client):
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    assert client.get("/organisation/").status_code == 404
    assert client.get("/organisation/edit/").status_code == 404
    assert client.get("/organisation/agreement/").status_code == 404


def test_everyone_signed_in_can_read_a_public_profile_without_income(client, admin):
    other = OrganisationFactory(name="Harbour Trust", annual_income=123_456)
    page = client.get(f"/organisations/{other.pk}/").content.decode()
    assert "Harbour Trust" in page and "Edit profile" not in page
    assert "123456" not in page


def test_the_admin_signs_the_agreement_and_a_new_version_needs_signing_again(client, admin):
    page = client.get("/organisation/agreement/").content.decode()
    assert "has not signed this version" in page

    response = client.post(
        "/organisation/agreement/",
        {"signatory_name": "Grace L", "signatory_position": "CEO", "confirm": "on"},
    )
    assert response.status_code == 302
    page = client.get("/organisation/agreement/").content.decode()
    assert "By Grace L, CEO" in page

    services.agreement_publish(
        version="2.0", title="Information-sharing agreement", body="New terms"
    )
    page = client.get("/organisation/agreement/").content.decode()
    assert "Version 2.0" in page and "has not signed this version" in page
    assert "Version 1.0 signed by Grace L" in page


def test_signing_needs_the_confirmation(client, admin):
    response = client.post(
        "/organisation/agreement/", {"signatory_name": "Grace L", "signatory_position": "CEO"}
    )
    assert "Confirm that you can sign for the organisation" in response.content.decode()
    assert not AgreementSignature.objects.exists()


def test_a_caseworker_cannot_sign(client):
    caseworker = UserFactory(role=Role.CASEWORKER)
    client.force_login(caseworker)
    assert (
        "An admin of your organisation needs to sign it"
        in client.get("/organisation/agreement/").content.decode()
    )
    response = client.post(
        "/organisation/agreement/",
        {"signatory_name": "X", "signatory_position": "Y", "confirm": "on"},
    )
    assert response.status_code == 404
    assert not AgreementSignature.objects.exists()
