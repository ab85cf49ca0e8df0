"""A practitioner finds a local service and opens it."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_a_practitioner_searches_and_opens_a_service(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.get_by_role("link", name="Find a service", exact=True).click()
    expect(page.get_by_label("Probation Delivery Unit (PDU)")).to_have_value(
        page.get_by_label("Probation Delivery Unit (PDU)")
        .locator("option", has_text="Manchester North")
        .get_attribute("value")
    )
    page.get_by_label("Search services").fill("housing")
    page.get_by_role("button", name="Search").click()

    results = page.get_by_test_id("results")
    expect(results.get_by_role("link", name="Housing first steps")).to_be_visible()
    assert_no_axe_violations(page)

    results.get_by_role("link", name="Housing first steps").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing first steps")
    expect(page.get_by_text("Make a referral")).to_be_visible()
    assert_no_axe_violations(page)


def test_an_empty_search_explains_how_to_widen_it(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.goto(f"{live_server.url}/services/?q=zzzzqqq")
    expect(page.get_by_test_id("no-results")).to_contain_text("search every area")
    assert_no_axe_violations(page)
    page.get_by_label("The person's age").fill("twelve")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the person's age as a whole number"
    )
    assert_no_axe_violations(page)
