"""Capacity in the browser: a commissioner works the alert centre and the demand view; a
practitioner on an over-capacity service is shown services with room."""

import pytest
from playwright.sync_api import expect

from capacity.models import Alert
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser


def test_a_commissioner_acknowledges_an_alert_and_reads_the_demand_view(sign_in, live_server):
    page = sign_in("commissioner@demo.example")
    expect(page.get_by_test_id("alert-count")).to_contain_text("not yet acknowledged")
    page.get_by_role("link", name="Alerts", exact=True).click()
    alerts = page.get_by_test_id("alerts")
    expect(alerts).to_contain_text("Over capacity: Women's space")
    assert_no_axe_violations(page)

    page.get_by_label("Severity").select_option("red")
    page.get_by_role("button", name="Apply filters").click()
    expect(alerts).to_contain_text("Women's space")
    expect(alerts).not_to_contain_text("Agreement milestone")
    page.get_by_role("link", name="Over capacity: Women's space").click()
    expect(page.get_by_test_id("alert-figures")).to_contain_text("Capacity used")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Acknowledge").click()
    # A note of what is being done is needed.
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter what is being done about the alert"
    )
    page.get_by_label("What is being done about it?").fill("Asked for a second group.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("alert-status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("acknowledgement-note")).to_have_text("Asked for a second group.")
    alert = Alert.objects.get(service__name="Women's space", rule="over_capacity")
    assert (
        alert.status == "acknowledged"
        and alert.acknowledged_by.email == "commissioner@demo.example"
        and alert.acknowledgement_note == "Asked for a second group."
    )

    page.get_by_role("link", name="Demand", exact=True).click()
    expect(page.get_by_test_id("heat-table")).to_contain_text("Women's services")
    expect(page.get_by_test_id("this-month")).to_contain_text("Accommodation")
    assert_no_axe_violations(page)
    page.get_by_test_id("heat-table").get_by_role("link", name="Women's services").click()
    expect(page.get_by_test_id("category-services")).to_contain_text("Women's space")
    assert_no_axe_violations(page)


def test_a_practitioner_on_an_over_capacity_service_sees_services_with_room(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.get_by_role("link", name="Find a service", exact=True).click()
    page.get_by_label("Search").fill("Housing first steps")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("results")
    expect(results.get_by_test_id("capacity-indicator").first).to_be_visible()
    page.get_by_role("link", name="Housing first steps").click()
    expect(page.get_by_test_id("capacity-indicator")).to_have_text("Over capacity")
    alternatives = page.get_by_test_id("alternatives")
    expect(alternatives).to_contain_text("Services with room in Manchester North")
    expect(alternatives).to_contain_text("Gate to home mentoring")
    assert_no_axe_violations(page)
    expect(page.get_by_role("link", name="Alerts", exact=True)).to_have_count(0)
