"""The partnership report's pages, API and open CSV: a commissioner generates a report and
reads both versions, provider staff the providers' version only, anyone the region's
quarter as suppressed CSV with `ETag` and CORS."""

from __future__ import annotations

import csv
import io
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape

from commissioning.tests.factories import auth
from intelligence import report_services
from intelligence.models import PartnershipReport
from partnership.models import Region, Role
from partnership.months import add_months, month_start
from partnership.tests.factories import CommissioningBodyFactory, UserFactory
from providers.tests.factories import make_service
from referrals.models import Status
from referrals.tests.factories import provider_admin_for, referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner():
    body = CommissioningBodyFactory(regions=[Region.objects.get(code="L")])
    return UserFactory(role=Role.COMMISSIONER, commissioning_body=body)


@pytest.fixture
def service():
    service = make_service("Housing support")
    for _ in range(6):
        referral_in(Status.ACCEPTED, service=service)
    return service


def _generate(client, commissioner, **answers):
    client.force_login(commissioner)
    today = timezone.localdate()
    data = {
        "region": Region.objects.get(code="L").pk,
        "length": "month",
        "day_0": today.day,
        "day_1": today.month,
        "day_2": today.year,
        **answers,
    }
    return client.post("/reports/new/", data)


def test_a_commissioner_generates_a_report_and_reads_it(client, commissioner, service):
    response = _generate(client, commissioner)
    report = PartnershipReport.objects.get(audience="commissioners")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Referral volumes against contracted capacity" in page
    assert "Where the figures come from" in page
    assert "<svg" in page and 'class="app-table-scroll"' in page
    assert service.organisation.name in page  # the commissioners' version names providers
    pdf = client.get(f"/reports/{report.public_id}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_a_date_in_the_future_is_refused_with_the_error_summary(client, commissioner):
    response = _generate(client, commissioner, day_2=timezone.localdate().year + 1)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not PartnershipReport.objects.exists()


def test_provider_staff_read_the_providers_version_only(client, commissioner, service):
    _generate(client, commissioner)
    admin = provider_admin_for(service)
    client.force_login(admin)
    listed = client.get("/reports/").content.decode()
    providers = PartnershipReport.objects.get(audience="providers")
    commissioners = PartnershipReport.objects.get(audience="commissioners")
    assert str(providers.public_id) in listed
    assert str(commissioners.public_id) not in listed
    assert client.get(f"/reports/{commissioners.public_id}/").status_code == 404
    page = client.get(f"/reports/{providers.public_id}/").content.decode()
    assert service.organisation.name not in page
    assert escape(commissioner.full_name) not in page  # who generated it is not said either
    assert client.get("/reports/new/").status_code == 404


def test_the_api_gives_each_user_the_reports_they_may_read(client, commissioner, service):
    _generate(client, commissioner)
    client.logout()
    listed = client.get("/api/v1/partnership-reports/", **auth(commissioner)).json()
    assert {row["audience"] for row in listed["results"]} == {"commissioners", "providers"}
    admin = provider_admin_for(service)
    theirs = client.get("/api/v1/partnership-reports/", **auth(admin)).json()["results"]
    assert [row["audience"] for row in theirs] == ["providers"]
    sections = theirs[0]["figures"]["sections"]
    assert sections[0]["title"] == "Referral volumes against contracted capacity"
    outsider = UserFactory(role=Role.PRACTITIONER)
    assert client.get("/api/v1/partnership-reports/", **auth(outsider)).json()["results"] == []


def test_the_api_list_reads_in_a_fixed_number_of_queries(
    client, commissioner, service, django_assert_max_num_queries
):
    _generate(client, commissioner)
    client.logout()
    headers = auth(commissioner)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/partnership-reports/", **headers)
    assert response.json()["count"] == 2


def test_the_open_csv_is_suppressed_open_to_anyone_and_versioned(client, service):
    today = timezone.localdate()
    quarter = (today.month - 1) // 3 + 1
    url = f"/open-data/partnership/L/{today.year}-Q{quarter}.csv"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and {row["region"] for row in rows} == {"L"}
    assert service.organisation.name not in response.content.decode()
    counted = [
        row
        for row in rows
        if row["section"] == "Referral volumes against contracted capacity"
        and row["column"] == "Referrals sent"
    ]
    assert counted and all(row["value"] == "" or int(row["value"]) >= 5 for row in counted)
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_quarter_not_yet_begun_or_not_a_quarter_is_not_there(client):
    year = timezone.localdate().year + 1
    assert client.get(f"/open-data/partnership/L/{year}-Q1.csv").status_code == 404
    assert client.get("/open-data/partnership/L/2026-Q5.csv").status_code == 404
    assert client.get("/open-data/partnership/ZZ/2026-Q1.csv").status_code == 404
    # A year no calendar has, however many digits, is not there either (never a 500).
    for year in ("0", "99999", "9" * 30):
        assert client.get(f"/open-data/partnership/L/{year}-Q1.csv").status_code == 404


@pytest.fixture
def builder_calls(monkeypatch):
    """The report builder the open CSV relies on, counting its calls."""
    from intelligence import report_services

    calls = []
    real = report_services.partnership_report

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(report_services, "partnership_report", counted)
    cache.clear()
    yield calls
    cache.clear()


def _quarter_url(day):
    return f"/open-data/partnership/L/{day.year}-Q{(day.month - 1) // 3 + 1}.csv"


def test_the_open_csv_works_the_figures_out_once_and_keeps_them(client, service, builder_calls):
    url = _quarter_url(timezone.localdate())
    first = client.get(url)
    assert first.status_code == 200 and len(builder_calls) == 1
    second = client.get(url)
    assert second.status_code == 200
    assert len(builder_calls) == 1
    assert second.content == first.content and second["ETag"] == first["ETag"]
    # Another quarter is another key: worked out for itself.
    previous = add_months(month_start(timezone.localdate()), -3)
    assert client.get(_quarter_url(previous)).status_code == 200
    assert len(builder_calls) == 2


def test_the_open_csv_serves_a_kept_providers_report_of_the_quarter(
    client, commissioner, service, builder_calls
):
    from intelligence.report import quarter_bounds

    today = timezone.localdate()
    previous = add_months(month_start(today), -3)
    period_start, period_end = quarter_bounds(previous.year, (previous.month - 1) // 3 + 1)
    kept = report_services.partnership_report_generate(
        region=Region.objects.get(code="L"),
        period_start=period_start,
        period_end=period_end,
        by=commissioner,
    )[1]
    assert kept.audience == "providers"
    # What is served is what is kept: a mark made in the kept figures shows in the CSV.
    sharing = next(s for s in kept.figures["sections"] if s["key"] == "sharing")
    sharing["title"] = "Sharing, as kept"
    kept.save(update_fields=["figures"])
    builder_calls.clear()
    response = client.get(_quarter_url(previous))
    assert response.status_code == 200
    assert builder_calls == []
    body = response.content.decode()
    assert "Sharing, as kept" in body
    assert service.organisation.name not in body


def test_twenty_requests_at_once_work_the_figures_out_once(service, monkeypatch):
    """Twenty requests for the same quarter at the same moment: one works the figures out
    (slowly), the rest wait for them; all get the same figures."""
    from django.db import connection

    from intelligence import report_services

    calls = []
    started = threading.Event()

    def slow(*args, **kwargs):
        calls.append(args)
        started.set()
        time.sleep(0.5)
        return {"sections": [], "worked_out": len(calls)}

    monkeypatch.setattr(report_services, "partnership_report", slow)
    cache.clear()
    region = Region.objects.get(code="L")
    today = timezone.localdate()
    results, errors = [], []

    def ask():
        try:
            results.append(
                report_services.partnership_report_open_figures(
                    region=region, year=today.year, quarter=(today.month - 1) // 3 + 1
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cache.clear()
    assert errors == []
    assert len(calls) == 1
    assert results == [{"sections": [], "worked_out": 1}] * 20


def test_a_request_that_waits_too_long_is_told_to_come_back(client, monkeypatch):
    from intelligence import report_services

    monkeypatch.setattr(report_services, "OPEN_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(report_services, "partnership_report", lambda *a, **k: 1 / 0)
    cache.clear()
    today = timezone.localdate()
    key = report_services._open_key(
        Region.objects.get(code="L"), today.year, (today.month - 1) // 3 + 1
    )
    cache.add(f"{key}:working", True, timeout=60)  # another request is working them out
    response = client.get(_quarter_url(today))
    cache.clear()
    assert response.status_code == 503
    assert response["Retry-After"] and response["Cache-Control"] == "no-store"


def test_an_ended_quarter_is_kept_long_and_a_running_one_briefly():
    from intelligence import report_services

    today = timezone.localdate()
    assert report_services.open_figures_seconds(today, today=today) == 15 * 60
    assert report_services.open_figures_seconds(today - timedelta(days=1), today=today) >= 24 * 3600
