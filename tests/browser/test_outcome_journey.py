"""A caseworker records the work; an urgent concern reaches the practitioner; the report completes it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Referral, Status
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def sign_in_as(browser, live_server, email):
    page = browser.new_context().new_page()
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("demo-partnership-2026")
    page.get_by_role("button", name="Sign in").click()
    return page


def test_session_urgent_concern_acknowledged_and_report(sign_in, live_server, browser):
    referral = Referral.objects.filter(status=Status.ACCEPTED, idempotency_key="demo-D100004").get()
    caseworker = sign_in("caseworker@demo.example")
    caseworker.goto(f"{live_server.url}/referrals/{referral.public_id}/")
    caseworker.get_by_role("link", name="Record a session").click()
    caseworker.get_by_label("First contact or assessment").check()
    today = timezone.localdate()
    group = caseworker.get_by_role("group", name="Date of the session")
    group.get_by_label("Day").fill(str(today.day))
    group.get_by_label("Month").fill(str(today.month))
    group.get_by_label("Year").fill(str(today.year))
    caseworker.get_by_label("In person").check()
    caseworker.get_by_label("Attended", exact=True).check()
    assert_no_axe_violations(caseworker)
    caseworker.get_by_role("button", name="Record session").click()
    expect(caseworker.get_by_test_id("sessions")).to_contain_text("First contact or assessment")

    caseworker.get_by_role("link", name="Raise a concern").click()
    caseworker.get_by_label("Urgent: the practitioner needs to act now").check()
    caseworker.get_by_label("What happened?").fill(
        "Daniel said he would confront his former partner this weekend."
    )
    assert_no_axe_violations(caseworker)
    caseworker.get_by_role("button", name="Raise concern").click()
    expect(caseworker.get_by_test_id("concern")).to_contain_text("Not yet acknowledged")

    practitioner = sign_in_as(browser, live_server, "practitioner@demo.example")
    attention = practitioner.get_by_test_id("attention")
    expect(attention).to_contain_text(f"Urgent concern on referral {referral.reference}")
    assert_no_axe_violations(practitioner)
    attention.get_by_role("link", name=f"Urgent concern on referral {referral.reference}").click()
    practitioner.get_by_role("button", name="Acknowledge").click()
    expect(practitioner.get_by_test_id("concern")).to_contain_text("Acknowledged by Priya Shah")
    assert_no_axe_violations(practitioner)

    caseworker.reload()
    caseworker.get_by_role("link", name="Send end-of-service report").click()
    for outcome in referral.desired_outcomes.all():
        caseworker.get_by_role("group", name=outcome.description, exact=True).get_by_label(
            "Achieved", exact=True
        ).check()
    caseworker.get_by_label("Completed", exact=True).check()
    caseworker.get_by_label("Overall summary").fill(
        "Daniel moved into a housing association flat in October."
    )
    assert_no_axe_violations(caseworker)
    caseworker.get_by_role("button", name="Send report").click()
    expect(caseworker.get_by_test_id("status")).to_contain_text("Completed")
    expect(caseworker.get_by_test_id("report")).to_contain_text("housing association flat")
    practitioner.context.close()
