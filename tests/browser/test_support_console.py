"""Service support's console in the browser, accessibly at 1280 and 320 pixels: lifting a
sign-in lockout, resetting two-factor sign-in, and searching the risk access log by CRN
and downloading it as a CSV file."""

import csv
import io
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from partnership.models import TwoFactorLockout, User
from referrals import services as referral_services
from referrals.models import AccessLog, Referral
from support.models import SupportAction
from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths

pytestmark = pytest.mark.browser

TARGET = "caseworker@demo.example"


def open_target(page) -> None:
    page.get_by_role("link", name="Support", exact=True).first.click()
    page.get_by_role("link", name="Find a user").click()
    page.get_by_label("Name or email address").fill(TARGET)
    page.get_by_role("button", name="Search").click()
    target = User.objects.get(email=TARGET)
    page.get_by_role("link", name=target.full_name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(target.full_name)


def test_support_lifts_a_lockout_and_resets_two_factor(sign_in, live_server, browser):
    page = sign_in("admin@demo.example")
    expect(page).to_have_url(f"{live_server.url}/")
    # The caseworker gets their password wrong ten times, from elsewhere, and is locked out.
    elsewhere = Client()
    for attempt in range(10):
        elsewhere.post(
            "/sign-in/",
            {"username": TARGET, "password": f"wrong-{attempt}"},
            REMOTE_ADDR="192.0.2.44",
        )
    target = User.objects.get(email=TARGET)
    TwoFactorLockout.objects.create(user=target, failures=10, locked_at=timezone.now())

    open_target(page)
    expect(page.get_by_test_id("lockout-state")).to_contain_text("Locked out")
    expect(page.get_by_test_id("two-factor-state")).to_contain_text("Locked")
    accessible_at_both_widths(page)

    page.get_by_role("link", name="Lift lockout").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lift the sign-in lockout")
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Lift lockout").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("lockout has been lifted")
    expect(page.get_by_test_id("lockout-state")).to_have_text("Not locked out")
    assert not AccessAttempt.objects.filter(username=TARGET).exists()

    page.get_by_role("link", name="Reset two-factor sign-in").click()
    accessible_at_both_widths(page)
    page.get_by_role("button", name="Reset two-factor sign-in").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Two-factor sign-in has been reset"
    )
    expect(page.get_by_test_id("two-factor-state")).not_to_contain_text("Locked")
    assert not TwoFactorLockout.objects.filter(user=target).exists()
    accessible_at_both_widths(page)
    kinds = set(SupportAction.objects.filter(user=target).values_list("kind", flat=True))
    assert kinds == {SupportAction.Kind.LIFT_LOCKOUT, SupportAction.Kind.RESET_TWO_FACTOR}

    # The caseworker signs in again.
    theirs = browser.new_context().new_page()
    theirs.goto(f"{live_server.url}/sign-in/")
    theirs.get_by_label("Email address").fill(TARGET)
    from partnership.demo import DEMO_PASSWORD

    theirs.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    theirs.get_by_role("button", name="Sign in").click()
    expect(theirs).to_have_url(f"{live_server.url}/")


def test_support_searches_the_access_log_by_crn_and_downloads_it(
    sign_in, live_server, tmp_path: Path
):
    referral = Referral.objects.exclude(crn="").order_by("pk").first()
    referral_services.risk_read(
        referral=referral, by=referral.practitioner, channel="page", why="checking the risk"
    )
    page = sign_in("admin@demo.example")
    page.get_by_role("link", name="Support", exact=True).first.click()
    page.get_by_role("link", name="Search the risk access log").click()
    accessible_at_both_widths(page)

    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a CRN")
    accessible_at_both_widths(page)

    page.get_by_label("Case reference number (CRN)").fill(referral.crn)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("result-count")).to_contain_text("found")
    assert referral.crn not in page.url
    expect(page.locator("table")).to_contain_text(referral.practitioner.email)
    accessible_at_both_widths(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download as CSV").click()
    saved = tmp_path / "log.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(saved.read_text())))
    assert rows[0][:3] == ["at", "user_email", "crn"]
    assert {row[2] for row in rows[1:]} == {referral.crn}
    assert any(row[1] == referral.practitioner.email for row in rows[1:])
    admin = User.objects.get(email="admin@demo.example")
    assert AccessLog.objects.filter(user=admin, what="support_access_log_export").exists()
