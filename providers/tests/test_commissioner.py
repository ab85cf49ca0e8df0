"""A commissioner's view of organisations in their regions, its CSV and verification."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partnership.models import Region, Role
from partnership.tests.factories import UserFactory
from providers.models import Organisation, TrainingRecord
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def commissioner(client):
    user = UserFactory(role=Role.COMMISSIONER)  # Greater Manchester
    client.force_login(user)
    return user


def test_lists_organisations_working_in_the_commissioners_regions_only(client, commissioner):
    based_here = OrganisationFactory(
        name="Salford Steps", head_office_region=Region.objects.get(code="L")
    )
    serving_here = OrganisationFactory(
        name="National Roots", head_office_region=Region.objects.get(code="J")
    )
    make_service(organisation=serving_here, pdus=("Bolton",))
    OrganisationFactory(name="London Only", head_office_region=Region.objects.get(code="J"))
    names = [o.name for o in client.get("/organisations/").context["organisations"]]
    assert sorted(names) == sorted([based_here.name, serving_here.name])


def test_training_coverage_and_filters_and_csv(client, commissioner):
    organisation = OrganisationFactory(
        name="Pennine Trust", annual_income=50_000, head_office_region=Region.objects.get(code="L")
    )
    trained = UserFactory(
        role=Role.CASEWORKER, organisation=organisation, full_name="Secret Staffname"
    )
    UserFactory(role=Role.CASEWORKER, organisation=organisation)
    TrainingRecord.objects.create(
        staff_member=trained,
        kind="risk_awareness",
        completed_on=timezone.localdate() - timedelta(days=3),
    )
    OrganisationFactory(
        name="Big Charity",
        annual_income=50_000_000,
        head_office_region=Region.objects.get(code="L"),
    )

    page = client.get("/organisations/", {"size_band": "small"})
    assert [o.name for o in page.context["organisations"]] == ["Pennine Trust"]
    assert "1 of 2 staff current" in page.content.decode()

    export = client.get("/organisations/export.csv", {"size_band": "small"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert [r["Organisation"] for r in rows] == ["Pennine Trust"]
    assert rows[0]["Staff with current risk training"] == "1" and rows[0]["Active staff"] == "2"
    assert "Secret Staffname" not in export.content.decode()


def test_the_commissioner_verifies_within_their_regions_only(client, commissioner):
    inside = OrganisationFactory(head_office_region=Region.objects.get(code="L"))
    outside = OrganisationFactory(head_office_region=Region.objects.get(code="J"))
    client.post(f"/organisations/{inside.pk}/verify/", {"verification_status": "verified"})
    inside.refresh_from_db()
    assert (
        inside.verification_status == Organisation.Verification.VERIFIED
        and inside.verified_by == commissioner
    )
    assert (
        client.post(
            f"/organisations/{outside.pk}/verify/", {"verification_status": "verified"}
        ).status_code
        == 404
    )
    outside.refresh_from_db()
    assert outside.verification_status == Organisation.Verification.UNVERIFIED


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.PROVIDER_ADMIN, Role.CASEWORKER, Role.ASSESSOR]
)
def test_other_roles_cannot_see_the_commissioner_views(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get("/organisations/").status_code == 404
    assert client.get("/organisations/export.csv").status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(client, commissioner):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            client.get("/organisations/")
        return len(ctx)

    for _ in range(3):
        OrganisationFactory(head_office_region=Region.objects.get(code="L"))
    few = queries()
    for _ in range(9):
        make_service(
            organisation=OrganisationFactory(head_office_region=Region.objects.get(code="L"))
        )
    assert queries() == few


def test_a_name_a_spreadsheet_would_run_is_written_as_text_in_the_csv(client, commissioner):
    OrganisationFactory(
        name='=HYPERLINK("http://example.invalid","Click")',
        head_office_region=Region.objects.get(code="L"),
    )
    export = client.get("/organisations/export.csv")
    (row,) = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert row["Organisation"] == '\'=HYPERLINK("http://example.invalid","Click")'
