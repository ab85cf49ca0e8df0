"""The exports to the standards' full depth: OCDS's own checks (libcoveocds, offline) and
360Giving's data-quality rules pass on the demo data; releases are stable and immutable; the
four export addresses behave as open data over HTTP."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils.http import http_date

from commissioning import giving_quality, services
from commissioning.exports import record_grants, record_releases
from commissioning.models import Agreement, Application, ContractRelease, FundingRound, RoundStep
from commissioning.tests.standards import (
    assert_cove_ocds_clean,
    assert_valid,
    giving_validator,
    ocds_validator,
)
from commissioning.tests.test_exports import awarded_round
from partnership.models import Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXPORTS = [
    "/api/v1/exports/360giving/",
    "/api/v1/exports/ocds/",
    "/api/v1/exports/360giving.csv",
    "/api/v1/exports/ocds.csv",
    "/api/v1/exports/ocds/records/",
]


def backdate(hours=1):
    """Move everything the exports date back, as if it had happened an hour ago, so that a
    change now is later to the second."""
    shift = F("pgh_created_at") - timedelta(hours=hours)
    for model in (Application, Agreement):
        # The rows first: changing one adds to its history, which is moved back after.
        model.objects.update(created_at=F("created_at") - timedelta(hours=hours))
        model.history.rel.related_model.objects.update(pgh_created_at=shift)
    FundingRound.objects.update(created_at=F("created_at") - timedelta(hours=hours))
    RoundStep.objects.update(at=F("at") - timedelta(hours=hours))


@pytest.fixture
def demo(db):
    from partnership.demo import load_demo

    load_demo()
    record_grants()  # as the demo's committed changes do
    record_releases()


def test_the_demo_grants_pass_360givings_quality_and_usefulness_checks(client, demo):
    package = client.get("/api/v1/exports/360giving/").json()
    assert_valid(giving_validator(), package)
    assert package["grants"]
    assert giving_quality.check(package) == []
    grant = package["grants"][0]
    # Funders by org-id: HMPPS under its government register id, the co-funder its own.
    assert grant["fundingOrganization"][0]["id"].startswith("GB-GOR-")
    assert all(not funder["id"].startswith("360G-") for funder in grant["fundingOrganization"])
    # Where the grant's beneficiaries are: Greater Manchester's ITL code and its PDUs.
    (location,) = grant["beneficiaryLocation"]
    assert (location["geoCode"], location["geoCodeType"]) == ("TLD3", "ITL2")
    assert "Probation Delivery Unit" in location["description"]
    assert grant["recipientOrganization"][0]["location"][0]["geoCode"]
    assert grant["dataSource"].endswith("/api/v1/exports/360giving/")


def test_the_quality_checks_flag_what_a_data_user_would_trip_on(client, demo):
    package = client.get("/api/v1/exports/360giving/").json()
    grant = package["grants"][0]
    broken = {
        **grant,
        "fundingOrganization": [{"id": "360G-someone-funder-1", "name": "A funder"}],
        "recipientOrganization": [{"id": "XX-ABC-1", "name": "Somebody"}],
        "beneficiaryLocation": [{"id": "x", "name": "Somewhere"}],
        "awardDate": "1970-01-01",
        "amountAwarded": 0,
    }
    del broken["dataSource"]
    rules = {flag.rule for flag in giving_quality.check({"grants": [broken]})}
    assert rules >= {
        "FundingOrg360GPrefix",
        "RecipientOrgUnrecognisedPrefix",
        "NoRecipientOrgCompanyCharityNumber",
        "IncompleteRecipientOrg",
        "LocationNameButNoCode",
        "DatesOutOfRange",
        "AmountOutOfRange",
        "NoDataSource",
    }


def test_the_demo_contracts_pass_ocds_own_checks_with_nothing_undeclared(client, demo):
    releases = client.get("/api/v1/exports/ocds/").json()
    assert_valid(ocds_validator(), releases)
    results = assert_cove_ocds_clean(releases)
    assert results["extensions"]["extensions"], "the Lots extension is declared and loaded"
    release = releases["releases"][0]
    assert release["ocid"].startswith("ocds-pp0000-")
    for party in release["parties"]:
        if "identifier" in party:
            assert party["id"] == f"{party['identifier']['scheme']}-{party['identifier']['id']}"
    buyer = next(party for party in release["parties"] if "buyer" in party["roles"])
    assert buyer["identifier"]["scheme"] == "GB-GOR"

    records = client.get("/api/v1/exports/ocds/records/").json()
    assert_cove_ocds_clean(records)
    (record,) = [r for r in records["records"] if r["ocid"] == release["ocid"]]
    assert record["compiledRelease"]["tag"] == ["compiled"]
    assert record["compiledRelease"]["awards"] == release["awards"]


def test_two_downloads_with_no_change_between_are_the_same_and_answer_304(client, demo):
    for url in EXPORTS:
        first, second = client.get(url), client.get(url)
        assert first.status_code == 200, url
        assert first.content == second.content, url
        assert first["ETag"] == second["ETag"], url
        assert first["Access-Control-Allow-Origin"] == "*"
        assert "Cookie" not in first.get("Vary", ""), url
        assert "no-store" not in first["Cache-Control"], url

        by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert by_etag.status_code == 304, url
        assert by_etag.content == b""
        assert by_etag["ETag"] == first["ETag"]
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert by_date.status_code == 304, url
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_signed_in_download_is_the_same_as_an_anonymous_one(client, demo):
    anonymous = client.get("/api/v1/exports/360giving/")
    client.force_login(UserFactory(role=Role.COMMISSIONER))
    signed_in = client.get("/api/v1/exports/360giving/")
    assert signed_in.content == anonymous.content
    assert "Cookie" not in signed_in.get("Vary", "")


def test_a_change_to_an_agreement_makes_a_new_release_and_keeps_the_old(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        winner = awarded_round("contract")
        backdate()  # before the commit, so an hour before the change below
    first = client.get("/api/v1/exports/ocds/")
    (release,) = first.json()["releases"]
    assert release["contracts"][0]["status"] == "pending"
    # The dates are the data's: the moment the agreement was signed, not the download.
    agreement = Agreement.objects.get(application=winner)
    history = agreement.history.order_by("-pgh_created_at").first()
    funding_round = FundingRound.objects.get(pk=winner.lot.funding_round_id)
    # History is stamped at its transaction's start, rows by the clock: the later of them.
    moments = [history.pgh_created_at, agreement.created_at, funding_round.created_at]
    moments += [Application.objects.get(pk=winner.pk).created_at]
    moments += RoundStep.objects.filter(funding_round=funding_round).values_list("at", flat=True)
    latest = max(moments)
    assert release["date"] == latest.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert first.json()["publishedDate"] == release["date"]

    # Reading records nothing; the change, once committed, records a new release.
    assert client.get("/api/v1/exports/ocds/").content == first.content
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_set_status(
            agreement=agreement, by=winner.lot.funding_round.created_by, status="live"
        )
    second = client.get("/api/v1/exports/ocds/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    old, new = second.json()["releases"]
    assert old == release, "a published release never changes"
    assert new["ocid"] == old["ocid"] and new["id"] != old["id"]
    assert new["date"] > old["date"]
    assert new["contracts"][0]["status"] == "active"
    assert second.json()["publishedDate"] == new["date"]
    assert ContractRelease.objects.count() == 2

    records = client.get("/api/v1/exports/ocds/records/").json()
    (record,) = records["records"]
    assert [r["id"] for r in record["releases"]] == [old["id"], new["id"]]
    assert record["compiledRelease"]["contracts"][0]["status"] == "active"
    one = client.get(f"/api/v1/exports/ocds/records/{winner.lot.funding_round.public_id}/")
    assert one.json()["records"] == records["records"]


def test_an_unchanged_grant_keeps_its_date_modified_and_a_change_moves_it(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        winner = awarded_round("grant")
        backdate()  # before the commit, so an hour before the change below
    first = client.get("/api/v1/exports/360giving/")
    agreement = Agreement.objects.get(application=winner)
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_set_status(
            agreement=agreement, by=winner.lot.funding_round.created_by, status="live"
        )
    second = client.get("/api/v1/exports/360giving/")
    before = {g["id"]: g["dateModified"] for g in first.json()["grants"]}
    after = {g["id"]: g["dateModified"] for g in second.json()["grants"]}
    grant_id = next(g for g in before if str(winner.public_id) in g)
    assert after[grant_id] > before[grant_id]
    assert all(after[g] == before[g] for g in before if g != grant_id)
    assert second["Last-Modified"] == http_date(
        agreement.history.order_by("-pgh_created_at").first().pgh_created_at.timestamp()
    )
    # A client holding the first download is told it has changed, whichever it asks by.
    for condition in (
        {"HTTP_IF_MODIFIED_SINCE": first["Last-Modified"]},
        {"HTTP_IF_NONE_MATCH": first["ETag"]},
    ):
        assert client.get("/api/v1/exports/360giving/", **condition).status_code == 200


def test_a_change_with_no_date_of_its_own_still_moves_the_grants_dates(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        winner = awarded_round("grant")
        backdate()  # before the commit, so an hour before the change below
    first = client.get("/api/v1/exports/360giving/")
    with django_capture_on_commit_callbacks(execute=True):
        organisation = winner.organisation
        organisation.name = "Renamed Futures"
        organisation.save()
    second = client.get("/api/v1/exports/360giving/")
    before = {g["id"]: g for g in first.json()["grants"]}
    after = {g["id"]: g for g in second.json()["grants"]}
    grant_id = next(g for g in before if str(winner.public_id) in g)
    assert after[grant_id]["recipientOrganization"][0]["name"] == "Renamed Futures"
    # The recipient's name has no date in the data: the grant is dated when it was rewritten.
    assert after[grant_id]["dateModified"] > before[grant_id]["dateModified"]
    assert all(after[g] == before[g] for g in before if g != grant_id)
    assert second.json()["modified"] == after[grant_id]["dateModified"]
    assert second["Last-Modified"] != first["Last-Modified"]
    # So a client holding the first download by its date is given the new one, not a 304.
    changed = client.get(
        "/api/v1/exports/360giving/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]
    )
    assert changed.status_code == 200
    # Recording again changes nothing: the rewritten grant keeps its new date.
    assert record_grants() == 0
    assert client.get("/api/v1/exports/360giving/").content == second.content


def test_reading_the_exports_writes_nothing(client, django_assert_num_queries):
    winner = awarded_round("contract")
    assert not ContractRelease.objects.exists()  # the commit that records it never came
    assert client.get("/api/v1/exports/ocds/").json()["releases"] == []
    assert not ContractRelease.objects.exists()
    assert record_releases() == 1
    assert record_releases() == 0, "an unchanged round makes no new release"
    (release,) = client.get("/api/v1/exports/ocds/").json()["releases"]
    assert release["ocid"].endswith(str(winner.lot.funding_round.public_id))


def test_a_record_of_a_round_never_published_is_a_404(client):
    response = client.get(f"/api/v1/exports/ocds/records/{'0' * 8}-0000-0000-0000-{'0' * 12}/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_exports_answer_a_cross_origin_preflight(client):
    response = client.options(
        "/api/v1/exports/ocds/",
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_the_command_records_what_no_commit_recorded(client):
    from io import StringIO

    from django.core.management import call_command

    awarded_round("contract")
    out = StringIO()
    call_command("ocds_releases_record", stdout=out)
    assert "OCDS releases recorded: 1" in out.getvalue()
    call_command("ocds_releases_record", stdout=out)
    assert out.getvalue().endswith("OCDS releases recorded: 0\n")
    assert len(client.get("/api/v1/exports/ocds/").json()["releases"]) == 1


def test_a_suppliers_new_name_is_a_new_release_once_committed(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        winner = awarded_round("contract")
    with django_capture_on_commit_callbacks(execute=True):
        organisation = winner.organisation
        organisation.name = "Renamed Futures"
        organisation.save()
    old, new = client.get("/api/v1/exports/ocds/").json()["releases"]
    assert new["awards"][0]["suppliers"][0]["name"] == "Renamed Futures"
    assert old["awards"][0]["suppliers"][0]["name"] != "Renamed Futures"
