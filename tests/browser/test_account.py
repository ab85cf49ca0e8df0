"""The account's basics in the browser, accessibly at 1280 and 320 pixels: changing a
password, the timeout warning and staying signed in, the pages after signing out, and
the footer's pages."""

import re
import time
from importlib import import_module

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from partnership.auth import SIGNED_IN_AT_KEY
from partnership.demo import DEMO_PASSWORD
from tests.browser.axe import assert_accessible_at_both_widths as accessible_at_both_widths
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

NEW_PASSWORD = "lantern orchard velvet"


def test_changing_the_password_signs_out_everywhere_else(sign_in, live_server, browser):
    elsewhere = browser.new_context().new_page()
    elsewhere.goto(f"{live_server.url}/sign-in/")
    elsewhere.get_by_label("Email address").fill("practitioner@demo.example")
    elsewhere.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    elsewhere.get_by_role("button", name="Sign in").click()
    expect(elsewhere).to_have_url(f"{live_server.url}/")

    page = sign_in("practitioner@demo.example")
    page.get_by_role("link", name="Security", exact=True).click()
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    accessible_at_both_widths(page)

    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Your current password is not right")
    expect(page).to_have_title("Error: Change your password – Probation partnerships")
    summary.get_by_role("link", name="Your current password is not right").click()
    expect(page.get_by_label("Current password")).to_be_focused()
    accessible_at_both_widths(page)

    page.get_by_label("Current password").fill(DEMO_PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Confirm new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page).to_have_url(f"{live_server.url}/account/security/")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your password has been changed"
    )
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/referrals/")
    expect(page).to_have_url(f"{live_server.url}/referrals/")

    elsewhere.goto(f"{live_server.url}/referrals/")
    expect(elsewhere).to_have_url(f"{live_server.url}/sign-in/?next=/referrals/")
    elsewhere.context.close()

    page.get_by_role("button", name="Sign out").click()
    sign_in("practitioner@demo.example", NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")


def test_the_timeout_warning_and_staying_signed_in(sign_in, live_server, settings):
    # Two minutes and ten seconds idle, warned at two minutes and five: the warning opens
    # a few seconds after the page loads.
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 130
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 125
    page = sign_in("caseworker@demo.example")
    expect(page).to_have_url(f"{live_server.url}/")
    dialog = page.get_by_role("alertdialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(page.locator("#session-timeout-heading")).to_be_focused()
    expect(page.get_by_test_id("session-timeout-countdown")).to_have_text("3 minutes")
    expect(page.locator("[data-session-timeout-announce]")).to_have_text(
        "For your security, we will sign you out in 3 minutes."
    )
    # Focus stays in the dialog.
    for _ in range(4):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('session-timeout').contains(document.activeElement)"
        )
    accessible_at_both_widths(page)

    with page.expect_response("**/account/session/keep-alive/") as answer:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 200
    assert answer.value.json()["seconds_left"] == 130
    expect(dialog).to_be_hidden()
    page.goto(f"{live_server.url}/referrals/inbox/")
    expect(page).to_have_url(f"{live_server.url}/referrals/inbox/")


def test_when_the_time_runs_out_the_page_signs_out(sign_in, live_server, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 10
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 120
    page = sign_in("caseworker@demo.example")
    expect(page.get_by_role("alertdialog")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/signed-out/timed-out/", timeout=15_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("You have been signed out")
    accessible_at_both_widths(page)
    page.goto(f"{live_server.url}/referrals/inbox/")
    expect(page).to_have_url(f"{live_server.url}/sign-in/?next=/referrals/inbox/")


def test_sign_out_from_the_warning_and_from_the_header(sign_in, live_server, settings):
    settings.SESSION_TIMEOUT_WARNING_SECONDS = settings.SESSION_IDLE_TIMEOUT_SECONDS
    page = sign_in("commissioner@demo.example")
    page.get_by_role("alertdialog").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/signed-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")

    settings.SESSION_TIMEOUT_WARNING_SECONDS = 120
    page = sign_in("commissioner@demo.example")
    expect(page.get_by_role("alertdialog")).to_be_hidden()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/signed-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    accessible_at_both_widths(page)
    page.get_by_role("link", name="Sign in again").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in/")


@pytest.mark.parametrize(
    ("link", "heading"),
    [
        ("Help", "Help and support"),
        ("Accessibility statement", "Accessibility statement for Probation partnerships"),
        ("Cookies", "Cookies"),
        ("Privacy notice", "Privacy notice"),
    ],
)
def test_the_footer_pages_signed_out(page, live_server, link, heading):
    page.goto(f"{live_server.url}/sign-in/")
    page.locator(".govuk-footer").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    accessible_at_both_widths(page)


def test_the_phase_banner_asks_for_feedback(page, live_server):
    page.goto(f"{live_server.url}/sign-in/")
    page.locator(".govuk-phase-banner").get_by_role("link", name="Tell us what you think").click()
    expect(page).to_have_url(f"{live_server.url}/help/#feedback")
    expect(page.get_by_role("heading", name="Give feedback")).to_be_visible()


def test_at_the_absolute_limit_the_warning_says_when_and_continue_closes_it(
    sign_in, live_server, settings
):
    # Signed in for at most 40 seconds, warned two minutes before: the idle limit (30
    # minutes) never comes first, and staying signed in could not help.
    settings.SESSION_COOKIE_AGE = 40
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 120
    page = sign_in("caseworker@demo.example")
    dialog = page.get_by_role("alertdialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible()
    expect(page.locator("#session-timeout-heading")).to_be_focused()
    message = page.get_by_test_id("session-timeout-absolute")
    expect(message).to_be_visible()
    expect(message).to_contain_text("because you have been signed in for 1 minute. Save your work.")
    expect(message).to_have_text(re.compile(r"You will be signed out at \d\d:\d\d because"))
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(dialog.get_by_text("For your security, we will sign you out in")).to_be_hidden()
    expect(page.locator("[data-session-timeout-announce]")).to_have_text(
        re.compile(r"You will be signed out at \d\d:\d\d because you have been signed in")
    )
    # Focus stays in the dialog, on its two buttons.
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate(
            "document.getElementById('session-timeout').contains(document.activeElement)"
        )
    accessible_at_both_widths(page)

    dialog.get_by_role("button", name="Continue").click()
    expect(dialog).to_be_hidden()
    # Warned once: the next page does not warn again of the same end.
    page.goto(f"{live_server.url}/referrals/inbox/")
    page.wait_for_timeout(1500)
    expect(dialog).to_be_hidden()

    expect(page).to_have_url(
        f"{live_server.url}/signed-out/timed-out/?reason=absolute", timeout=45_000
    )
    expect(page.get_by_role("main")).to_contain_text(
        "We signed you out because you had been signed in for 1 minute"
    )
    accessible_at_both_widths(page)


def test_staying_signed_in_near_the_absolute_limit_says_it_cannot(sign_in, live_server, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 130
    settings.SESSION_TIMEOUT_WARNING_SECONDS = 125
    page = sign_in("caseworker@demo.example")
    dialog = page.get_by_role("alertdialog", name="You’re about to be signed out")
    expect(dialog).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("session-timeout-absolute")).to_be_hidden()

    # Signed in 11 hours and 59 minutes ago: one minute of the 12 hours is left.
    cookie = next(
        c for c in page.context.cookies() if c["name"] == django_settings.SESSION_COOKIE_NAME
    )
    session = import_module(django_settings.SESSION_ENGINE).SessionStore(cookie["value"])
    session[SIGNED_IN_AT_KEY] = time.time() - django_settings.SESSION_COOKIE_AGE + 60
    session.save()

    with page.expect_response("**/account/session/keep-alive/") as answer:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert answer.value.json()["limit"] == "absolute"
    assert 55 <= answer.value.json()["seconds_left"] <= 60
    signed_out_at = answer.value.json()["signed_out_at"]
    # The dialog stays, and now says why staying signed in cannot help.
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("session-timeout-absolute")).to_have_text(
        f"You will be signed out at {signed_out_at} because you have been signed in for "
        "12 hours. Save your work."
    )
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_hidden()
    expect(dialog.get_by_role("button", name="Continue")).to_be_visible()
    expect(page.locator("#session-timeout-heading")).to_be_focused()
    accessible_at_both_widths(page)
    # Escape closes it, as "Continue" does: nothing to extend.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.wait_for_timeout(1500)
    expect(dialog).to_be_hidden()
