"""An organisation's admin adds a webhook in the browser, accessibly at 1280 and 320
pixels: the errors, the secret shown once, the delivery log, and removing it; a practitioner
finds their PDU's webhooks in the account links and adds one."""

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths

pytestmark = pytest.mark.browser


def test_an_admin_adds_a_webhook_sees_its_secret_once_and_removes_it(
    sign_in, live_server, settings
):
    page = sign_in("provider-admin@demo.example")
    page.get_by_role("link", name="Webhooks", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Add a webhook").click()
    page.get_by_label("URL").fill("https://192.168.0.10/hooks")
    page.get_by_role("button", name="Add webhook").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("private and local addresses are refused")
    expect(summary).to_contain_text("Select the events to be told of")
    expect(page).to_have_title("Error: Add a webhook – Probation partnerships")
    accessible_at_both_widths(page)

    settings.WEBHOOKS_ALLOW_LOCAL = True
    page.get_by_label("URL").fill("http://localhost:9/hooks")
    page.get_by_label("A referral is sent to us").check()
    page.get_by_label("A referral is withdrawn").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Copy its secret now")
    secret = page.get_by_test_id("new-secret").inner_text()
    assert secret.startswith("whsec_")
    accessible_at_both_widths(page)

    page.reload()
    expect(page.get_by_test_id("new-secret")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook to http://localhost:9/hooks")
    expect(page.locator("body")).to_contain_text("No events have been sent to this webhook yet")
    assert secret not in page.content()

    page.get_by_role("link", name="Remove this webhook").click()
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Remove webhook").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("removed")
    expect(page.locator("body")).to_contain_text("Your organisation has no webhooks")


def test_a_practitioner_finds_their_pdus_webhooks_in_the_account_links_and_adds_one(
    sign_in, live_server, settings
):
    page = sign_in("practitioner@demo.example")
    # Not in the service navigation, which stays short for practitioners.
    expect(page.get_by_label("Menu").get_by_role("link", name="Webhooks")).to_have_count(0)
    page.get_by_label("Account navigation").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    expect(page.locator("body")).to_contain_text("Your PDU has no webhooks")
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Add a webhook").click()
    expect(page.get_by_label("A referral is sent to us")).to_have_count(0)
    accessible_at_both_widths(page)
    settings.WEBHOOKS_ALLOW_LOCAL = True
    page.get_by_label("URL").fill("http://localhost:9/pdu-hooks")
    page.get_by_label("A referral is accepted").check()
    page.get_by_label("A session is recorded").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.locator(".govuk-panel")).to_contain_text("Copy its secret now")
    expect(page.locator("body")).to_contain_text("A session is recorded")
