"""The work lists and home queues in a browser: search kept out of the address, a draft
deleted after confirming, and every page passing axe without overflowing at 320 px."""

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Referral
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

WIDTHS = (1280, 320)


def fits(page) -> None:
    """Nothing wider than the viewport: a wide table scrolls in its own region."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the window"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_practitioners_home_and_referrals(sign_in, live_server, width):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size({"width": width, "height": 900})
    attention = page.get_by_test_id("attention")
    expect(attention).to_contain_text("Returned for more information (1)")
    expect(attention).to_contain_text("Drafts to finish")
    expect(attention).to_contain_text("Concerns to acknowledge")
    assert_no_axe_violations(page)
    fits(page)

    page.goto(f"{live_server.url}/referrals/")
    expect(page.get_by_test_id("referrals")).to_be_visible()
    assert_no_axe_violations(page)
    fits(page)
    region = page.get_by_role("region", name="Referrals")
    expect(region).to_have_attribute("tabindex", "0")

    page.get_by_label("Search by CRN, name or referral reference").fill("D100003")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_test_id("searched")).to_contain_text("D100003")
    assert "D100003" not in page.url
    expect(page.get_by_test_id("referrals").locator("tbody tr")).to_have_count(1)
    assert_no_axe_violations(page)
    fits(page)
    page.get_by_role("button", name="Clear search").click()
    expect(page.get_by_test_id("searched")).to_have_count(0)

    page.get_by_label("Search by CRN, name or referral reference").fill("x" * 101)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("100 characters or fewer")
    assert_no_axe_violations(page)
    fits(page)


def test_a_practitioner_deletes_a_draft(sign_in, live_server):
    draft = Referral.objects.get(idempotency_key="demo-D100001")
    page = sign_in("practitioner@demo.example")
    page.goto(f"{live_server.url}/referrals/?status=draft")
    page.get_by_role("link", name=f"Delete draft {draft.reference}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Are you sure")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Delete draft").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"Draft referral {draft.reference} has been deleted"
    )
    assert_no_axe_violations(page)
    assert not Referral.objects.filter(pk=draft.pk, anonymised_at__isnull=True).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_provider_admins_home_and_inbox(sign_in, live_server, width):
    page = sign_in("provider-admin@demo.example")
    page.set_viewport_size({"width": width, "height": 900})
    attention = page.get_by_test_id("attention")
    expect(attention).to_contain_text("Awaiting a decision")
    # One or more, depending on how far into the month the demo's demand was sent.
    expect(attention).to_contain_text(re.compile(r"past (its|their) decision due date"))
    expect(attention).to_contain_text("Accepted but not assigned (1)")
    expect(attention).to_contain_text("Risk training running out within 30 days (1)")
    assert_no_axe_violations(page)
    fits(page)

    page.get_by_role("link", name="Decide on referrals, longest waiting first").click()
    expect(page.get_by_test_id("overdue")).to_be_visible()
    first_row = page.get_by_test_id("referrals").locator("tbody tr").first
    expect(first_row.get_by_test_id("decision-due")).to_contain_text("Overdue")
    assert_no_axe_violations(page)
    fits(page)

    page.get_by_label("Status").select_option(label="Accepted")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_test_id("tab-open")).to_be_visible()
    assert "status=accepted" in page.url
    assert_no_axe_violations(page)
    fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_caseworkers_home(sign_in, live_server, width):
    page = sign_in("caseworker@demo.example")
    page.set_viewport_size({"width": width, "height": 900})
    expect(page.get_by_test_id("my-cases")).to_contain_text("Overdue")
    assert_no_axe_violations(page)
    fits(page)
