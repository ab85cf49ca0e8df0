"""The Content-Security-Policy in a real browser: the portal's pages, a form with errors,
the API documentation, the browsable API and the Django admin all work under it, with no
violation reported (a `securitypolicyviolation` event or a console error)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__policyViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile || "page"}:${event.lineNumber})`
  );
});
"""


@pytest.fixture
def assert_no_policy_violations(page):
    """Records violations on every page the test opens; call it before leaving each page."""
    page.add_init_script(RECORD_VIOLATIONS)
    console_errors: list[str] = []
    page.on(
        "console",
        lambda message: console_errors.append(message.text) if message.type == "error" else None,
    )

    def check():
        page.wait_for_load_state("load")
        violations = page.evaluate("() => window.__policyViolations || []")
        refused = [
            text
            for text in console_errors
            if "Content Security Policy" in text or "Permissions-Policy" in text
        ]
        assert not violations and not refused, f"{page.url}: {violations + refused}"

    return check


def expect_portal_scripts_ran(page):
    # The inline script (nonce) marks the body; GOV.UK Frontend's start-up (a nonced module)
    # initialises each component, the skip link among them.
    expect(page.locator("body")).to_have_class(
        "govuk-template__body js-enabled govuk-frontend-supported"
    )
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")


def test_the_home_page_and_a_form_with_errors(
    page, live_server, demo, sign_in, assert_no_policy_violations
):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter your email address")
    expect(summary).to_be_focused()  # GOV.UK Frontend's error summary script did this
    expect_portal_scripts_ran(page)
    assert_no_policy_violations()

    sign_in("practitioner@demo.example")
    expect(page).to_have_url(f"{live_server.url}/")
    expect_portal_scripts_ran(page)
    assert_no_policy_violations()


def test_the_api_documentation(page, live_server, committed_db, assert_no_policy_violations):
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Probation partnerships API")
    operation = page.locator(".opblock-summary", has_text="/api/v1/services/").first
    operation.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert_no_policy_violations()


def test_the_browsable_api(page, live_server, sign_in, assert_no_policy_violations):
    sign_in("practitioner@demo.example")
    page.goto(f"{live_server.url}/api/v1/services/")
    expect(page.get_by_role("heading", name="Service List")).to_be_visible()
    # Bootstrap's script opens the filters dialog.
    page.get_by_role("button", name="Filters").click()
    expect(page.locator("#filtersModal")).to_be_visible()
    assert_no_policy_violations()

    page.goto(f"{live_server.url}/api/v1/me/")
    expect(page.locator(".response-info")).to_contain_text("practitioner@demo.example")
    assert_no_policy_violations()


def test_the_django_admin(page, live_server, sign_in, assert_no_policy_violations):
    sign_in("admin@demo.example")
    page.goto(f"{live_server.url}/django-admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert_no_policy_violations()

    page.goto(f"{live_server.url}/django-admin/partnership/user/")
    page.get_by_role("textbox").first.fill("demo.example")
    page.keyboard.press("Enter")
    expect(page.locator("#result_list")).to_contain_text("practitioner@demo.example")
    # The admin's action script: choosing every row counts them.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("selected")
    assert_no_policy_violations()

    page.get_by_role("link", name="practitioner@demo.example").first.click()
    expect(page.locator("#content h1, #content h2").first).to_be_visible()
    assert_no_policy_violations()
