"""The Open Referral feed: every document valid HSDS 3.1, filters, no personal data."""

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from partnership.models import Role, ServiceCategory
from partnership.tests.factories import UserFactory
from providers.models import Organisation, Service
from providers.openreferral import taxonomy_term_id
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[2] / "tests" / "standards" / "openreferral-hsds-3.1"


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        json.loads((SCHEMAS / name).read_text()), format_checker=FormatChecker()
    )


def _page_validator(item_schema: str) -> Draft202012Validator:
    openapi = json.loads((SCHEMAS / "openapi.json").read_text())
    page = openapi["components"]["schemas"]["Page"]
    schema = {
        **page,
        "required": [*page["properties"], "contents"],
        "properties": {
            **page["properties"],
            "contents": {"type": "array", "items": json.loads((SCHEMAS / item_schema).read_text())},
        },
    }
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def validators():
    return {
        "service": _validator("service.json"),
        "organization": _validator("organization.json"),
        "service_page": _page_validator("service_list.json"),
        "organization_page": _page_validator("organization_list.json"),
    }


def assert_valid(validator, document):
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def registry():
    charity = OrganisationFactory(
        name="Riverside Futures",
        org_id="GB-COH-01234567",
        description="",
        email="hello@riverside.example.org",
        website="https://riverside.example.org",
        legal_form="cic",
    )
    unregistered = OrganisationFactory(name="Meadow Group", org_id="")
    staff = UserFactory(
        role=Role.CASEWORKER,
        organisation=charity,
        full_name="Private Person",
        email="private.person@riverside.example.org",
    )
    return {
        "charity": charity,
        "unregistered": unregistered,
        "staff": staff,
        "housing": make_service(
            "Move on", organisation=charity, maximum_age=25, pdus=("Manchester North", "Bolton")
        ),
        "jobs": make_service(
            "Work ready", organisation=unregistered, slugs=("education-training-employment",)
        ),
        "paused": make_service("Paused one", organisation=charity, status=Service.Status.PAUSED),
        "closed": make_service("Closed one", organisation=charity, status=Service.Status.CLOSED),
    }


def test_root_describes_the_api(client):
    body = client.get("/openreferral/").json()
    assert body["version"] == "3.1"
    assert body["openapi_url"].endswith("/openreferral/openapi.json")


def test_every_service_document_and_list_page_is_valid_hsds(client, registry, validators):
    page = client.get("/openreferral/services").json()
    assert_valid(validators["service_page"], page)
    assert page["total_items"] == 3  # the closed one is not published
    for summary in page["contents"]:
        document = client.get(f"/openreferral/services/{summary['id']}").json()
        assert_valid(validators["service"], document)
    housing = client.get(f"/openreferral/services/{registry['housing'].public_id}").json()
    assert {area["name"] for area in housing["service_areas"]} == {"Manchester North", "Bolton"}
    assert (
        housing["attributes"][0]["taxonomy_term"]["taxonomy"]
        == "probation-partnerships-service-categories"
    )
    assert housing["maximum_age"] == 25
    paused = client.get(f"/openreferral/services/{registry['paused'].public_id}").json()
    assert paused["status"] == "temporarily closed"


def test_every_organization_document_and_list_page_is_valid_hsds(client, registry, validators):
    page = client.get("/openreferral/organizations").json()
    assert_valid(validators["organization_page"], page)
    for summary in page["contents"]:
        assert_valid(
            validators["organization"],
            client.get(f"/openreferral/organizations/{summary['id']}").json(),
        )
    charity = client.get(f"/openreferral/organizations/{registry['charity'].public_id}").json()
    assert charity["organization_identifiers"][0]["identifier_scheme"] == "GB-COH"
    assert charity["organization_identifiers"][0]["identifier"] == "01234567"
    assert {s["name"] for s in charity["services"]} == {"Move on", "Paused one"}


def test_paging(client, registry, validators):
    first = client.get("/openreferral/services", {"per_page": 2}).json()
    second = client.get("/openreferral/services", {"per_page": 2, "page": 2}).json()
    assert (first["size"], first["total_pages"], first["first_page"], first["last_page"]) == (
        2,
        2,
        True,
        False,
    )
    assert (second["size"], second["last_page"]) == (1, True)
    assert_valid(validators["service_page"], second)
    beyond = client.get("/openreferral/services", {"page": 9}).json()
    assert beyond["empty"] is True
    assert_valid(validators["service_page"], beyond)


