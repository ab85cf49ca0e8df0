"""The directory's filter on a small screen (MOJ "Filter a list"): hidden behind "Show filter"
at 320px, opened and closed by its toggle, never covering the results nor running off the
screen; beside the results on a big screen; shown and usable without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from partnership.demo import DEMO_PASSWORD
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 720}
# Whether the page scrolls sideways, and whether an element is the one really drawn at its own
# centre (nothing laid over it).
PAGE_OVERFLOWS = "() => document.documentElement.scrollWidth > document.documentElement.clientWidth"
UNCOVERED = """(el) => {
  el.scrollIntoView({block: 'center'});
  const box = el.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit === el || el.contains(hit);
}"""


def _sign_in(page, base_url: str, email: str = "practitioner@demo.example"):
    page.goto(f"{base_url}/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in/" not in url)


def _apply_filters(page, filter_panel):
    """Apply the filter and wait for its answer: the results read before the new page has
    loaded would be the old page's, or none while the document is being replaced."""
    filter_panel.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"[?&]category="))
    page.wait_for_load_state("load")


def _results_all_tagged(page, category: str):
    items = page.get_by_test_id("results").locator("li")
    expect(items.first).to_be_visible()
    for item in items.all():
        expect(item).to_contain_text(category)


def _inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    return box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


def test_at_320px_the_filter_is_hidden_until_shown_and_never_covers_the_results(
    sign_in, live_server
):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server.url}/services/")
    toggle = page.get_by_role("button", name="Show filter")
    filter_panel = page.get_by_test_id("filter")
    first_result = page.get_by_test_id("results").get_by_role("link").first

    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "filter")
    expect(filter_panel).to_be_hidden()
    assert first_result.evaluate(UNCOVERED)
    assert not page.evaluate(PAGE_OVERFLOWS)
    assert_no_axe_violations(page)

    toggle.click()
    toggle = page.get_by_role("button", name="Hide filter")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(filter_panel).to_be_visible()
    expect(filter_panel.get_by_label("Category")).to_be_visible()
    assert _inside_viewport(page, filter_panel)
    # In the page's flow, above the results: not laid over them.
    assert (
        filter_panel.bounding_box()["y"] + filter_panel.bounding_box()["height"]
        <= (first_result.bounding_box()["y"])
    )
    assert first_result.evaluate(UNCOVERED)
    assert not page.evaluate(PAGE_OVERFLOWS)
    assert_no_axe_violations(page)

    filter_panel.get_by_role("button", name="Close filter").click()
    expect(filter_panel).to_be_hidden()
    expect(page.get_by_role("button", name="Show filter")).to_be_focused()
    expect(page.get_by_role("button", name="Show filter")).to_have_attribute(
        "aria-expanded", "false"
    )

    # Opened again, the filter applies, and its answer comes back with the filter tucked away.
    page.get_by_role("button", name="Show filter").click()
    filter_panel.get_by_label("Category").select_option(label="Accommodation")
    _apply_filters(page, filter_panel)
    expect(page.get_by_test_id("result-count")).to_be_visible()
    expect(filter_panel).to_be_hidden()
    _results_all_tagged(page, "Accommodation")
    assert not page.evaluate(PAGE_OVERFLOWS)
    assert_no_axe_violations(page)


def test_at_320px_a_filter_with_an_error_is_shown_to_correct_it(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size(NARROW)
    page.goto(f"{live_server.url}/services/?age=twelve")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the person's age as a whole number"
    )
    expect(page.get_by_test_id("filter")).to_be_visible()
    page.locator(".govuk-error-summary").get_by_role("link").first.click()
    expect(page.get_by_label("The person's age")).to_be_focused()
    assert not page.evaluate(PAGE_OVERFLOWS)
    assert_no_axe_violations(page)


def test_on_a_big_screen_the_filter_is_beside_the_results(sign_in, live_server):
    page = sign_in("practitioner@demo.example")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/services/")
    filter_panel = page.get_by_test_id("filter")
    expect(filter_panel).to_be_visible()
    expect(page.get_by_role("button", name="Hide filter")).to_have_attribute(
        "aria-expanded", "true"
    )
    expect(filter_panel.get_by_role("button", name="Close filter")).to_have_count(0)
    results = page.get_by_test_id("results")
    assert (
        filter_panel.bounding_box()["x"] + filter_panel.bounding_box()["width"]
        <= (results.bounding_box()["x"])
    )
    assert_no_axe_violations(page)

    # Zoomed to 200% the same screen is 640 CSS pixels wide: the small screen's layout.
    page.set_viewport_size({"width": 640, "height": 450})
    expect(filter_panel).to_be_hidden()
    expect(page.get_by_role("button", name="Show filter")).to_be_visible()
    assert not page.evaluate(PAGE_OVERFLOWS)


def test_without_javascript_the_filter_is_shown_and_works_at_320px(browser, live_server, demo):
    context = browser.new_context(viewport=NARROW, java_script_enabled=False)
    try:
        page = context.new_page()
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/services/")
        filter_panel = page.get_by_test_id("filter")
        expect(filter_panel).to_be_visible()
        expect(page.get_by_role("button", name="Show filter")).to_have_count(0)
        assert _inside_viewport(page, filter_panel)
        assert not page.evaluate(PAGE_OVERFLOWS)
        filter_panel.get_by_label("Category").select_option(label="Mentoring")
        _apply_filters(page, filter_panel)
        _results_all_tagged(page, "Mentoring")
        assert not page.evaluate(PAGE_OVERFLOWS)
    finally:
        context.close()
