"""The practitioner's referral form in a browser: task statuses change as sections are
saved, a wrong date gives one linked error, custody reveals the prison question, and a
Change link on check answers comes back to check answers, through removing a document
too; axe at 1280 px and 320 px."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible_at_both_widths as axe_at_both_widths

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def fill_date(page, legend, day, month, year):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_a_referral_through_the_task_list(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Find a service", exact=True).click()
    page.get_by_label("Search services").fill("housing")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Housing first steps").click()
    page.get_by_role("button", name="Make a referral").click()
    page.get_by_label("Case reference number (CRN)").fill("X900077")
    page.get_by_role("button", name="Start referral").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your referral")
    for key in ("person", "sentence", "needs", "risk"):
        expect(page.locator(f"#status-{key}")).to_have_text("Not yet started")
    expect(page.locator("#status-documents")).to_have_text("Optional")
    expect(page.get_by_test_id("good-referral")).to_contain_text("What makes a good referral")
    axe_at_both_widths(page)

    # A date that is not real: one error, linked to the day, and what was typed stays.
    page.get_by_role("link", name="Person on probation").click()
    page.get_by_label("First name").fill("Robin")
    fill_date(page, "Date of birth", "31", "2", "1990")
    page.get_by_role("button", name="Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary.get_by_role("link")).to_have_text("Date of birth must be a real date")
    expect(page.get_by_label("First name")).to_have_value("Robin")
    day = page.get_by_role("group", name="Date of birth").get_by_label("Day")
    expect(day).to_have_value("31")
    expect(day).to_have_class(re.compile("govuk-input--error"))
    axe_at_both_widths(page)
    summary.get_by_role("link").click()
    expect(day).to_be_focused()

    # Custody reveals the prison and release date; the community hides them.
    prison = page.get_by_label("Prison")
    expect(prison).to_be_hidden()
    page.get_by_label("In custody").check()
    expect(prison).to_be_visible()
    expect(page.get_by_role("group", name="Expected release date")).to_be_visible()
    axe_at_both_widths(page)
    page.get_by_label("In the community").check()
    expect(prison).to_be_hidden()

    page.get_by_label("Last name").fill("Shaw")
    fill_date(page, "Date of birth", "14", "2", "1991")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Phone number").fill("07700 900777")
    page.get_by_label("Address").fill("4 Example Road, Manchester")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#status-person")).to_have_text("Completed")

    # Half a sentence is incomplete.
    page.get_by_role("link", name="Sentence").click()
    page.get_by_label("Sentence type").fill("Community order")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#status-sentence")).to_have_text("Incomplete")
    expect(page.locator("#status-needs")).to_have_text("Not yet started")

    # Long boxes count their characters.
    page.get_by_role("link", name="Needs and outcomes").click()
    reason = page.get_by_label("Reason for the referral")
    reason.fill("Short")
    count = page.locator(".govuk-character-count", has=reason)
    expect(count.locator(".govuk-character-count__status")).to_contain_text(
        "9,995 characters remaining"
    )
    page.get_by_label("When is the person available? (optional)").fill("Weekday mornings")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#status-needs")).to_have_text("Incomplete")

    # Change on check answers comes back to check answers.
    page.get_by_role("link", name="Check your answers").click()
    expect(page.get_by_test_id("availability")).to_have_text("Weekday mornings")
    axe_at_both_widths(page)
    page.get_by_role("link", name="Change sentence end date").click()
    fill_date(page, "Sentence end date", "1", "9", "2030")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending the referral"
    )
    expect(page.get_by_test_id("summary-sentence")).to_contain_text("1 September 2030")
    page.get_by_role("link", name="Change RAR days").click()
    page.get_by_label("Rehabilitation activity requirement (RAR) days (optional)").fill("20")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_test_id("rar-days")).to_have_text("20 days")

    # Removing a document keeps the way back to check answers.
    page.get_by_role("link", name="Change risk documents").click()
    page.get_by_label("Upload a risk document").set_input_files(
        files=[{"name": "licence.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Upload file", exact=True).click()
    expect(page.get_by_test_id("documents")).to_contain_text("licence.pdf")
    page.get_by_role("button", name="Remove licence.pdf").click()
    expect(page.get_by_role("heading", name="Success")).to_be_visible()
    expect(page.get_by_test_id("documents")).to_have_count(0)
    expect(page.get_by_role("link", name="Back to check your answers")).to_be_visible()
    axe_at_both_widths(page)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending the referral"
    )
    page.get_by_role("link", name="Back to your referral").click()
    expect(page.locator("#status-sentence")).to_have_text("Completed")
