"""A commissioner walks a round's steps in the browser, accessibly at 1280 and 320 pixels:
each step is confirmed on its own page, a step before its date says why not, closing
applications early asks for the reason that the round's history keeps, and lots are changed
and removed only while the round is being designed."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commissioning import services
from commissioning.demo import OPEN
from commissioning.models import FundingRound, Lot
from commissioning.tests.factories import add_lot
from partnership.models import Region, User
from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths

pytestmark = pytest.mark.browser

WAITING = "Spring recovery grants"


def _waiting_round() -> FundingRound:
    """A round in consultation that opens in ten days, with two lots and a criterion."""
    commissioner = User.objects.get(email="commissioner@demo.example")
    funding_round = services.round_create(
        by=commissioner,
        regions=Region.objects.filter(code="L"),
        data={
            "title": WAITING,
            "mechanism": "grant",
            "budget": 200_000,
            "opens_on": timezone.localdate() + timedelta(days=10),
            "closes_at": timezone.now() + timedelta(days=40),
        },
    )
    add_lot(funding_round, commissioner, "Recovery in Bolton", 80_000)
    add_lot(funding_round, commissioner, "Recovery in Wigan", 60_000)
    services.criterion_add(funding_round=funding_round, by=commissioner, name="Quality", weight=100)
    services.round_transition(funding_round=funding_round, by=commissioner, action="consult")
    return funding_round


def test_a_round_opens_on_its_date_and_lots_change_only_while_designed(sign_in, live_server):
    funding_round = _waiting_round()
    page = sign_in("commissioner@demo.example")
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/")

    # Opening before the date: the confirmation page says why not and offers no button.
    page.get_by_role("link", name="Open for applications", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The round opens on")
    expect(page.get_by_role("button", name="Open for applications")).to_have_count(0)
    accessible_at_both_widths(page)
    page.get_by_role("link", name="Back to the round").first.click()

    # A lot is changed, and another removed after confirming.
    page.get_by_role("link", name="Change Recovery in Bolton").click()
    page.get_by_label("Budget (£)").fill("90000")
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been changed")
    expect(page.get_by_test_id("lots")).to_contain_text("£90,000")
    page.get_by_role("link", name="Remove Recovery in Wigan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove the lot Recovery in Wigan?")
    accessible_at_both_widths(page)
    assert Lot.objects.filter(funding_round=funding_round).count() == 2
    page.get_by_role("button", name="Remove lot").click()
    expect(page.get_by_test_id("lots")).not_to_contain_text("Recovery in Wigan")
    accessible_at_both_widths(page)
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.CONSULTATION


def test_closing_applications_early_asks_why_and_the_history_keeps_it(sign_in, live_server):
    funding_round = FundingRound.objects.get(title=OPEN)
    page = sign_in("commissioner@demo.example")
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/")
    # An open round's lots and terms are read-only.
    expect(page.get_by_role("link", name="Change terms")).to_have_count(0)
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/edit/")
    expect(page.get_by_test_id("round-terms")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_count(0)
    accessible_at_both_widths(page)
    page.goto(f"{live_server.url}/funding-rounds/{funding_round.public_id}/")

    label = "Close applications and start assessment"
    page.get_by_role("link", name=label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{label}?")
    expect(page.get_by_test_id("step-notice")).to_be_visible()
    accessible_at_both_widths(page)
    page.get_by_role("button", name=label).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Give the reason for closing applications before the closing date"
    )
    accessible_at_both_widths(page)
    funding_round.refresh_from_db()
    assert funding_round.status == FundingRound.Status.OPEN

    page.get_by_label("Why are you closing applications early?").fill(
        "The grant must be spent before the financial year ends"
    )
    page.get_by_role("button", name=label).click()
    expect(page.get_by_test_id("round-status")).to_have_text("In assessment")
    expect(page.get_by_test_id("round-history")).to_contain_text(
        "Reason: The grant must be spent before the financial year ends"
    )
    accessible_at_both_widths(page)
