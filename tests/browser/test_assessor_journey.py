"""Assessors per lot and checking an application in the browser, accessibly at 1280 and
320 px, on the fresh demo: the commissioner assigns the co-funder's assessor to a lot, the
assessor declares and scores from their home page, and the demo provider checks their
answers (changing one) before submitting."""

import pytest
from playwright.sync_api import expect

from commissioning.demo import OPEN
from commissioning.models import Application, AssessorAssignment, LotAssessor
from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths

pytestmark = pytest.mark.browser

ASSESSOR = "assessor@demo.example"


def _as(page, sign_in, email):
    page.context.clear_cookies()
    return sign_in(email)


def test_a_commissioner_assigns_the_demo_assessor_who_declares_and_scores(page, sign_in):
    page = sign_in("commissioner@demo.example")
    page.get_by_role("link", name="Funding rounds", exact=True).click()
    page.get_by_role("link", name=OPEN).click()
    page.get_by_role("link", name="Assessors for Women's centres (small organisations)").click()
    expect(page.get_by_test_id("lot-assessors")).to_contain_text("No assessors are assigned")
    accessible_at_both_widths(page)
    # Assigning nobody is an error on the question itself.
    page.get_by_role("button", name="Assign assessor").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose an assessor")
    assert page.title().count("Error:") == 1
    accessible_at_both_widths(page)
    page.get_by_label("Assessor").select_option(
        label="Jo Whitfield (Greater Manchester Combined Authority)"
    )
    page.get_by_role("button", name="Assign assessor").click()
    expect(page.get_by_test_id("lot-assessors")).to_contain_text("Jo Whitfield")
    expect(page.get_by_test_id("no-assessors")).to_contain_text("already assigned")
    accessible_at_both_widths(page)
    assert LotAssessor.objects.filter(
        assessor__email=ASSESSOR, lot__title="Women's centres (small organisations)"
    ).exists()

    # The assessor's home lists what to declare, with links; declaring moves it to scoring.
    page = _as(page, sign_in, ASSESSOR)
    to_declare = page.get_by_test_id("to-declare")
    expect(to_declare).to_contain_text("Emotional wellbeing")
    accessible_at_both_widths(page)
    to_declare.get_by_role("link").first.click()
    accessible_at_both_widths(page)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record declaration").click()
    expect(page.get_by_test_id("answers")).to_be_visible()
    page.get_by_role("button", name="Save scores").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Score ‘Quality of delivery’")
    assert page.title().count("Error:") == 1
    accessible_at_both_widths(page)
    page.get_by_role("group", name="Quality of delivery (weight 70)").get_by_label(
        "4 – Good"
    ).check()
    page.get_by_role("group", name="Value for money (weight 30)").get_by_label(
        "3 – Satisfactory"
    ).check()
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_test_id("assessments")).to_contain_text("Scored")
    assert AssessorAssignment.objects.filter(
        assessor__email=ASSESSOR, completed_at__isnull=False
    ).exists()


def test_the_demo_provider_checks_and_changes_answers_before_submitting(page, sign_in):
    page = sign_in("provider-admin@demo.example")
    page.get_by_role("link", name="Funding", exact=True).click()
    page.get_by_role("link", name=OPEN).click()
    page.get_by_role("link", name="Apply for Emotional wellbeing").click()
    page.get_by_role("button", name="Start application").click()
    page.get_by_label("How will you deliver the service?").fill("Walk and talk groups.")
    page.get_by_label("Amount you are asking for (£)").fill("250000")
    page.get_by_role("button", name="Continue to check your answers").click()
    # Each message links to its own question, which shows it inline with a red border.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("must be £100,000 or less")
    assert page.title().count("Error:") == 1
    expect(page.locator("#id_amount_requested.govuk-input--error")).to_be_visible()
    expect(page.locator("#id_amount_requested-error")).to_contain_text("£100,000 or less")
    accessible_at_both_widths(page)
    page.get_by_label("Amount you are asking for (£)").fill("60000")
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(summary).to_contain_text("Enter the difference it will make")
    expect(page.locator("#id_outcomes.govuk-textarea--error")).to_be_visible()
    expect(page.locator("#id_outcomes-error")).to_contain_text("Enter the difference it will make")
    assert page.title().count("Error:") == 1
    accessible_at_both_widths(page)
    summary.get_by_role("link", name="Enter the difference it will make").click()
    expect(page.locator("#id_outcomes")).to_be_focused()

    page.get_by_label("What difference will it make?").fill("Fewer crises.")
    page.get_by_label("Referrals you can take each month").fill("6")
    page.locator("input[name='pdus']").first.check()
    page.get_by_role("button", name="Continue to check your answers").click()
    answers = page.get_by_test_id("check-answers")
    expect(answers).to_contain_text("Walk and talk groups.")
    expect(answers).to_contain_text("£60,000")
    accessible_at_both_widths(page)

    # Change an answer and come back to check answers.
    answers.get_by_role("link", name="Change how you will deliver the service").click()
    page.get_by_label("How will you deliver the service?").fill("Walk and talk, weekly.")
    page.get_by_role("button", name="Save and return to check your answers").click()
    expect(page.get_by_test_id("check-answers")).to_contain_text("Walk and talk, weekly.")
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    accessible_at_both_widths(page)
    application = Application.objects.get(
        organisation__staff__email="provider-admin@demo.example",
        lot__title="Emotional wellbeing",
    )
    assert application.status == "submitted" and application.approach == "Walk and talk, weekly."
    # The lot's assessor is assigned to it on submission.
    assert application.assignments.filter(assessor__email=ASSESSOR).exists()
