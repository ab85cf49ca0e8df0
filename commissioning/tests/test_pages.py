from datetime import date, timedelta

import pytest
from django.utils import timezone

from commissioning import selectors, services
from commissioning.forms import LONDON
from commissioning.models import Application, AssessorAssignment, FundingRound
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from partnership.models import Pdu, Region, Role, ServiceCategory
from partnership.tests.factories import UserFactory
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


def test_commissioners_see_market_health_and_providers_only_their_own_applications(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000)
    open_round(funding_round, commissioner)
    mine, admin = apply(lot, income=50_000)
    theirs, _ = apply(lot, income=60_000)
    client.force_login(commissioner)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert 'data-testid="market-health"' in page and theirs.organisation.name in page
    client.force_login(admin)
    page = client.get(f"/funding-rounds/{funding_round.public_id}/").content.decode()
    assert mine.organisation.name in page and theirs.organisation.name not in page
    assert 'data-testid="market-health"' not in page


def test_draft_rounds_are_404_to_providers_and_rounds_are_404_to_practitioners(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(f"/funding-rounds/{funding_round.public_id}/").status_code == 404
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    assert client.get(f"/funding-rounds/{funding_round.public_id}/").status_code == 404


def _page(response) -> str:
    return response.content.decode()


def test_a_commissioner_sets_up_a_round_in_pages_and_opening_it_early_shows_why_not(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    bad = client.post("/funding-rounds/new/", {"title": "", "mechanism": "grant", "budget": "x"})
    assert bad.status_code == 200 and "There is a problem" in _page(bad)
    assert "Enter a title for the round" in _page(bad)
    assert "whole number of pounds" in _page(bad)
    assert not FundingRound.objects.exists()

    closes = timezone.localdate() + timedelta(days=20)
    response = client.post(
        "/funding-rounds/new/",
        {
            "title": "Salford wellbeing grants",
            "mechanism": "grant",
            "regions": [Region.objects.get(code="L").pk],
            "budget": "120000",
            "closes_on_0": closes.day,
            "closes_on_1": closes.month,
            "closes_on_2": closes.year,
            "minimum_agreement_months": "24",
        },
    )
    funding_round = FundingRound.objects.get()
    assert response.url == f"/funding-rounds/{funding_round.public_id}/"
    assert funding_round.closes_at.astimezone(LONDON).hour == 12

    def step(name):
        return f"/funding-rounds/{funding_round.public_id}/steps/{name}/"

    refused = client.post(step("consult"))
    assert refused.status_code == 409
    assert "govuk-error-summary" in _page(refused) and "Add at least one lot" in _page(refused)
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.DRAFT

    pdu = Pdu.objects.filter(region__code="L").first()
    over = client.post(
        f"/funding-rounds/{funding_round.public_id}/lots/new/",
        {"title": "Wellbeing", "category": "", "pdus": [pdu.pk], "budget": "80000"},
    )
    assert "Select the category of service" in _page(over)
    assert "Enter the expected referrals a month" in _page(over)
    client.post(
        f"/funding-rounds/{funding_round.public_id}/lots/new/",
        {
            "title": "Wellbeing",
            "category": ServiceCategory.objects.get(slug="emotional-wellbeing").pk,
            "pdus": [pdu.pk],
            "budget": "80000",
            "expected_monthly_referrals": "15",
            "income_ceiling": "250000",
        },
    )
    client.post(
        f"/funding-rounds/{funding_round.public_id}/criteria/new/",
        {"name": "Quality", "weight": "70"},
    )
    assert client.post(step("consult")).status_code == 302
    assert client.post(step("open")).status_code == 302
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.OPEN
    assert funding_round.lots.get().income_ceiling == 250_000


def test_other_commissioners_and_providers_cannot_change_a_round(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    for outsider in (UserFactory(role=Role.COMMISSIONER), UserFactory(role=Role.PROVIDER_ADMIN)):
        client.force_login(outsider)
        assert client.get(f"/funding-rounds/{funding_round.public_id}/edit/").status_code == 404
        response = client.post(f"/funding-rounds/{funding_round.public_id}/steps/consult/")
        assert response.status_code == 404


def test_providers_comment_during_consultation_and_the_lead_sees_it(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    add_lot(funding_round, commissioner, "Housing", 100_000)
    services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(admin)
    url = f"/funding-rounds/{funding_round.public_id}/comment/"
    assert "Enter your comment" in _page(client.post(url, {"text": " "}))
    client.post(url, {"text": "Please make the housing lot smaller."})
    client.force_login(commissioner)
    page = _page(client.get(f"/funding-rounds/{funding_round.public_id}/"))
    assert "Please make the housing lot smaller." in page and admin.organisation.name in page
    assert commissioner.notifications.filter(kind="round_comment").exists()


def _open_round_with_lot(commissioner, ceiling=None):
    funding_round = new_round(commissioner)
    lot = add_lot(funding_round, commissioner, "Housing", 100_000, ceiling=ceiling)
    open_round(funding_round, commissioner)
    return funding_round, lot


def test_a_provider_applies_from_a_draft_to_submitted_in_pages(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    admin = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=80_000)
    )
    client.force_login(admin)
    start = client.get(f"/funding/lots/{lot.pk}/apply/")
    assert admin.organisation.name in _page(start) and "Small" in _page(start)
    response = client.post(f"/funding/lots/{lot.pk}/apply/")
    application = Application.objects.get(organisation=admin.organisation)
    url = f"/funding/applications/{application.public_id}/"
    assert response.url == url
    page = _page(client.get(url))
    # A grant asks fewer questions than a contract.
    assert 'name="approach"' in page and 'name="experience"' not in page

    client.post(url, {"action": "save", "approach": "Drop-in and key work.", "pdus": []})
    application.refresh_from_db()
    assert application.status == "draft" and application.approach == "Drop-in and key work."

    # Continuing with answers missing saves what was typed and marks each missing question.
    incomplete = client.post(url, {"action": "check", "approach": "Drop-in and key work."})
    assert incomplete.status_code == 400
    assert '<a href="#id_outcomes">Enter the difference it will make</a>' in _page(incomplete)
    assert '<a href="#id_pdus_0">Select the PDUs you will cover</a>' in _page(incomplete)
    application.refresh_from_db()
    assert application.status == "draft"

    pdu = lot.pdus.first()
    checked = client.post(
        url,
        {
            "action": "check",
            "approach": "Drop-in and key work.",
            "outcomes": "Settled housing.",
            "amount_requested": "40000",
            "proposed_monthly_capacity": "8",
            "staff_training_budget": "2000",
            "pdus": [pdu.pk],
        },
    )
    assert checked.url == f"{url}check/"
    application.refresh_from_db()
    assert application.status == "draft" and application.staff_training_budget == 2000
    done = client.post(f"{url}check/")
    assert done.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    # Going back to the lot shows the application, not a second one.
    assert client.post(f"/funding/lots/{lot.pk}/apply/").url == url
    assert Application.objects.count() == 1


def test_ineligible_and_late_applications_get_specific_errors_in_pages(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner, ceiling=100_000)
    big = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=5_000_000)
    )
    client.force_login(big)
    refused = client.post(f"/funding/lots/{lot.pk}/apply/")
    assert refused.status_code == 400
    assert "annual income under £100,000" in _page(refused)
    assert not Application.objects.exists()

    small = UserFactory(
        role=Role.PROVIDER_ADMIN, organisation=OrganisationFactory(annual_income=20_000)
    )
    client.force_login(small)
    client.post(f"/funding/lots/{lot.pk}/apply/")
    application = Application.objects.get()
    FundingRound.objects.filter(pk=funding_round.pk).update(
        closes_at=timezone.now() - timedelta(minutes=1)
    )
    client.post(
        f"/funding/applications/{application.public_id}/",
        {
            "action": "check",
            "approach": "a",
            "outcomes": "b",
            "amount_requested": "1000",
            "proposed_monthly_capacity": "2",
            "pdus": [lot.pdus.first().pk],
        },
    )
    late = client.post(f"/funding/applications/{application.public_id}/check/")
    assert late.status_code == 400 and "The round has closed" in _page(late)
    application.refresh_from_db()
    assert application.status == "draft"


def test_applications_are_404_outside_their_organisation_and_to_unassigned_assessors(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    application, _ = apply(lot, income=50_000)
    url = f"/funding/applications/{application.public_id}/"
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(url).status_code == 404
    assert client.get(f"{url}withdraw/").status_code == 404
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    client.force_login(assessor)
    assert client.get(url).status_code == 404
    other = services.assessor_assign(
        application=application,
        by=commissioner,
        assessor=UserFactory(
            role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body
        ),
    )
    assert client.get(f"/assessments/{other.pk}/").status_code == 404


def test_an_assessor_declares_before_reading_and_the_moderation_table_ranks(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    strong, _ = apply(lot, income=50_000)
    weak, _ = apply(lot, income=60_000)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    assessor = UserFactory(role=Role.ASSESSOR, commissioning_body=commissioner.commissioning_body)
    client.force_login(commissioner)
    client.post(
        f"/funding/applications/{strong.public_id}/assessors/new/", {"assessor": assessor.pk}
    )
    services.assessor_assign(application=weak, by=commissioner, assessor=assessor)
    assignment = AssessorAssignment.objects.get(application=strong, assessor=assessor)

    client.force_login(assessor)
    page = _page(client.get(f"/assessments/{assignment.pk}/"))
    assert "Key workers." not in page and "conflict of interest" in page
    assert client.get(f"/funding/applications/{strong.public_id}/").status_code == 404
    client.post(f"/assessments/{assignment.pk}/", {"has_conflict": "no"})
    page = _page(client.get(f"/assessments/{assignment.pk}/"))
    assert "Key workers." in page
    quality, value = funding_round.criteria.order_by("id")
    missing = client.post(f"/assessments/{assignment.pk}/", {f"score_{quality.pk}": "5"})
    assert missing.status_code == 400 and "Score ‘Value’ from 0 to 5" in _page(missing)
    client.post(
        f"/assessments/{assignment.pk}/",
        {f"score_{quality.pk}": "5", f"score_{value.pk}": "4", "comment": "Strong."},
    )
    other = AssessorAssignment.objects.get(application=weak, assessor=assessor)
    services.conflict_declare(assignment=other, by=assessor, has_conflict=False)
    services.scores_record(
        assignment=other, by=assessor, scores={quality.pk: (2, ""), value.pk: (1, "")}
    )

    client.force_login(commissioner)
    table = selectors.moderation_table(funding_round=funding_round)[0]["rows"]
    # (5×60 + 4×40) / (5×100) = 92%; (2×60 + 1×40) / 500 = 32%.
    assert [(r["application"], r["mean"], r["rank"]) for r in table] == [
        (strong, 92.0, 1),
        (weak, 32.0, 2),
    ]
    page = _page(client.get(f"/funding-rounds/{funding_round.public_id}/moderation/"))
    assert "92.0%" in page and "32.0%" in page


def test_the_commissioner_decides_and_records_an_agreement_in_pages(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    application, admin = apply(lot, income=50_000)
    service = make_service(organisation=application.organisation)
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    client.force_login(commissioner)
    url = f"/funding/applications/{application.public_id}/decision/"
    assert "Give the applicant feedback" in _page(client.post(url, {"successful": "yes"}))
    client.post(url, {"successful": "yes", "feedback": "A clear, local plan."})
    application.refresh_from_db()
    assert application.status == "successful"

    start = date.today() + timedelta(days=30)
    short = start + timedelta(days=200)
    agreement_url = f"/funding/applications/{application.public_id}/agreement/"
    fields = {
        "value": "50000",
        "starts_on_0": start.day,
        "starts_on_1": start.month,
        "starts_on_2": start.year,
        "ends_on_0": short.day,
        "ends_on_1": short.month,
        "ends_on_2": short.year,
        f"service_{service.pk}": "6",
    }
    refused = client.post(agreement_url, fields)
    assert refused.status_code == 400
    assert "Explain why the term is shorter than 24 months" in _page(refused)
    client.post(agreement_url, {**fields, "justification": "Pilot year before a longer grant."})
    agreement = application.agreement
    assert agreement.funded_services.get().contracted_monthly_referrals == 6

    client.force_login(admin)
    assert "A clear, local plan." in _page(
        client.get(f"/funding/applications/{application.public_id}/")
    )
    assert client.get(f"/agreements/{agreement.public_id}/").status_code == 200
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(f"/agreements/{agreement.public_id}/").status_code == 404
    assert str(agreement.public_id) not in _page(client.get("/agreements/"))


def test_market_health_over_time_is_for_commissioners_in_their_regions(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    client.force_login(commissioner)
    page = _page(client.get("/market-health/"))
    assert "Greater Manchester" in page and 'data-testid="trend-table"' in page
    assert client.get("/market-health/?region=J").status_code == 404
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get("/market-health/").status_code == 404


def test_times_and_money_read_as_govuk_writes_them():
    from datetime import datetime

    from commissioning.templatetags.funding import govuk_time, pounds

    assert govuk_time(datetime(2026, 12, 3, 12, 0, tzinfo=LONDON)) == "midday on 3 December 2026"
    assert govuk_time(datetime(2026, 7, 1, 15, 30, tzinfo=LONDON)) == "3:30pm on 1 July 2026"
    assert govuk_time(datetime(2026, 7, 1, 9, 0, tzinfo=LONDON)) == "9am on 1 July 2026"
    assert pounds(1250000) == "£1,250,000" and pounds(None) == "Not given"


def test_the_round_form_checks_its_dates_run_in_order(client):
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    today = timezone.localdate()

    def as_date(name, day):
        return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}

    response = client.post(
        "/funding-rounds/new/",
        {
            "title": "Oldham mentoring grants",
            "mechanism": "grant",
            "regions": [Region.objects.get(code="L").pk],
            "budget": "50000",
            "minimum_agreement_months": "24",
            **as_date("consultation_opens_on", today + timedelta(days=10)),
            **as_date("opens_on", today + timedelta(days=5)),
            **as_date("closes_on", today + timedelta(days=4)),
        },
    )
    page = response.content.decode()
    assert "The round must open after consultation starts" in page
    assert "The closing date must be after the round opens" in page
    assert not FundingRound.objects.exists()


def test_caseworkers_have_no_funding_rounds_in_pages_or_api(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, _ = _open_round_with_lot(commissioner)
    caseworker = UserFactory(role=Role.CASEWORKER)
    client.force_login(caseworker)
    assert client.get("/funding/").status_code == 404
    assert client.get(f"/funding-rounds/{funding_round.public_id}/").status_code == 404
    assert client.get("/api/v1/funding-rounds/").json()["results"] == []


def test_a_round_page_offers_each_user_only_what_the_rules_allow(client):
    lead = UserFactory(role=Role.COMMISSIONER)
    co_funder = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(lead)
    funding_round.co_funders.add(co_funder.commissioning_body)
    add_lot(funding_round, lead, "Housing", 100_000)
    url = f"/funding-rounds/{funding_round.public_id}/"
    client.force_login(lead)
    page = _page(client.get(url))
    assert "Start consultation" in page and "Add a lot" in page and "Change terms" in page
    assert "Applications and scores" not in page
    client.force_login(co_funder)
    page = _page(client.get(url))
    assert "Start consultation" not in page and "Add a lot" not in page

    open_round(funding_round, lead)
    client.force_login(lead)
    page = _page(client.get(url))
    assert "Close applications and start assessment" in page
    assert "Add a lot" not in page and "Change terms" not in page
    assert "Applications and scores" in page
    client.force_login(co_funder)
    page = _page(client.get(url))
    assert "Applications and scores" in page and "Close applications" not in page
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    client.force_login(admin)
    page = _page(client.get(url))
    assert "Apply<span" in page and "Comment on the draft" not in page


def test_a_form_the_rounds_state_refuses_says_why_and_a_post_changes_nothing(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    client.force_login(commissioner)
    url = f"/funding-rounds/{funding_round.public_id}/lots/new/"
    shown = client.get(url)
    assert shown.status_code == 200
    assert 'data-testid="refused"' in _page(shown)
    assert "Lots can only be added before the round opens" in _page(shown)
    assert 'name="title"' not in _page(shown)
    posted = client.post(
        url,
        {
            "title": "Late lot",
            "category": ServiceCategory.objects.get(slug="emotional-wellbeing").pk,
            "pdus": [lot.pdus.first().pk],
            "budget": "1000",
            "expected_monthly_referrals": "1",
        },
    )
    assert posted.status_code == 409
    assert funding_round.lots.count() == 1
    # Someone it is not for does not learn the form exists.
    client.force_login(UserFactory(role=Role.PROVIDER_ADMIN))
    assert client.get(url).status_code == 404


def test_an_application_can_be_withdrawn_only_while_the_round_is_open(client):
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round, lot = _open_round_with_lot(commissioner)
    application, admin = apply(lot, income=50_000)
    client.force_login(admin)
    page = _page(client.get(f"/funding/applications/{application.public_id}/"))
    assert "Withdraw this application" in page
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    page = _page(client.get(f"/funding/applications/{application.public_id}/"))
    assert "Withdraw this application" not in page
    refused = client.post(f"/funding/applications/{application.public_id}/withdraw/")
    assert refused.status_code == 409
    assert "withdrawn only before assessment starts" in _page(refused)
    application.refresh_from_db()
    assert application.status == "submitted"
