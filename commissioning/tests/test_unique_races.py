"""Requests that race for one row a unique constraint guards answer as the rule says: one
application per organisation and lot (a racing first save updates the winner's draft),
one agreement per award (409), one assignment per assessor (the existing one); never a
500. Each race runs for real, in threads on their own connections."""

from django.test import Client

from commissioning import services
from commissioning.models import Agreement, Application, AssessorAssignment
from commissioning.tests.factories import add_lot, apply, manchester_pdus, new_round, open_round
from partnership.models import Role
from partnership.tests.concurrency import run_together
from partnership.tests.factories import UserFactory, issue_token
from providers.tests.factories import OrganisationFactory


def _api(user) -> Client:
    _, raw = issue_token(user, scope="write")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {raw}")


def _awarded(commissioner):
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    services.application_decide(
        application=application, by=commissioner, successful=True, feedback="Well done."
    )
    return application


def test_unique_race_first_saves_of_an_application_make_one_draft(committed_db):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    admin = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=50_000)
    )
    api = _api(admin)
    pdus = [pdu.pk for pdu in manchester_pdus()[:1]]

    def save(index: int):
        return api.post(
            "/api/v1/applications/",
            {"lot": lot.pk, "approach": f"Approach {index}", "pdus": pdus},
            content_type="application/json",
        )

    responses = run_together(10, save)

    assert [r.status_code for r in responses] == [201] * 10, [
        r.content.decode()[:600] for r in responses if r.status_code != 201
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Application.objects.filter(lot=lot, organisation=admin.organisation).count() == 1


def test_unique_race_two_agreements_for_one_award_one_is_a_409(committed_db):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    application = _awarded(commissioner)
    api = _api(commissioner)
    body = {
        "application": str(application.public_id),
        "value": 100_000,
        "starts_on": "2027-04-01",
        "ends_on": "2029-04-01",
        "break_clause_dates": ["2028-04-01"],
    }

    def create(index: int):
        return api.post("/api/v1/agreements/", body, content_type="application/json")

    responses = run_together(6, create)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 5, [r.content for r in responses]
    assert all(
        r["Content-Type"] == "application/problem+json" for r in responses if r.status_code == 409
    )
    assert Agreement.objects.filter(application=application).count() == 1


def test_unique_race_assigning_one_assessor_twice_keeps_one_assignment(committed_db):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    application, _ = apply(lot, income=50_000)
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)

    def assign(index: int):
        return services.assessor_assign(application=application, by=commissioner, assessor=assessor)

    outcomes = run_together(10, assign)

    assert all(isinstance(o, AssessorAssignment) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert AssessorAssignment.objects.filter(application=application).count() == 1
