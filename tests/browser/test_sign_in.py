"""Signing in through the browser: each demo role lands on its own home page, and two-factor
sign-in works from setting it up to signing in with a code, accessibly."""

import base64
import json
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from partnership.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from partnership.models import Role, User
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible(page, live_server, demo):
    page.goto(f"{live_server.url}/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Probation partnerships")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_no_axe_violations(page)


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=[a.email for a in DEMO_ACCOUNTS])
def test_each_demo_account_reaches_its_own_home_page(sign_in, live_server, account):
    page = sign_in(account.email)

    expect(page).to_have_url(f"{live_server.url}/")
    user = User.objects.select_related("pdu", "organisation", "commissioning_body").get(
        email=account.email
    )
    expect(page.locator(".govuk-caption-l")).to_have_text(Role(account.role).label)
    expect(page.get_by_test_id("context")).to_have_text(user.context_name)
    assert_no_axe_violations(page)


def test_a_wrong_password_gets_a_govuk_error_not_a_crash(sign_in):
    page = sign_in("practitioner@demo.example", "not-the-password")

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title("Error: Sign in – Probation partnerships")
    assert_no_axe_violations(page)


def test_an_empty_form_names_each_missing_field(page, live_server, demo):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_contain_text("Enter your password")
    summary.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()
    assert_no_axe_violations(page)


def test_sign_out_ends_the_session(sign_in, live_server):
    page = sign_in("caseworker@demo.example")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/signed-out/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/sign-in/?next=/")


def _get_me(live_server, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the live server
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_a_token_made_in_the_page_reads_the_api_until_revoked(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.get_by_role("link", name="API tokens", exact=True).click()
    page.get_by_label("Name").fill("Case notes export")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Create token").click()

    token = page.get_by_test_id("new-token").inner_text().strip()
    assert token.startswith("pp_")
    assert_no_axe_violations(page)
    status, body = _get_me(live_server, token)
    assert status == 200 and body["email"] == "practitioner@demo.example"

    page.reload()  # shown once only, and a reload makes no second token
    expect(page.get_by_test_id("new-token")).to_have_count(0)
    expect(page.get_by_role("button", name="Revoke Case notes export")).to_have_count(1)
    page.get_by_role("button", name="Revoke Case notes export").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("has been revoked")
    status, body = _get_me(live_server, token)
    assert status == 401 and body["status"] == 401


def _code(key: bytes, at_least_step: int = -1) -> str:
    """The authenticator app's code, for a time step after `at_least_step` (a code once
    accepted is never accepted again)."""
    from django_otp.oath import totp

    now_step = int(time.time()) // 30
    return f"{totp(key, drift=max(0, at_least_step + 1 - now_step)):06d}"


def test_two_factor_sign_in_from_set_up_to_signing_in_with_a_code(sign_in, live_server):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page = sign_in("caseworker@demo.example")
    page.get_by_role("link", name="Security", exact=True).click()
    expect(page.get_by_test_id("two-factor-status")).to_have_text("Off")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_test_id("qr-code").locator("svg")).to_be_visible()
    assert_no_axe_violations(page)
    # Typed in by hand, as someone who cannot scan the QR code would.
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Code from your authenticator app").fill(_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.get_by_test_id("recovery-codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    assert_no_axe_violations(page)
    page.get_by_role("link", name="I have saved my recovery codes").click()
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("button", name="Sign out").click()
    sign_in("caseworker@demo.example")
    expect(page).to_have_url(f"{live_server.url}/sign-in/two-factor/?next=%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Use a recovery code instead").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a recovery code")
    assert_no_axe_violations(page)
    page.get_by_label("Recovery code").fill("not-a-code")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The recovery code is not right")
    expect(page).to_have_title("Error: Enter a recovery code – Probation partnerships")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Back").click()
    device = TOTPDevice.objects.get(user__email="caseworker@demo.example", confirmed=True)
    page.get_by_label("Code from your authenticator app").fill(_code(key, device.last_t))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator(".govuk-caption-l")).to_have_text(Role.CASEWORKER.label)

    # Turning it off asks for the password and a code; an empty form names both.
    page.get_by_role("link", name="Security", exact=True).click()
    page.get_by_role("link", name="Turn off two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn off two-factor sign-in")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your password")
    expect(summary).to_contain_text("Enter the code from your authenticator app")
    expect(page).to_have_title("Error: Turn off two-factor sign-in – Probation partnerships")
    assert_no_axe_violations(page)
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.get_by_test_id("two-factor-status")).to_have_text("Off")