def test_filters(client, registry):
    def names(params):
        return sorted(
            s["name"] for s in client.get("/openreferral/services", params).json()["contents"]
        )

    assert names({"search": "housing"}) == ["Move on", "Paused one"]
    jobs_term = taxonomy_term_id(ServiceCategory.objects.get(slug="education-training-employment"))
    assert names({"taxonomy_term_id": jobs_term}) == ["Work ready"]
    assert names({"organization_id": str(registry["unregistered"].public_id)}) == ["Work ready"]
    Service.objects.filter(pk=registry["jobs"].pk).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    after = (timezone.now() - timedelta(days=1)).isoformat()
    assert names({"modified_after": after}) == ["Move on", "Paused one"]


@pytest.mark.parametrize(
    "params",
    [
        {"page": "0"},
        {"per_page": "many"},
        {"modified_after": "last tuesday"},
        {"organization_id": "not-a-uuid"},
    ],
)
def test_bad_parameters_are_400(client, params):
    response = client.get("/openreferral/services", params)
    assert response.status_code == 400
    assert response.json()["error"]


def test_closed_services_and_unknown_ids_are_404(client, registry):
    assert client.get(f"/openreferral/services/{registry['closed'].public_id}").status_code == 404
    assert (
        client.get("/openreferral/organizations/00000000-0000-0000-0000-000000000000").status_code
        == 404
    )


def test_open_to_anyone_from_any_origin_and_read_only(client, registry):
    response = client.get("/openreferral/services")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.post("/openreferral/services").status_code == 405


def test_no_personal_data_in_any_response(client, registry):
    urls = [
        "/openreferral/",
        "/openreferral/services",
        "/openreferral/organizations",
        "/openreferral/taxonomy_terms",
    ]
    urls += [
        f"/openreferral/services/{registry[k].public_id}" for k in ("housing", "jobs", "paused")
    ]
    urls += [
        f"/openreferral/organizations/{registry[k].public_id}" for k in ("charity", "unregistered")
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert "Private Person" not in body and "private.person" not in body, url


def test_a_page_runs_a_fixed_number_of_queries(client, registry):
    for number in range(10):
        make_service(
            f"Extra {number}",
            slugs=("accommodation", "mentoring"),
            pdus=("Manchester North", "Salford"),
        )

    def queries(per_page):
        with CaptureQueriesContext(connection) as ctx:
            client.get("/openreferral/services", {"per_page": per_page})
            client.get("/openreferral/organizations", {"per_page": per_page})
        return len(ctx)

    assert queries(2) == queries(12)


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        (
            "/openreferral/services",
            {},
            lambda: Service.objects.exclude(status=Service.Status.CLOSED).order_by("name", "pk"),
        ),
        (
            "/openreferral/services",
            {"search": "support"},
            lambda: (
                Service.objects.exclude(status=Service.Status.CLOSED)
                .filter(description__icontains="support")
                .order_by("name", "pk")
            ),
        ),
        (
            "/openreferral/organizations",
            {},
            lambda: Organisation.objects.order_by("name", "pk"),
        ),
    ],
)
def test_the_pages_walk_the_whole_list_in_its_order(client, registry, path, params, expected):
    # Names that tie, so that the order falls to the id.
    for _ in range(5):
        make_service("Same name", organisation=registry["charity"])
        OrganisationFactory(name="Same organisation")

    walked = []
    for number in (1, 2, 3, 4, 5):
        page = client.get(path, {**params, "per_page": 2, "page": number}).json()
        walked += [row["id"] for row in page["contents"]]
    # Every search hit ranks the same here, so the pages are in name order all the same.
    assert walked == [str(row.public_id) for row in expected()][:10]
    assert len(walked) == len(set(walked))


def test_a_list_page_summarises_each_service_as_its_document_does(client, registry):
    """The list reads services without what only a full document nests: each summary is
    still the document's own one-to-one fields, and no nested table is read for it."""
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/openreferral/services").json()
    nested_tables = (
        "providers_servicelocation",
        "providers_servicecontact",
        "providers_serviceschedule",
        "providers_service_pdus",
        "providers_service_categories",
    )
    assert not [q["sql"] for q in ctx if any(table in q["sql"] for table in nested_tables)]
    for summary in page["contents"]:
        document = client.get(f"/openreferral/services/{summary['id']}").json()
        assert summary == {key: document[key] for key in summary}
    charity = next(s for s in page["contents"] if s["id"] == str(registry["housing"].public_id))
    assert charity["organization"]["legal_status"] == "Community interest company"
    assert charity["eligibility_description"].startswith("For ")
