"""The `organisations` and `services` API: scope, writes, filters, errors, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers.models import Organisation, Service
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


def auth(user, scope="write"):
    _, raw = issue_token(user, scope=scope)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def service_body(**changes):
    body = {
        "name": "Recovery cafe",
        "description": "Peer support.",
        "categories": ["dependency-recovery"],
        "pdus": [Pdu.objects.get(name="Manchester North").pk],
        "delivery_settings": ["community"],
        "monthly_capacity": 15,
    }
    body.update(changes)
    return body


def test_organisations_expose_org_id_and_the_derived_size_band(client):
    organisation = OrganisationFactory(org_id="GB-CHC-1234567", annual_income=20_000)
    body = client.get(f"/api/v1/organisations/{organisation.pk}/", **auth(UserFactory())).json()
    assert body["org_id"] == "GB-CHC-1234567"
    assert body["size_band"] == "small"


def test_an_admin_patches_their_own_organisation_only(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    headers = auth(admin)
    response = client.patch(
        f"/api/v1/organisations/{admin.organisation_id}/",
        {"annual_income": 2_000_000, "head_office_region": "L"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["size_band"] == "large"
    assert response.json()["head_office_region"]["code"] == "L"

    other = OrganisationFactory(name="Other")
    response = client.patch(
        f"/api/v1/organisations/{other.pk}/",
        {"name": "Hijacked"},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 404
    assert Organisation.objects.get(pk=other.pk).name == "Other"


def test_a_bad_org_id_is_a_400_problem_with_the_field_and_nothing_saved(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    before = admin.organisation.org_id
    response = client.patch(
        f"/api/v1/organisations/{admin.organisation_id}/",
        {"org_id": "GB-COH-1234567"},
        content_type="application/json",
        **auth(admin),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "leading zeros" in response.json()["errors"]["org_id"][0]
    assert Organisation.objects.get(pk=admin.organisation_id).org_id == before


def test_caseworkers_and_others_cannot_write(client):
    caseworker = UserFactory(role=Role.CASEWORKER)
    response = client.patch(
        f"/api/v1/organisations/{caseworker.organisation_id}/",
        {"name": "X"},
        content_type="application/json",
        **auth(caseworker),
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/services/", service_body(), content_type="application/json", **auth(caseworker)
    )
    assert response.status_code == 403
    assert not Service.objects.exists()


def test_an_admin_creates_and_updates_a_service(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    headers = auth(admin)
    response = client.post(
        "/api/v1/services/", service_body(), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["organisation"]["id"] == admin.organisation_id
    assert created["categories"] == ["dependency-recovery"]

    response = client.patch(
        f"/api/v1/services/{created['id']}/",
        {"status": "paused", "current_wait_days": 14},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert response.json()["status"] == "paused" and response.json()["current_wait_days"] == 14


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"monthly_capacity": -1}, "monthly_capacity"),
        ({"minimum_age": 30, "maximum_age": 25}, "maximum_age"),
        ({"categories": []}, "categories"),
        ({"pdus": []}, "pdus"),
        ({"categories": ["gardening"]}, "categories"),
    ],
)
def test_invalid_services_are_400_problems_by_field(client, changes, field):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    response = client.post(
        "/api/v1/services/", service_body(**changes), content_type="application/json", **auth(admin)
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Service.objects.exists()


def test_another_organisations_service_is_404_on_write(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    other = make_service("Not yours")
    response = client.patch(
        f"/api/v1/services/{other.pk}/",
        {"name": "Mine now"},
        content_type="application/json",
        **auth(admin),
    )
    assert response.status_code == 404
    assert Service.objects.get(pk=other.pk).name == "Not yours"


def test_a_read_only_token_cannot_write(client):
    admin = UserFactory(role=Role.PROVIDER_ADMIN)
    response = client.post(
        "/api/v1/services/", service_body(), content_type="application/json", **auth(admin, "read")
    )
    assert response.status_code == 403


def test_closed_services_of_others_are_never_listed_and_404(client):
    closed = make_service("Closed one", status=Service.Status.CLOSED)
    make_service("Open one")
    headers = auth(UserFactory())
    names = [s["name"] for s in client.get("/api/v1/services/", **headers).json()["results"]]
    assert names == ["Open one"]
    assert client.get(f"/api/v1/services/{closed.pk}/", **headers).status_code == 404
    owner = UserFactory(role=Role.PROVIDER_ADMIN, organisation=closed.organisation)
    own_names = [
        s["name"] for s in client.get("/api/v1/services/", **auth(owner)).json()["results"]
    ]
    assert "Closed one" in own_names


def test_service_filters_match_the_directory(client):
    make_service("Move on", description="After release.")
    make_service("Bolton homes", pdus=("Bolton",))
    make_service("Jobs", slugs=("education-training-employment",))
    manchester_north = Pdu.objects.get(name="Manchester North").pk
    headers = auth(UserFactory())
    names = [
        s["name"]
        for s in client.get(
            "/api/v1/services/", {"q": "housing", "pdu": manchester_north}, **headers
        ).json()["results"]
    ]
    assert names == ["Move on"]
    names = [
        s["name"]
        for s in client.get(
            "/api/v1/services/", {"category": "accommodation", "region": "L"}, **headers
        ).json()["results"]
    ]
    assert sorted(names) == ["Bolton homes", "Move on"]
    response = client.get("/api/v1/services/", {"category": "gardening"}, **headers)
    assert response.status_code == 400 and "category" in response.json()["errors"]


def test_list_query_counts_do_not_grow_with_page_size(client):
    for number in range(12):
        make_service(
            f"Service {number}",
            slugs=("accommodation", "mentoring"),
            pdus=("Manchester North", "Bolton"),
        )
    headers = auth(UserFactory())
    client.get("/api/v1/me/", **headers)  # the token's first use is recorded once
    client.get("/api/v1/services/", **headers)  # the categories' options are read once

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, **headers).status_code == 200
        return len(ctx)

    # Pages that are not the last: each counts the whole list in one query.
    assert queries("/api/v1/services/?page_size=2") == queries("/api/v1/services/?page_size=11")
    assert queries("/api/v1/services/?page_size=2&q=housing") == queries(
        "/api/v1/services/?page_size=11&q=housing"
    )
    assert queries("/api/v1/organisations/?page_size=2") == queries(
        "/api/v1/organisations/?page_size=11"
    )


def test_a_search_is_counted_in_the_statement_that_reads_its_page(client):
    for number in range(5):
        make_service(f"Housing {number}", description="Housing after release.")
    make_service("Jobs", slugs=("education-training-employment",), description="Work.")
    headers = auth(UserFactory())
    client.get("/api/v1/me/", **headers)  # the token's first use is recorded once

    def page(url):
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(url, **headers).json()
        return body, [query["sql"] for query in ctx.captured_queries]

    first, statements = page("/api/v1/services/?q=housing&page_size=2")
    assert first["count"] == 5 and first["next"] and len(first["results"]) == 2
    assert set(first["results"][0]) == set(
        client.get(f"/api/v1/services/{first['results'][0]['id']}/", **headers).json()
    )
    assert not any(sql.startswith("SELECT COUNT(*)") for sql in statements)
    names = [row["name"] for row in first["results"]]
    for number in (2, 3):
        later, _ = page(f"/api/v1/services/?q=housing&page_size=2&page={number}")
        assert later["count"] == 5
        names += [row["name"] for row in later["results"]]
    assert sorted(names) == [f"Housing {number}" for number in range(5)]
    # Unranked lists are read in their index's order a page at a time and counted apart.
    _, statements = page("/api/v1/services/?page_size=2")
    assert any(sql.startswith("SELECT COUNT(*)") for sql in statements)


def test_service_support_registers_organisations_and_nobody_else_can(client):
    body = {
        "name": "Dale Recovery Collective",
        "org_id": "GB-CHC-1234568",
        "reach": "local",
        "annual_income": 8000,
    }
    admin = UserFactory(role=Role.ADMIN)
    response = client.post(
        "/api/v1/organisations/", body, content_type="application/json", **auth(admin)
    )
    assert response.status_code == 201, response.json()
    assert response.json()["size_band"] == "micro"
    for role in (Role.PROVIDER_ADMIN, Role.COMMISSIONER, Role.PRACTITIONER):
        refused = client.post(
            "/api/v1/organisations/",
            {**body, "org_id": ""},
            content_type="application/json",
            **auth(UserFactory(role=role)),
        )
        assert refused.status_code == 403
    bad = client.post(
        "/api/v1/organisations/",
        {**body, "org_id": "GB-CHC-1"},
        content_type="application/json",
        **auth(admin),
    )
    assert bad.status_code == 400 and "org_id" in bad.json()["errors"]
    assert Organisation.objects.filter(name="Dale Recovery Collective").count() == 1


def test_an_organisation_with_an_empty_profile_is_what_the_schema_documents(client):
    from tests.fuzz.schema import assert_conforms

    organisation = OrganisationFactory(legal_form="", website="", email="")
    response = client.get(f"/api/v1/organisations/{organisation.pk}/", **auth(UserFactory()))
    assert response.status_code == 200
    assert response.json()["website"] == "" and response.json()["legal_form"] == ""
    assert_conforms(response, method="GET", path="/api/v1/organisations/{id}/")
    organisation.website, organisation.email = "https://example.org", "hello@example.org"
    organisation.legal_form = "cio"
    organisation.save()
    filled = client.get(f"/api/v1/organisations/{organisation.pk}/", **auth(UserFactory()))
    assert_conforms(filled, method="GET", path="/api/v1/organisations/{id}/")
