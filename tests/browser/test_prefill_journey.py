"""Prefilling a referral from the probation case record in a browser, against the stand-in
over HTTP: the practitioner enters a demo CRN, sees the person and their risk with their
sources, corrects one value (recorded on the timeline) and sends; axe at 1280 px and 320 px."""

import pytest
from playwright.sync_api import expect

from referrals.models import Referral, ReferralEvent
from tests.browser.axe import assert_accessible_at_both_widths as axe_at_both_widths

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("standin")]


def test_a_referral_prefilled_from_the_case_record(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Find a service", exact=True).click()
    page.get_by_label("Search services").fill("housing")
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Housing first steps").click()
    page.get_by_role("button", name="Make a referral").click()
    page.get_by_label("Case reference number (CRN)").fill("D100030")
    page.get_by_role("button", name="Start referral").click()

    # What the record holds, with where each part came from and when it was assessed.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the details from the probation case record"
    )
    expect(page.get_by_test_id("person-source")).to_contain_text(
        "From the probation case record (nDelius)"
    )
    expect(page.get_by_test_id("person")).to_contain_text("Tomasz")
    expect(page.get_by_test_id("person")).to_contain_text("Hearing impairment")
    expect(page.get_by_test_id("risk-source")).to_contain_text(
        "From OASys, through Assess risks and needs: assessment completed"
    )
    expect(page.get_by_test_id("risk")).to_contain_text("Risk of serious harm to children")
    axe_at_both_widths(page)
    page.get_by_role("button", name="Use these details").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your referral")
    expect(page.locator("#status-case-record")).to_have_text("Completed")
    expect(page.locator("#status-person")).to_have_text("Completed")
    axe_at_both_widths(page)

    # The practitioner corrects one value from the record.
    page.get_by_role("link", name="Risk information").click()
    expect(page.get_by_test_id("prefilled-note")).to_be_visible()
    page.get_by_test_id("sources").locator("summary").click()
    expect(page.get_by_test_id("source-rosh_staff")).to_contain_text(
        "from OASys, through Assess risks and needs"
    )
    axe_at_both_widths(page)
    staff = page.get_by_role("group", name="Risk of serious harm to staff")
    expect(staff.get_by_label("Low")).to_be_checked()
    staff.get_by_label("Medium").check()
    page.get_by_label("What provider staff must know to stay safe").fill(
        "Meet in the office for the first sessions."
    )
    page.get_by_role("button", name="Save and continue").click()

    # The rest of the referral, by hand.
    page.get_by_role("link", name="Needs and outcomes").click()
    page.get_by_label("Reason for the referral").fill(
        "Tomasz is sofa-surfing and needs a settled home before his licence ends."
    )
    page.get_by_label("The person has given consent").check()
    outcomes = page.get_by_role("group", name="Desired outcomes").get_by_role("checkbox")
    outcomes.first.check()
    page.get_by_role("button", name="Save and continue").click()

    page.get_by_role("link", name="Check your answers").click()
    expect(page.get_by_test_id("sources")).to_contain_text(
        "Risk of serious harm to staff: corrected by you (the case record said Low)"
    )
    axe_at_both_widths(page)
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral sent")

    referral = Referral.objects.get(crn="D100030")
    assert referral.status == "sent"
    correction = ReferralEvent.objects.get(referral=referral, kind="risk_corrected")
    assert correction.note == (
        "Risk of serious harm to staff: Low in the case record, corrected to Medium"
    )
