"""The provider's day: the admin accepts a referral on its own page and assigns it (an
untrained caseworker is refused, with the reason), the caseworker records a session and
corrects it; every page accessible at 1280 px and at 320 px, where nothing overflows."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from partnership.demo import DEMO_PASSWORD, MAIN_PROVIDER
from referrals.models import Referral, Status
from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths

pytestmark = pytest.mark.browser
WIDE, NARROW = {"width": 1280, "height": 900}, {"width": 320, "height": 800}


def signed_in(browser, live_server, email):
    page = browser.new_context(viewport=WIDE).new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return page


def fill_date(page, group_name, day):
    group = page.get_by_role("group", name=group_name)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_accept_assign_record_and_correct_a_session(demo, live_server, browser):
    referral = Referral.objects.filter(
        status=Status.SENT, service__organisation__name=MAIN_PROVIDER
    ).first()
    url = f"{live_server.url}/referrals/{referral.public_id}/"

    admin = signed_in(browser, live_server, "provider-admin@demo.example")
    admin.goto(url)
    referred_by = admin.get_by_test_id("practitioner")
    expect(referred_by).to_contain_text("Priya Shah")
    expect(referred_by).to_contain_text("practitioner@demo.example")
    expect(referred_by).to_contain_text("0161 496 0001")
    expect(admin.get_by_test_id("decision-due")).to_contain_text("decision is due by")
    expect(admin.get_by_role("button", name="Print this page")).to_be_visible()
    accessible_at_both_widths(admin)
    # Printed, the page is its content alone.
    admin.emulate_media(media="print")
    expect(admin.locator(".moj-header")).to_be_hidden()
    expect(admin.locator(".govuk-footer")).to_be_hidden()
    expect(admin.get_by_role("link", name="Accept referral")).to_be_hidden()
    admin.emulate_media(media="screen")

    admin.get_by_role("link", name="Accept referral").click()
    expect(admin.get_by_role("heading", name="Accept this referral?")).to_be_visible()
    accessible_at_both_widths(admin)
    admin.get_by_role("button", name="Accept referral").click()
    expect(admin.get_by_test_id("status")).to_contain_text("Accepted")

    admin.get_by_role("link", name="Assign the referral").click()
    staff = admin.get_by_test_id("staff")
    expect(staff).to_contain_text("Alex Morgan")
    expect(staff).to_contain_text("No current risk awareness training: cannot be assigned")
    accessible_at_both_widths(admin)
    admin.get_by_label("Alex Morgan").check()
    admin.get_by_role("button", name="Assign").click()
    summary = admin.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Alex Morgan cannot be assigned")
    expect(summary).to_be_focused()
    accessible_at_both_widths(admin)
    admin.get_by_label("Sam Reid").check()
    admin.get_by_role("button", name="Assign").click()
    expect(admin.get_by_test_id("status")).to_contain_text("Assigned to Sam Reid")
    admin.context.close()

    caseworker = signed_in(browser, live_server, "caseworker@demo.example")
    caseworker.goto(url)
    caseworker.get_by_role("link", name="Record a session").click()
    caseworker.get_by_label("First contact or assessment").check()
    today = timezone.localdate()
    # The day before the referral was sent (the demo dates its sending in the past).
    sent_on = timezone.localdate(referral.sent_at)
    fill_date(caseworker, "Date of the session", sent_on - timedelta(days=1))
    caseworker.get_by_label("Phone").check()
    caseworker.get_by_label("Attended", exact=True).check()
    caseworker.get_by_role("button", name="Record session").click()
    summary = caseworker.locator(".govuk-error-summary")
    expect(summary).to_contain_text("when the referral was sent")
    accessible_at_both_widths(caseworker)
    summary.get_by_role("link").click()
    expect(
        caseworker.get_by_role("group", name="Date of the session").get_by_label("Day")
    ).to_be_focused()
    fill_date(caseworker, "Date of the session", today)
    caseworker.get_by_role("button", name="Record session").click()
    expect(caseworker.get_by_test_id("sessions")).to_contain_text("First contact or assessment")

    caseworker.get_by_role("link", name="Change the session of").click()
    expect(caseworker.get_by_label("Attended", exact=True)).to_be_checked()
    caseworker.get_by_label("Late").check()
    caseworker.get_by_role("button", name="Save correction").click()
    expect(caseworker.locator(".govuk-error-summary")).to_contain_text(
        "Say why you are correcting the session"
    )
    accessible_at_both_widths(caseworker)
    caseworker.get_by_label("Why are you correcting this session?").fill(
        "He arrived 20 minutes late; entered as attended by mistake."
    )
    caseworker.get_by_role("button", name="Save correction").click()
    expect(caseworker.get_by_test_id("session")).to_contain_text("Late")
    timeline = caseworker.get_by_test_id("timeline")
    expect(timeline).to_contain_text("Session corrected")
    expect(timeline).to_contain_text("entered as attended by mistake")
    expect(caseworker.get_by_test_id("risk-audited")).to_be_visible()
    accessible_at_both_widths(caseworker)
    caseworker.context.close()
