"""Unmet need and equality in the browser: a practitioner searches, finds nothing, and
records the unmet need in a few answers (the error summary first); the commissioner sees it
beside demand and opens the equality view. Each page passes axe."""

import pytest
from playwright.sync_api import expect

from intelligence.models import UnmetNeed
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_a_practitioner_records_unmet_need_from_an_empty_search(sign_in, live_server, page):
    sign_in("practitioner@demo.example")
    before = UnmetNeed.objects.count()

    page.goto(f"{live_server.url}/services/?category=family-significant-others&q=sign+language")
    expect(page.get_by_test_id("no-results")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_test_id("no-results").get_by_role("link", name="Record an unmet need").click()

    expect(page.get_by_role("heading", name="Record an unmet need")).to_be_visible()
    # Opened with the search's category, and the practitioner's PDU.
    expect(page.get_by_label("What did the person need?").locator("option:checked")).to_have_text(
        "Family and significant others"
    )
    expect(page.get_by_label("Probation Delivery Unit").locator("option:checked")).to_have_text(
        "Manchester North"
    )
    assert_no_axe_violations(page)

    # Sent without saying why: the error summary says so, and links to the question.
    page.get_by_role("button", name="Record unmet need").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select why nothing suitable was found")
    assert_no_axe_violations(page)
    summary.get_by_role("link", name="Select why nothing suitable was found").click()

    page.get_by_label("No service of this kind exists here").check()
    page.get_by_label("Age (optional)").select_option("25_34")
    page.get_by_label("Needs an interpreter").check()
    page.get_by_role("button", name="Record unmet need").click()

    expect(page.get_by_test_id("unmet-need-recorded")).to_contain_text("Unmet need recorded")
    assert_no_axe_violations(page)
    assert UnmetNeed.objects.count() == before + 1
    need = UnmetNeed.objects.order_by("-id").first()
    assert (need.category.slug, need.reason, need.source, need.flags) == (
        "family-significant-others",
        "none_exists",
        "search",
        ["interpreter"],
    )


def test_a_commissioner_sees_unmet_need_and_opens_the_equality_view(sign_in, live_server, page):
    sign_in("commissioner@demo.example")

    page.goto(f"{live_server.url}/demand/")
    page.get_by_test_id("unmet-need-link").click()
    expect(page.get_by_role("heading", name="Unmet need", exact=True)).to_be_visible()
    expect(page.get_by_test_id("unmet-need-table")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Equality", exact=True).click()
    expect(page.get_by_role("heading", name="Equality of access and outcome")).to_be_visible()
    page.get_by_label("Characteristic").select_option("ethnicity")
    page.get_by_role("button", name="Show").click()
    rates = page.get_by_test_id("equality-rates")
    expect(rates).to_contain_text("White")
    # A rate that rests on a withheld count is not shown; the withheld counts are [c].
    expect(rates).to_contain_text("–")
    expect(page.get_by_test_id("equality-counts")).to_contain_text("[c]")
    expect(page.get_by_test_id("suppression-note")).to_be_visible()
    assert_no_axe_violations(page)
