"""An application is checked before it is submitted: a check answers page with a Change link
per answer that comes back to it; errors are on their own questions; a bid above the lot's
budget is refused in the service, so by the pages and the API alike."""

import pytest
from django.core.exceptions import ValidationError

from commissioning import services
from commissioning.models import Application
from commissioning.tests.factories import add_lot, auth, manchester_pdus, new_round, open_round
from partnership.models import Role
from partnership.tests.factories import UserFactory
from providers.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Wellbeing", 100_000)
    open_round(funding_round, commissioner)
    admin = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=80_000)
    )
    application = services.application_save(
        lot=lot,
        by=admin,
        data={
            "approach": "Weekly groups.",
            "outcomes": "Steadier lives.",
            "amount_requested": 40_000,
            "proposed_monthly_capacity": 8,
        },
        pdus=manchester_pdus()[:1],
    )
    return application, admin


def _url(application, rest=""):
    return f"/funding/applications/{application.public_id}/{rest}"


def test_check_answers_lists_each_answer_with_a_change_link_that_comes_back(client, draft):
    application, admin = draft
    client.force_login(admin)
    page = client.get(_url(application, "check/")).content.decode()
    assert "Check your answers before submitting your application" in page
    assert "Weekly groups." in page and "£40,000" in page
    change = f'href="{_url(application)}?return=check#id_approach"'
    assert change in page and f'href="{_url(application)}?return=check#id_pdus_0"' in page
    assert page.count(">Change<") == 6  # a grant: no experience question
    # Changing an answer from there comes back to check answers.
    form = client.get(f"{_url(application)}?return=check").content.decode()
    assert "Save and return to check your answers" in form
    assert f'href="{_url(application, "check/")}"' in form
    back = client.post(
        f"{_url(application)}?return=check",
        {
            "action": "check",
            "approach": "Weekly groups and one-to-ones.",
            "outcomes": "Steadier lives.",
            "amount_requested": "40000",
            "proposed_monthly_capacity": "8",
            "pdus": [manchester_pdus()[0].pk],
        },
    )
    assert back.status_code == 302 and back.url == _url(application, "check/")
    application.refresh_from_db()
    assert application.approach == "Weekly groups and one-to-ones."
    assert application.status == Application.Status.DRAFT
    # Submitting is from check answers only.
    done = client.post(_url(application, "check/"))
    assert done.status_code == 302 and done.url == _url(application)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    # Once submitted there is nothing to check: back to the application.
    assert client.get(_url(application, "check/")).url == _url(application)
    assert client.post(_url(application, "check/")).status_code == 409


def test_errors_link_to_their_own_fields_with_inline_message_and_red_border(client, draft):
    application, admin = draft
    client.force_login(admin)
    response = client.post(
        _url(application),
        {"action": "check", "approach": "", "outcomes": "x", "amount_requested": "150000"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_amount_requested">The amount you are asking for must be £100,000' in page
    # The title says "Error:" once.
    title = page[page.index("<title>") : page.index("</title>")]
    assert title.count("Error:") == 1
    assert "govuk-input--error" in page and 'id="id_amount_requested-error"' in page
    application.refresh_from_db()
    assert application.amount_requested == 40_000  # nothing half-saved

    missing = client.post(_url(application), {"action": "check", "outcomes": "x"}).content.decode()
    assert '<a href="#id_approach">Enter how you will deliver the service</a>' in missing
    assert "govuk-textarea--error" in missing and 'id="id_approach-error"' in missing
    assert "Error: Error:" not in missing


def test_the_assessment_page_title_says_error_once(client):
    from commissioning.tests.factories import AssessorAssignmentFactory

    assignment = AssessorAssignmentFactory(
        application__lot__funding_round__status="open", application__status="submitted"
    )
    client.force_login(assignment.assessor)
    response = client.post(f"/assessments/{assignment.pk}/", {})
    assert response.status_code == 400, response.status_code
    page = response.content.decode()
    assert "Select yes if you have a conflict of interest" in page
    title = page[page.index("<title>") : page.index("</title>")]
    assert title.count("Error:") == 1


def test_a_bid_above_the_lots_budget_is_refused_by_the_service_and_the_api(client, draft):
    application, admin = draft
    with pytest.raises(ValidationError) as error:
        services.application_save(lot=application.lot, by=admin, data={"amount_requested": 100_001})
    assert "amount_requested" in error.value.message_dict
    # At the budget is allowed.
    services.application_save(lot=application.lot, by=admin, data={"amount_requested": 100_000})
    response = client.post(
        "/api/v1/applications/",
        {"lot": application.lot.pk, "amount_requested": 250_000},
        content_type="application/json",
        **auth(admin),
    )
    assert response.status_code == 400
    assert "amount_requested" in response.json()["errors"]
    application.refresh_from_db()
    assert application.amount_requested == 100_000


def test_check_answers_is_404_out_of_scope_and_head_does_not_submit(client, draft):
    application, admin = draft
    for user in (
        UserFactory(role=Role.PROVIDER_ADMIN),
        UserFactory(role=Role.COMMISSIONER),
        UserFactory(role=Role.ASSESSOR),
        UserFactory(role=Role.CASEWORKER, organisation=admin.organisation),
    ):
        client.force_login(user)
        assert client.get(_url(application, "check/")).status_code == 404
        assert client.post(_url(application, "check/")).status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    client.force_login(admin)
    assert client.head(_url(application, "check/")).status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
