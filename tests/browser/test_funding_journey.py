"""A round's whole life in the browser: a commissioner sets it up and opens it, a provider
applies, an assessor declares and scores, and the commissioner awards and sees market health."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning.models import Agreement, Application, FundingRound
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

TITLE = "Bolton and Wigan wellbeing grants"


def _as(page, sign_in, email):
    page.context.clear_cookies()
    return sign_in(email)


def _fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _step(page, label: str, reason: str = "") -> None:
    """Take a round's step: its link, then its confirmation page's button."""
    page.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{label}?")
    if reason:
        page.get_by_label("Why are you closing applications early?").fill(reason)
    page.get_by_role("button", name=label, exact=True).click()


def test_a_round_from_set_up_to_award_and_market_health(page, sign_in, live_server):
    # The commissioner sets up a round; opening it before it has lots is refused, with why.
    page = sign_in("commissioner@demo.example")
    page.get_by_role("link", name="Funding rounds", exact=True).click()
    page.get_by_role("link", name="Create a funding round").click()
    page.get_by_role("button", name="Create draft round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a title for the round")
    assert_no_axe_violations(page)

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Grant", exact=True).check()
    page.get_by_label("Greater Manchester", exact=True).check()
    page.get_by_label("Greater Manchester Combined Authority").check()
    page.get_by_label("Budget (£)").fill("90000")
    _fill_date(page, "Closing date", timezone.localdate() + timedelta(days=30))
    page.get_by_role("button", name="Create draft round").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("created as a draft")

    page.get_by_role("link", name="Start consultation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Add at least one lot")
    expect(page.get_by_role("button", name="Start consultation")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Back to the round").first.click()

    page.get_by_role("link", name="Add a lot").click()
    page.get_by_label("Title").fill("Wellbeing in Bolton")
    page.get_by_label("Category").select_option(label="Emotional wellbeing")
    page.get_by_label("Bolton").check()
    page.get_by_label("Budget (£)").fill("60000")
    page.get_by_label("Expected referrals a month").fill("12")
    page.get_by_role("button", name="Add lot").click()
    page.get_by_role("link", name="Add a criterion").click()
    page.get_by_label("Criterion").fill("Quality of delivery")
    page.get_by_label("Weight").fill("100")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Add criterion").click()
    _step(page, "Start consultation")
    _step(page, "Open for applications")
    expect(page.get_by_test_id("round-status")).to_have_text("Open for applications")
    assert_no_axe_violations(page)
    funding_round = FundingRound.objects.get(title=TITLE)

    # A provider applies: the profile is already there; a missing answer is an error.
    page = _as(page, sign_in, "provider-admin@demo.example")
    page.get_by_role("link", name="Funding", exact=True).click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Apply for Wellbeing in Bolton").click()
    expect(page.get_by_test_id("profile")).to_contain_text("Northern Roots Recovery Trust")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Start application").click()
    page.get_by_label("How will you deliver the service?").fill("Weekly groups and one-to-ones.")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("draft has been saved")
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the difference it will make"
    )
    assert_no_axe_violations(page)
    page.get_by_label("What difference will it make?").fill("Fewer crises, steadier lives.")
    page.get_by_label("Amount you are asking for (£)").fill("45000")
    page.get_by_label("Referrals you can take each month").fill("10")
    page.get_by_label("Staff training in your budget (£)").fill("1500")
    page.get_by_label("Bolton").check()
    page.get_by_role("button", name="Continue to check your answers").click()
    expect(page.get_by_test_id("check-answers")).to_contain_text("£45,000")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit application").click()
    expect(page.get_by_test_id("application-status")).to_have_text("Submitted")
    application = Application.objects.get(lot__funding_round=funding_round)

    # The commissioner closes applications and assigns the co-funder's assessor.
    page = _as(page, sign_in, "commissioner@demo.example")
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/")
    _step(page, "Close applications and start assessment", reason="The one bidder has applied")
    page.get_by_role("link", name="Northern Roots Recovery Trust for Wellbeing in Bolton").click()
    page.get_by_role("link", name="Assign an assessor").click()
    page.get_by_label("Assessor").select_option(index=1)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Assign assessor").click()
    expect(page.get_by_test_id("assignments")).to_contain_text("Not declared yet")

    # The assessor declares no conflict before the application is shown, then scores.
    page = _as(page, sign_in, "assessor@demo.example")
    page.get_by_role("link", name="Assessments", exact=True).click()
    page.get_by_role("link", name="Northern Roots Recovery Trust for Wellbeing in Bolton").click()
    expect(page.get_by_text("Weekly groups and one-to-ones.")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Record declaration").click()
    expect(page.get_by_test_id("answers")).to_contain_text("Weekly groups and one-to-ones.")
    page.get_by_role("button", name="Save scores").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Score ‘Quality of delivery’ from 0 to 5"
    )
    assert_no_axe_violations(page)
    page.get_by_role("group", name="Quality of delivery (weight 100)").get_by_label("4").check()
    page.get_by_role("button", name="Save scores").click()
    expect(page.get_by_test_id("assessments")).to_contain_text("Scored")

    # The commissioner moderates, decides, awards, records the agreement and sees the market.
    page = _as(page, sign_in, "commissioner@demo.example")
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/moderation/")
    expect(page.get_by_role("table")).to_contain_text("80.0%")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Northern Roots Recovery Trust").click()
    page.get_by_role("link", name="Record the decision").click()
    page.get_by_label("Successful", exact=True).check()
    page.get_by_label("Feedback to the applicant").fill("A strong local plan.")
    page.get_by_role("button", name="Record decision").click()
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/")
    page.get_by_role("link", name="Confirm awards").click()
    expect(page.get_by_test_id("step-notice")).to_contain_text("Northern Roots Recovery Trust")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Confirm awards").click()
    expect(page.get_by_test_id("round-status")).to_have_text("Awarded")
    expect(page.get_by_test_id("thin-lots")).to_contain_text("1 of 1 (100%)")
    expect(page.get_by_test_id("size-band-table")).to_contain_text("100.0%")
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/funding/applications/{application.public_id}/")
    page.get_by_role("link", name="Record the agreement").click()
    start = timezone.localdate() + timedelta(days=30)
    _fill_date(page, "Start date", start)
    _fill_date(page, "End date", start + timedelta(days=3 * 365))
    _fill_date(page, "Break-clause date", start + timedelta(days=365))
    page.locator("input[name^='service_']").first.fill("8")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Record agreement").click()
    expect(page.get_by_test_id("agreement-status")).to_have_text("Mobilising")
    assert Agreement.objects.get(application=application).value == 45_000

    page.get_by_role("link", name="Funding rounds", exact=True).click()
    page.get_by_role("link", name="Market health over time").click()
    expect(page.get_by_test_id("trend-table").first).to_be_visible()
    assert_no_axe_violations(page)
