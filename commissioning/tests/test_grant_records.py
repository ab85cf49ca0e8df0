"""The 360Giving export reads stored grants: each committed change to what a grant says
rewrites it, so the export is always the package built afresh from the data, byte for byte,
while a read writes nothing and costs the same few queries however many grants there are."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from commissioning import exports
from commissioning.models import Application, FundingRound, GrantRecord, Mechanism
from commissioning.tests.factories import manchester_pdus
from commissioning.tests.standards import assert_valid, giving_validator
from commissioning.tests.test_exports_csv import awarded_round
from partnership.models import Region
from partnership.tests.factories import CommissioningBodyFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/exports/360giving/"


def built() -> bytes:
    """The package built from the data as the export built it on every request before grants
    were stored, written as the export writes JSON; each grant's `dateModified` is when it was
    last written, which is when its data last changed or later (a change with no date of its
    own, such as a recipient's new name, is dated when it is written)."""
    grants, modified = [], []
    for application in exports._awarded(Mechanism.GRANT):
        grant, changed_at = exports._grant(application)
        written = GrantRecord.objects.get(application=application).modified
        assert written >= changed_at
        grant["dateModified"] = exports.timestamp(written)
        grants.append(grant)
        modified.append(written)
    package = {"grants": grants, **exports._giving_head(modified)}
    return json.dumps(package, ensure_ascii=False, indent=2).encode()


def assert_export_is_built_afresh(client) -> bytes:
    response = client.get(URL)
    expected = built()
    assert response.content == expected
    package = json.loads(expected)
    assert exports.giving_package() == package
    if package["grants"]:
        assert_valid(giving_validator(), package)
        assert response["Last-Modified"] == http_date(
            exports.giving_last_modified(package).timestamp()
        )
    return response.content


def _save(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


def _round(winner):
    return FundingRound.objects.get(pk=winner.lot.funding_round_id)


def _add_co_funder(winner):
    _round(winner).co_funders.add(CommissioningBodyFactory(name="Manchester Combined Authority"))


# Each change is committed on its own, in turn; every one changes the export.
CHANGES = {
    "agreement changed": [
        lambda w: _save(w.agreement, value=66_000, ends_on=date(2030, 4, 1)),
    ],
    "agreement taken away": [lambda w: w.agreement.delete()],
    "approach with line breaks and quotes": [
        lambda w: _save(w, approach='Key workers.\n\t"Housing first" — each week, ünd more.'),
    ],
    "organisation renamed": [lambda w: _save(w.organisation, name="Renamed Futures")],
    "organisation's numbers, website and region": [
        lambda w: _save(
            w.organisation,
            company_number="01234567",
            website="https://renamed.example.org/",
            head_office_region=Region.objects.get(code="J"),
        ),
    ],
    "lead body renamed": [lambda w: _save(_round(w).lead_body, name="HMPPS North West")],
    "co-funder added, then renamed": [
        _add_co_funder,
        lambda w: _save(_round(w).co_funders.get(), org_id="GB-LAE-MAN"),
    ],
    "round retitled": [lambda w: _save(_round(w), title="Manchester homes grants")],
    "application's PDUs changed": [lambda w: w.pdus.set(manchester_pdus()[3:6])],
    "lot's PDUs, for an application that named none": [
        lambda w: w.pdus.clear(),
        lambda w: w.lot.pdus.set(manchester_pdus()[:1]),
    ],
    "PDU renamed": [lambda w: _save(w.pdus.order_by("name").first(), name="Bolton and Wigan")],
    "region renamed": [lambda w: _save(Region.objects.get(code="L"), name="Manchester")],
    "category renamed": [lambda w: _save(w.lot.category, name="Housing and accommodation")],
    "application no longer successful": [
        lambda w: _save(w, status=Application.Status.UNSUCCESSFUL),
    ],
    "round moved back to consultation": [
        lambda w: _save(_round(w), status=FundingRound.Status.CONSULTATION),
    ],
    "round let as contracts instead": [lambda w: _save(_round(w), mechanism=Mechanism.CONTRACT)],
}


@pytest.mark.parametrize("steps", CHANGES.values(), ids=CHANGES.keys())
def test_each_committed_change_to_a_grant_is_in_the_export_as_if_built_afresh(
    client, django_capture_on_commit_callbacks, steps
):
    with django_capture_on_commit_callbacks(execute=True):
        winner = awarded_round("grant")
    before = assert_export_is_built_afresh(client)
    assert len(json.loads(before)["grants"]) == 3
    for step in steps:
        winner = Application.objects.get(pk=winner.pk)
        with django_capture_on_commit_callbacks(execute=True):
            step(winner)
        after = assert_export_is_built_afresh(client)
        assert after != before, "the change is one the export shows"
        before = after


def test_a_change_not_yet_committed_is_not_in_the_export(client):
    awarded_round("grant")  # the test's transaction never commits
    assert json.loads(client.get(URL).content)["grants"] == []
    assert not GrantRecord.objects.exists()


def test_a_read_writes_nothing_and_costs_the_same_queries_for_three_grants_or_nine(
    client, django_capture_on_commit_callbacks
):
    def read() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            for url in (URL, "/api/v1/exports/360giving.csv"):
                assert client.get(url).status_code == 200
        return [query["sql"] for query in queries]

    with django_capture_on_commit_callbacks(execute=True):
        awarded_round("grant")
    few = read()
    with django_capture_on_commit_callbacks(execute=True):
        awarded_round("grant")
        awarded_round("grant")
    many = read()
    assert len(json.loads(client.get(URL).content)["grants"]) == 9
    assert len(many) == len(few) <= 2
    writes = [sql for sql in few + many if sql.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert not writes


def test_recording_again_with_nothing_changed_writes_nothing(client):
    awarded_round("grant")
    assert exports.record_grants() == 3
    stored = list(GrantRecord.objects.values_list("application_id", "digest", "modified"))
    assert exports.record_grants() == 0
    assert list(GrantRecord.objects.values_list("application_id", "digest", "modified")) == stored
    assert_export_is_built_afresh(client)


def test_the_command_records_the_grants_of_a_database_that_had_none(client):
    awarded_round("grant")
    out = StringIO()
    call_command("giving_grants_record", stdout=out)
    assert out.getvalue() == "360Giving grants written or taken down: 3\n"
    call_command("giving_grants_record", stdout=out)
    assert out.getvalue().endswith("360Giving grants written or taken down: 0\n")
    assert len(json.loads(assert_export_is_built_afresh(client))["grants"]) == 3
