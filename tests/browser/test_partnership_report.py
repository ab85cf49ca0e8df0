"""The partnership report in the browser: a commissioner finds the demo's report for Greater
Manchester, reads it (every section with its chart, its table and where its figures come
from), generates one for a quarter after correcting an error, and downloads it as PDF; the
provider's admin sees the providers' version only. Each page passes axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from intelligence.models import PartnershipReport
from intelligence.report import quarter_bounds
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

SECTIONS = [
    "volumes",
    "timeliness",
    "outcomes",
    "reasons",
    "quality",
    "unmet_need",
    "surveys",
    "equality",
    "funding",
    "unfunded",
    "training",
    "sharing",
]


def test_a_commissioner_reads_generates_and_downloads_the_partnership_report(sign_in, live_server):
    page = sign_in("commissioner@demo.example")
    page.get_by_role("link", name="Reports").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnership reports")
    expect(page.get_by_test_id("report-list")).to_contain_text("Greater Manchester")
    assert_no_axe_violations(page)

    page.get_by_test_id("report-list").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Greater Manchester")
    for key in SECTIONS:
        expect(page.get_by_test_id(f"section-{key}")).to_be_visible()
        expect(page.get_by_test_id(f"source-{key}")).to_contain_text("Where the figures come")
    expect(page.get_by_test_id("chart-volumes")).to_be_visible()
    expect(page.get_by_test_id("table-volumes")).to_contain_text("Accommodation")
    expect(page.get_by_test_id("table-surveys")).to_contain_text("People who answered")
    expect(page.get_by_test_id("table-unfunded")).to_contain_text("Small and micro organisations")
    expect(page.get_by_test_id("note-unfunded")).to_contain_text("Small and micro organisations")
    assert_no_axe_violations(page)

    page.goto(f"{live_server.url}/reports/")
    page.get_by_test_id("generate-report").click()
    page.get_by_label("A quarter (three months)").check()
    page.get_by_role("button", name="Generate report").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a date in the period")
    assert_no_axe_violations(page)

    day = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Day", exact=True).fill(str(day.day))
    page.get_by_role("textbox", name="Month").fill(str(day.month))
    page.get_by_label("Year", exact=True).fill(str(day.year))
    page.get_by_role("button", name="Generate report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Partnership report")
    quarter_start, quarter_end = quarter_bounds(day.year, (day.month - 1) // 3 + 1)
    generated = PartnershipReport.objects.filter(
        period_start=quarter_start,
        period_end=quarter_end,
        generated_by__email="commissioner@demo.example",
    )
    assert generated.count() == 2

    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-commissioners.pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_a_providers_admin_sees_the_providers_version_only(sign_in, live_server):
    page = sign_in("provider-admin@demo.example")
    page.goto(f"{live_server.url}/reports/")
    listed = page.get_by_test_id("report-list")
    expect(listed).to_contain_text("Providers (no personal data)")
    expect(listed).not_to_contain_text("Commissioners")
    expect(page.get_by_test_id("generate-report")).to_have_count(0)
    listed.get_by_role("link").first.click()
    expect(page.get_by_test_id("report-summary")).to_contain_text("names no person")
    assert_no_axe_violations(page)
    commissioners = PartnershipReport.objects.filter(audience="commissioners").first()
    response = page.goto(f"{live_server.url}/reports/{commissioners.public_id}/")
    assert response.status == 404
