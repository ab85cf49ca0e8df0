"""Capacity figures in the browser, at 1280 and 320 CSS pixels: the demand view with its
keys and each service's last 13 months, an alert acknowledged with a note that others read,
and market health; each page passes axe and none scrolls sideways."""

import pytest
from playwright.sync_api import expect

from capacity import selectors
from capacity.models import Alert
from partnership.models import User
from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_reflow import _OVERFLOW

pytestmark = pytest.mark.browser

WIDTHS = {"1280px": 1280, "320px": 320}
NOTE = "Asked the provider to open a second group on Thursdays."


def _fits(page):
    overflow = page.evaluate(_OVERFLOW)
    assert overflow is None, f"{page.url} scrolls sideways: {overflow}"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_demand_figures_and_an_acknowledged_alert(sign_in, live_server, width):
    page = sign_in("commissioner@demo.example")
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"{live_server.url}/demand/")
    expect(page.get_by_test_id("heat-key")).to_contain_text("Under-used")
    expect(page.get_by_test_id("heat-key")).to_contain_text("Far over capacity")
    _fits(page)
    assert_no_axe_violations(page)

    page.get_by_test_id("heat-table").get_by_role("link", name="Women's services").click()
    history = page.get_by_test_id("service-history")
    expect(history).to_contain_text("Women's space")
    expect(history.locator("thead th")).to_have_count(14)  # the service, and 13 months
    expect(page.get_by_test_id("service-history-key")).to_contain_text("Within")
    _fits(page)
    assert_no_axe_violations(page)

    alert = Alert.objects.filter(service__name="Women's space", rule="over_capacity").first()
    page.goto(f"{live_server.url}/alerts/{alert.public_id}/")
    figures = page.get_by_test_id("alert-figures")
    expect(figures).to_contain_text("Funded by an agreement")
    expect(figures).not_to_contain_text("True")
    expect(figures).not_to_contain_text("False")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what is being done")
    assert_no_axe_violations(page)
    page.get_by_label("What is being done about it?").fill(NOTE)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledgement-note")).to_have_text(NOTE)
    _fits(page)
    assert_no_axe_violations(page)

    # The provider's admin, who sees the alert too, reads the note.
    admin = User.objects.get(email="provider-admin@demo.example")
    assert selectors.alert_list_visible_to(user=admin).filter(pk=alert.pk).exists()
    page.context.clear_cookies()
    other = sign_in("provider-admin@demo.example")
    other.goto(f"{live_server.url}/alerts/{alert.public_id}/")
    expect(other.get_by_test_id("acknowledgement-note")).to_have_text(NOTE)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_market_health_fits_and_reflows(sign_in, live_server, width):
    page = sign_in("commissioner@demo.example")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/market-health/")
    expect(page.get_by_test_id("trend-table").first).to_be_visible()
    _fits(page)
    assert_no_axe_violations(page)
