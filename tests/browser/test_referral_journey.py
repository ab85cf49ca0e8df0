"""A referral from finding a service to the provider accepting it, accessibly."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral, Status
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Not plain ASCII: the download's name comes from `filename*`.
DOCUMENT_NAME = "risk summary – Ellis Ward.pdf"


def fill_date(page, legend, day, month, year):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)


def test_refer_return_amend_resend_accept_and_assign(sign_in, live_server, browser):
    page = sign_in("practitioner@demo.example")
    page.get_by_role("link", name="Find a service", exact=True).click()
    page.get_by_label("Search services").fill("housing")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Housing first steps").click()
    page.get_by_role("button", name="Make a referral").click()

    page.get_by_label("Case reference number (CRN)").fill("X900001")
    page.get_by_role("button", name="Start referral").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your referral")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Person on probation").click()
    page.get_by_label("First name").fill("Ellis")
    page.get_by_label("Last name").fill("Ward")
    fill_date(page, "Date of birth", "14", "2", "1991")
    page.get_by_label("Male", exact=True).check()
    page.get_by_label("Phone number").fill("07700 900555")
    page.get_by_label("In the community").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Needs and outcomes").click()
    page.get_by_label("Settled accommodation is secured").check()
    page.get_by_label("Reason for the referral").fill(
        "Ellis is leaving a hostel at the end of the month with nowhere settled to live."
    )
    page.get_by_label("The person has given consent").check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Risk information").click()
    for legend, level in [
        ("children", "Low"),
        ("the public", "Medium"),
        ("a known adult", "Low"),
        ("staff", "Low"),
    ]:
        page.get_by_role("group", name=f"Risk of serious harm to {legend}").get_by_label(
            level, exact=True
        ).check()
    page.get_by_label("Summary of risks").fill("Shoplifting to fund drug use; no violence.")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Risk documents").click()
    page.get_by_label("Upload a risk document").set_input_files(
        files=[{"name": DOCUMENT_NAME, "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Upload file", exact=True).click()
    expect(page.get_by_test_id("documents")).to_contain_text(DOCUMENT_NAME)
    page.get_by_role("button", name="Continue").or_(
        page.get_by_role("link", name="Continue")
    ).click()

    page.get_by_role("button", name="Check your answers").or_(
        page.get_by_role("link", name="Check your answers")
    ).click()
    assert_no_axe_violations(page)
    # The document comes back under the name it was uploaded with (not an id), in full.
    with page.expect_download() as download:
        page.get_by_role("link", name=DOCUMENT_NAME).click()
    assert download.value.suggested_filename == DOCUMENT_NAME
    page.get_by_role("button", name="Send referral").click()
    reference = page.get_by_test_id("reference").inner_text()
    assert_no_axe_violations(page)
    referral = Referral.objects.get(reference=reference)
    assert referral.status == Status.SENT

    provider = browser.new_context().new_page()
    provider.goto(f"{live_server.url}/sign-in/")
    provider.get_by_label("Email address").fill("provider-admin@demo.example")
    provider.get_by_label("Password", exact=True).fill("demo-partnership-2026")
    provider.get_by_role("button", name="Sign in").click()
    provider.get_by_role("link", name="Referrals", exact=True).click()
    provider.get_by_role("link", name=reference).click()
    expect(provider.get_by_test_id("risk")).to_contain_text("Shoplifting")
    assert_no_axe_violations(provider)
    provider.get_by_role("link", name="Return for more information").click()
    provider.get_by_label("What information is missing?").fill(
        "Please add the sentence and its end date."
    )
    provider.get_by_role("button", name="Return referral").click()
    expect(provider.get_by_test_id("status")).to_contain_text("Returned for information")

    page.goto(f"{live_server.url}/referrals/")
    page.get_by_role("link", name=reference).click()
    page.get_by_role("button", name="Amend and resend").or_(
        page.get_by_role("link", name="Amend and resend")
    ).click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("sentence")
    # The sentence the provider asks for was never given: it is not shown as completed.
    expect(page.locator("#status-sentence")).to_have_text("Not yet started")
    expect(page.locator("#status-documents")).to_have_text("Completed")
    page.get_by_role("link", name="Sentence").click()
    page.get_by_label("Sentence type").fill("Community order")
    fill_date(page, "Sentence end date", "1", "9", "2027")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#status-sentence")).to_have_text("Completed")
    page.get_by_role("link", name="Check your answers").click()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_test_id("reference")).to_have_text(reference)

    provider.reload()
    provider.get_by_role("link", name="Accept referral").click()
    provider.get_by_role("button", name="Accept referral").click()
    provider.get_by_role("link", name="Assign the referral").click()
    provider.get_by_label("Sam Reid").check()
    provider.get_by_role("button", name="Assign").click()
    expect(provider.get_by_test_id("status")).to_contain_text("Accepted")
    expect(provider.get_by_test_id("status")).to_contain_text("Assigned to Sam Reid")
    timeline = provider.get_by_test_id("timeline")
    for label in ["Sent", "Returned for information", "Accepted", "Assigned"]:
        expect(timeline).to_contain_text(label)
    assert_no_axe_violations(provider)
    provider.context.close()
