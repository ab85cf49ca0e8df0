"""A provider admin signs the information-sharing agreement and adds a service."""

import pytest
from playwright.sync_api import expect

from providers.models import AgreementSignature, Service
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_a_provider_admin_signs_the_information_sharing_agreement(sign_in, live_server):
    AgreementSignature.objects.all().delete()  # the demo has it signed already
    page = sign_in("provider-admin@demo.example")
    page.get_by_role("link", name="Organisation", exact=True).click()
    page.get_by_role("link", name="Information-sharing agreement").click()
    expect(page.get_by_text("has not signed this version")).to_be_visible()

    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Confirm that you can sign for the organisation"
    )
    assert_no_axe_violations(page)

    page.get_by_label("Your position in the organisation").fill("Chief executive")
    page.get_by_label("I have authority to sign").check()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.get_by_test_id("signed")).to_contain_text("By Grace Lindqvist, Chief executive")
    assert_no_axe_violations(page)


def test_a_provider_admin_adds_a_service(sign_in, live_server):
    page = sign_in("provider-admin@demo.example")
    page.get_by_role("link", name="Services", exact=True).click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Add a service").or_(
        page.get_by_role("link", name="Add a service")
    ).click()

    page.get_by_label("Service name").fill("Benefits and debt clinic")
    page.get_by_label("Referrals you can take each month").fill("-2")
    page.get_by_role("button", name="Add service").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select at least one category")
    expect(summary).to_contain_text("Referrals each month cannot be negative")
    assert_no_axe_violations(page)

    page.get_by_label("Description").fill("Weekly advice on benefits, debt and budgeting.")
    page.get_by_label("Finance, benefit and debt").check()
    page.get_by_label("PDUs the service covers").select_option(label="Manchester North")
    page.get_by_label("Community").check()
    page.get_by_label("Referrals you can take each month").fill("15")
    page.get_by_role("button", name="Add service").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Benefits and debt clinic has been added"
    )
    expect(page.get_by_test_id("services")).to_contain_text("Benefits and debt clinic")
    assert Service.objects.get(name="Benefits and debt clinic").monthly_capacity == 15


def test_a_commissioner_sees_organisations_in_their_region(sign_in, live_server):
    page = sign_in("commissioner@demo.example")
    page.get_by_role("link", name="Organisations", exact=True).click()
    expect(page.get_by_test_id("organisations")).to_contain_text("Northern Roots Recovery Trust")
    expect(page.get_by_test_id("organisations")).not_to_contain_text("Thames Women's Centre")
    assert_no_axe_violations(page)


def test_the_organisation_profile_edit_page_is_accessible_with_errors(sign_in, live_server):
    page = sign_in("provider-admin@demo.example")
    page.goto(f"{live_server.url}/organisation/edit/")
    page.get_by_label("Organisation identifier (org-id)").fill("GB-CHC-12")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Charity Commission number")
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/organisation/staff/")
    expect(page.get_by_role("table")).to_contain_text("Alex Morgan")
    assert_no_axe_violations(page)
