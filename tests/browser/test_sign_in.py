"""Each demo role signs in through the browser and lands on its own home page, accessibly."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from partnership.demo import DEMO_ACCOUNTS
from partnership.models import Role, User
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_sign_in_page_is_accessible(page, live_server, demo):
    page.goto(f"{live_server.url}/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Probation partnerships")
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
    expect(page).to_have_url(f"{live_server.url}/sign-in/")
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
