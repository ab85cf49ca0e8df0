"""Requests that race for one row a unique constraint guards answer as the rule says: a
second registration of an org-id gets the error a later one would (400, on `org_id`), a
second signature of the agreement returns the first; never a 500. Each race runs for
real, in threads on their own connections."""

from django.test import Client

from partnership.models import Role
from partnership.tests.concurrency import run_together
from partnership.tests.factories import UserFactory, issue_token
from providers import services
from providers.models import AgreementSignature, InformationSharingAgreement, Organisation
from providers.tests.factories import OrganisationFactory


def test_unique_race_registering_one_org_id_twice_keeps_one_organisation(committed_db):
    admin = UserFactory(role=Role.ADMIN)
    _, raw = issue_token(admin, scope="write")
    api = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")

    def register(index: int):
        return api.post(
            "/api/v1/organisations/",
            {"name": f"Second Chance {index}", "org_id": "GB-CHC-7654321"},
            content_type="application/json",
        )

    responses = run_together(8, register)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [400] * 7, [r.content for r in responses]
    for refused in (r for r in responses if r.status_code == 400):
        assert refused["Content-Type"] == "application/problem+json"
        assert "org_id" in refused.json()["errors"]
    assert Organisation.objects.filter(org_id="GB-CHC-7654321").count() == 1


def test_unique_race_publishing_one_agreement_version_twice_keeps_one(committed_db):
    from django.core.exceptions import ValidationError

    def publish(index: int):
        return services.agreement_publish(version="race-1", title="Agreement", body="Terms.")

    outcomes = run_together(6, publish)

    published = [o for o in outcomes if isinstance(o, InformationSharingAgreement)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert (len(published), len(refused)) == (1, 5), outcomes
    assert all("already published" in str(exc) for exc in refused)


def test_unique_race_signing_the_agreement_twice_keeps_one_signature(committed_db):
    organisation = OrganisationFactory()
    admin = UserFactory(role=Role.PROVIDER_ADMIN, organisation=organisation)

    def sign(index: int):
        return services.agreement_sign(
            organisation=organisation,
            by=admin,
            signatory_name="Sam Signer",
            signatory_position="Director",
        )

    outcomes = run_together(8, sign)

    assert all(isinstance(o, AgreementSignature) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert AgreementSignature.objects.filter(organisation=organisation).count() == 1
