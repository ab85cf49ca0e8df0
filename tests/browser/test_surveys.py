"""A gap and partnership survey in the browser: the commissioner schedules one open today
(the error summary first), a practitioner finds it on their home page and answers it once,
and the commissioner reads the results, withheld where fewer than five answered. Each page
passes axe at desktop width and at 320 px."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from intelligence import services
from intelligence.models import Survey, SurveyResponse
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory
from tests.browser.axe import assert_accessible_at_both_widths

pytestmark = pytest.mark.browser

TITLE = "Gaps in provision this winter"


def _fill_date(page, label, day):
    group = page.get_by_role("group", name=label)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_commissioner_runs_a_survey_from_scheduling_to_results(sign_in, live_server, page):
    today = timezone.localdate()

    # The commissioner schedules it.
    sign_in("commissioner@demo.example")
    page.get_by_role("link", name="Surveys", exact=True).first.click()
    expect(page.get_by_role("heading", name="Gap and partnership surveys")).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Schedule a survey").click()
    page.get_by_role("button", name="Schedule survey").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a title")
    expect(summary).to_contain_text("Select who the survey is for")
    assert_accessible_at_both_widths(page)

    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Probation practitioners").check()
    page.get_by_label("Greater Manchester").check()
    _fill_date(page, "Opening date", today)
    _fill_date(page, "Closing date", today + timedelta(days=14))
    page.get_by_role("button", name="Schedule survey").click()
    expect(page.get_by_test_id("survey-status")).to_have_text("Open")
    survey = Survey.objects.get(title=TITLE)

    # A practitioner finds it on their home page and answers it.
    page.context.clear_cookies()
    sign_in("practitioner@demo.example")
    expect(page.get_by_test_id("surveys-waiting")).to_be_visible()
    page.get_by_test_id("surveys-waiting").get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert_accessible_at_both_widths(page)
    page.get_by_role("button", name="Send answers").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select an answer")
    page.get_by_role("group", name="Which kinds of service are missing").get_by_label(
        "Accommodation"
    ).check()
    page.get_by_role("group", name="How easy is it to find").get_by_label("2: Hard").check()
    page.get_by_role("group", name="what kind would it be").get_by_label("Accommodation").check()
    page.get_by_label("What would you refer people to if it existed?").fill(
        "Supported housing open at weekends"
    )
    page.get_by_role("button", name="Send answers").click()
    expect(page.get_by_test_id("survey-answered")).to_contain_text("Answers sent")
    assert_accessible_at_both_widths(page)

    # Once only: going back to the survey says so, and nothing changes.
    page.goto(f"{live_server.url}/surveys/{survey.public_id}/answer/")
    expect(page.get_by_test_id("already-answered")).to_be_visible()
    assert SurveyResponse.objects.filter(survey=survey).count() == 1

    # Four colleagues answer the same: five in the region, enough to be shown.
    north = Pdu.objects.get(name="Manchester North")
    for _ in range(4):
        services.survey_answer(
            by=UserFactory(role=Role.PRACTITIONER, pdu=north),
            survey=survey,
            answers={
                "gaps": ["accommodation"],
                "finding": 2,
                "wish_category": "accommodation",
                "wish": "Supported housing open at weekends",
            },
        )

    # The commissioner reads the results.
    page.context.clear_cookies()
    sign_in("commissioner@demo.example")
    page.goto(f"{live_server.url}/surveys/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("responses-total")).to_have_text("5")
    expect(page.get_by_test_id("gap-accommodation")).to_contain_text("5")
    expect(page.get_by_test_id("rating-average")).to_have_text("2.0")
    expect(page.get_by_test_id("free-text-accommodation-L")).to_contain_text(
        "Supported housing open at weekends"
    )
    assert_accessible_at_both_widths(page)

    # Closed early, it takes no more answers.
    page.get_by_role("button", name="Close the survey now").click()
    expect(page.get_by_test_id("survey-status")).to_have_text("Closed")
