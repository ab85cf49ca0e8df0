"""The CSV versions of the 360Giving and OCDS exports agree with the JSON packages."""

import csv
import io
from datetime import date

import pytest

from commissioning import services
from commissioning.exports import (
    GIVING_CSV_COLUMNS,
    OCDS_CSV_COLUMNS,
    record_grants,
    record_releases,
)
from commissioning.models import FundingRound
from commissioning.tests.factories import add_lot, apply, new_round, open_round
from commissioning.tests.standards import assert_valid, ocds_validator
from partnership.models import Role, User
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db


def awarded_round(mechanism):
    """Two lots and three winners: one with a signed agreement and a charity number, two
    awarded but not yet signed."""
    commissioner = UserFactory(role=Role.COMMISSIONER)
    funding_round = new_round(commissioner)
    FundingRound.objects.filter(pk=funding_round.pk).update(
        mechanism=mechanism, decision_by=date(2027, 2, 1)
    )
    funding_round.refresh_from_db()
    housing = add_lot(funding_round, commissioner, "Housing", 150_000)
    recovery = add_lot(funding_round, commissioner, "Recovery", 100_000, slug="dependency-recovery")
    open_round(funding_round, commissioner)
    signed, _ = apply(housing, income=50_000, amount=70_000)
    unsigned, _ = apply(housing, income=60_000, amount=80_000)
    other, _ = apply(recovery, income=2_000_000, reach="national", amount=45_000)
    loser, _ = apply(recovery, income=20_000, amount=50_000)
    signed.organisation.charity_number = "1100001"
    signed.organisation.website = "https://example.org/"
    signed.organisation.save()
    services.round_transition(
        funding_round=funding_round,
        by=commissioner,
        action="close_applications",
        reason="Every expected application is in",
    )
    for application, won in [(signed, True), (unsigned, True), (other, True), (loser, False)]:
        services.application_decide(
            application=application, by=commissioner, successful=won, feedback="Thank you."
        )
    services.round_transition(funding_round=funding_round, by=commissioner, action="award")
    services.agreement_create(
        application=signed,
        by=commissioner,
        value=68_000,
        starts_on=date(2027, 4, 1),
        ends_on=date(2029, 4, 1),
        break_clause_dates=[date(2028, 4, 1)],
    )
    return signed


@pytest.fixture
def headers():
    _, raw = issue_token(UserFactory())
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith('.csv"')
    text = response.content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def dig(document, path):
    for key in path:
        try:
            document = document[key]
        except (KeyError, IndexError):
            return ""
    return document


def leaf_paths(document, path=()):
    """Every value's path in a grant, arrays read at their first (and only) item."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from leaf_paths(value, (*path, key))
    elif isinstance(document, list):
        yield from leaf_paths(document[0], (*path, 0))
    else:
        yield path


def test_the_360giving_csv_has_a_row_per_grant_agreeing_with_the_json(client, headers):
    signed = awarded_round("grant")
    record_grants()  # as the round's committed changes do
    package = client.get("/api/v1/exports/360giving/", **headers).json()
    rows = read_csv(client.get("/api/v1/exports/360giving.csv", **headers))

    assert len(rows) == len(package["grants"]) == 3
    assert list(rows[0]) == [heading for heading, _ in GIVING_CSV_COLUMNS]
    for row, grant in zip(rows, package["grants"], strict=True):
        for heading, path in GIVING_CSV_COLUMNS:
            assert row[heading] == str(dig(grant, path)), heading
    first = rows[0]
    assert first["Amount Awarded"] == "68000"
    assert first["Recipient Org:Identifier"] == signed.organisation.org_id
    assert first["Recipient Org:Charity Number"] == "1100001"
    assert first["Planned Dates:Start Date"] == "2027-04-01"
    assert first["Award Date"] == "2027-02-01"
    assert rows[1]["Amount Awarded"] == "80000" and rows[1]["Planned Dates:Start Date"] == ""


def test_every_value_of_a_grant_has_a_360giving_csv_column(client, headers):
    awarded_round("grant")
    record_grants()
    package = client.get("/api/v1/exports/360giving/", **headers).json()
    columns = {path for _, path in GIVING_CSV_COLUMNS}
    for grant in package["grants"]:
        assert set(leaf_paths(grant)) <= columns


def test_the_ocds_csv_has_a_row_per_award_agreeing_with_the_json(client, headers):
    signed = awarded_round("contract")
    record_releases()  # as the round's committed changes do
    package = client.get("/api/v1/exports/ocds/", **headers).json()
    assert_valid(ocds_validator(), package)
    rows = read_csv(client.get("/api/v1/exports/ocds.csv", **headers))

    (release,) = package["releases"]
    assert len(rows) == len(release["awards"]) == 3
    assert list(rows[0]) == [heading for heading, _ in OCDS_CSV_COLUMNS]
    contracts = {contract["awardID"]: contract for contract in release["contracts"]}
    for row, award in zip(rows, release["awards"], strict=True):
        assert row["ocid"] == release["ocid"] and row["id"] == release["id"]
        assert row["tender/title"] == release["tender"]["title"]
        assert row["tender/procurementMethod"] == "open"
        assert row["tender/lots/title"] == award["title"]
        assert row["awards/id"] == award["id"]
        assert row["awards/status"] == award["status"]
        assert row["awards/date"] == award["date"] == "2027-02-01T00:00:00Z"
        assert row["awards/value/amount"] == str(award["value"]["amount"])
        assert row["awards/value/currency"] == "GBP"
        assert row["awards/suppliers/id"] == award["suppliers"][0]["id"]
        assert row["awards/suppliers/name"] == award["suppliers"][0]["name"]
        period = contracts.get(award["id"], {}).get("period", {})
        assert row["contracts/period/startDate"] == period.get("startDate", "")
        assert row["contracts/period/endDate"] == period.get("endDate", "")
    assert rows[0]["awards/suppliers/name"] == signed.organisation.name
    assert rows[0]["contracts/period/startDate"] == "2027-04-01T00:00:00Z"
    assert [row["tender/lots/title"] for row in rows] == ["Housing", "Housing", "Recovery"]


def test_the_open_data_exports_are_open_to_anyone_and_carry_no_personal_data(client):
    awarded_round("grant")
    awarded_round("contract")
    record_grants()
    record_releases()
    emails = [email.encode() for email in User.objects.values_list("email", flat=True)]
    for url in [
        "/api/v1/exports/360giving/",
        "/api/v1/exports/ocds/",
        "/api/v1/exports/360giving.csv",
        "/api/v1/exports/ocds.csv",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert b"GB-CHC-" in body, url
        assert not any(email in body for email in emails), url


def test_an_empty_export_is_just_the_headings(client, headers):
    assert read_csv(client.get("/api/v1/exports/ocds.csv", **headers)) == []
    response = client.get("/api/v1/exports/360giving.csv", HTTP_ACCEPT="text/csv", **headers)
    assert read_csv(response) == []
