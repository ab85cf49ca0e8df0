"""The Open Referral feed to HSDS 3.1's depth: capacity as `service_capacity`, where and when a
service meets people and how to reach it, the taxonomy and its terms, the feed's own OpenAPI
document, JSON 404s, and open-data HTTP (ETag, 304, any origin, no cookies)."""

import json
from datetime import time, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from openapi_spec_validator import validate

from partnership.models import ServiceCategory
from providers.models import Service, ServiceContact, ServiceLocation, ServiceSchedule
from providers.openreferral import TAXONOMY_ID, taxonomy_term_id
from providers.tests.factories import make_service
from providers.tests.test_openreferral import (
    SCHEMAS,
    _page_validator,
    _validator,
    assert_valid,
)
from referrals.models import Status
from referrals.tests.factories import referral_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def validators():
    return {
        "service": _validator("service.json"),
        "service_page": _page_validator("service_list.json"),
    }


def _term_validators():
    from jsonschema import Draft202012Validator, FormatChecker

    service = json.loads((SCHEMAS / "service.json").read_text())
    term = service["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
    return (
        Draft202012Validator(term, format_checker=FormatChecker()),
        Draft202012Validator(term["properties"]["taxonomy_detail"], format_checker=FormatChecker()),
    )


@pytest.fixture
def housing():
    service = make_service(
        "Move on", monthly_capacity=10, current_wait_days=14, pdus=("Manchester North",)
    )
    Service.objects.filter(pk=service.pk).update(phone="0161 496 0001", languages=["en", "pl"])
    ServiceLocation.objects.create(
        service=service,
        name="Manchester North community hub",
        address="1 High Street",
        town="Manchester",
        postcode="ZZ99 1ZZ",
    )
    ServiceContact.objects.create(
        service=service, name="Referrals team", email="referrals@example.org", phone="0161 496 0002"
    )
    ServiceSchedule.objects.create(
        service=service, days=["MO", "TU", "WE"], opens_at=time(9), closes_at=time(17)
    )
    service.refresh_from_db()
    return service


def test_a_service_publishes_its_capacity_this_month_and_no_wait_time(client, housing, validators):
    document = client.get(f"/openreferral/services/{housing.public_id}").json()
    assert_valid(validators["service"], document)
    assert "wait_time" not in document
    (capacity,) = document["capacities"]
    assert capacity["unit"]["name"] == "Referrals a month"
    assert (capacity["maximum"], capacity["available"]) == (10, 10)
    assert "about 14 days" in capacity["description"]
    summary = client.get("/openreferral/services").json()["contents"][0]
    assert summary["capacities"] == [capacity]

    # A referral sent this month takes one of the month's places.
    referral_in(Status.SENT, service=housing)
    document = client.get(f"/openreferral/services/{housing.public_id}").json()
    assert document["capacities"][0]["available"] == 9
    assert_valid(validators["service"], document)


def test_a_service_publishes_where_when_and_how_to_reach_it(client, housing, validators):
    document = client.get(f"/openreferral/services/{housing.public_id}").json()
    assert_valid(validators["service"], document)
    (at,) = document["service_at_locations"]
    assert at["location"]["name"] == "Manchester North community hub"
    assert at["location"]["addresses"][0]["postal_code"] == "ZZ99 1ZZ"
    assert at["location"]["addresses"][0]["country"] == "GB"
    assert [phone["number"] for phone in document["phones"]] == ["0161 496 0001"]
    (contact,) = document["contacts"]
    assert contact["name"] == "Referrals team"
    assert contact["phones"][0]["number"] == "0161 496 0002"
    (schedule,) = document["schedules"]
    assert (schedule["freq"], schedule["byday"], schedule["opens_at"]) == (
        "WEEKLY",
        "MO,TU,WE",
        "09:00",
    )
    assert [language["code"] for language in document["languages"]] == ["en", "pl"]
    assert document["languages"][1]["name"] == "Polish"


def test_every_demo_service_is_valid_and_says_where_when_and_how(client, validators):
    from partnership.demo import load_demo

    load_demo()
    services = Service.objects.exclude(status=Service.Status.CLOSED)
    assert services.count() >= 40
    page = client.get("/openreferral/services", {"per_page": 100}).json()
    assert_valid(validators["service_page"], page)
    for summary in page["contents"]:
        document = client.get(f"/openreferral/services/{summary['id']}").json()
        assert_valid(validators["service"], document)
        for field in (
            "service_at_locations",
            "contacts",
            "phones",
            "schedules",
            "languages",
            "capacities",
        ):
            assert document[field], (summary["name"], field)


def test_demo_organisation_types_and_org_id_schemes_agree(db):
    from partnership.demo import load_demo
    from partnership.models import CommissioningBody
    from providers.models import Organisation

    load_demo()
    charities = {"cio", "charitable_trust", "charitable_company"}
    companies = {"charitable_company", "cic", "company_by_guarantee"}
    for organisation in Organisation.objects.all():
        scheme, _, number = organisation.org_id.rpartition("-")
        if scheme == "GB-CHC":
            assert organisation.legal_form in charities, organisation
            assert organisation.charity_number == number, organisation
        elif scheme == "GB-COH":
            assert organisation.legal_form in companies - charities, organisation
            assert organisation.company_number == number, organisation
        else:
            assert not organisation.org_id and not organisation.charity_number, organisation
        if organisation.company_number:
            assert organisation.legal_form in companies, organisation
    for body in CommissioningBody.objects.all():
        expected = "" if body.kind == CommissioningBody.Kind.HMPPS else "GB-LAE-"
        assert body.org_id.startswith(expected) and bool(body.org_id) == bool(expected), body


def test_taxonomies_and_terms(client):
    term_validator, taxonomy_validator = _term_validators()
    page = client.get("/openreferral/taxonomies").json()
    (taxonomy,) = page["contents"]
    assert taxonomy["id"] == TAXONOMY_ID
    assert_valid(taxonomy_validator, taxonomy)
    assert client.get(f"/openreferral/taxonomies/{TAXONOMY_ID}").json() == taxonomy

    category = ServiceCategory.objects.get(slug="accommodation")
    term = client.get(f"/openreferral/taxonomy_terms/{taxonomy_term_id(category)}").json()
    assert_valid(term_validator, term)
    assert term["taxonomy_id"] == TAXONOMY_ID
    assert term["name"] == category.name
    terms = client.get("/openreferral/taxonomy_terms", {"taxonomy_id": TAXONOMY_ID}).json()
    assert terms["total_items"] == ServiceCategory.objects.count()
    assert all(t["taxonomy_id"] == TAXONOMY_ID for t in terms["contents"])
    other = "00000000-0000-0000-0000-000000000000"
    assert client.get("/openreferral/taxonomy_terms", {"taxonomy_id": other}).json()["empty"]
    assert client.get(f"/openreferral/taxonomies/{other}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/openreferral/services/not-a-uuid",
        "/openreferral/organizations/42",
        "/openreferral/taxonomies/x",
        "/openreferral/taxonomy_terms/x",
        "/openreferral/service_at_locations",
    ],
)
def test_an_id_that_is_not_a_uuid_or_an_unknown_path_is_a_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "Not found."}
    assert response["Access-Control-Allow-Origin"] == "*"


def test_modified_after_accepts_an_offset_written_with_a_plus(client, housing):
    Service.objects.filter(pk=housing.pk).update(updated_at=timezone.now() - timedelta(days=3))
    recent = make_service("Recent")
    since = (timezone.now() - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(60))
    text = since.isoformat(timespec="seconds")
    assert "+01:00" in text
    for raw in (text, quote(text)):  # `+` as it is (read as a space) and as %2B
        response = client.get(f"/openreferral/services?modified_after={raw}")
        assert response.status_code == 200, response.json()
        assert [s["id"] for s in response.json()["contents"]] == [str(recent.public_id)]


def test_the_openapi_document_is_valid_and_describes_the_parameters(client):
    document = client.get("/openreferral/openapi.json").json()
    validate(document)
    services = document["paths"]["/services"]["get"]
    names = {ref["$ref"].rsplit("/", 1)[-1] for ref in services["parameters"]}
    assert names == {
        "search",
        "page",
        "per_page",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
    }
    assert set(services["responses"]) >= {"200", "304", "400"}
    for path in ("/services/{id}", "/taxonomies/{id}", "/taxonomy_terms/{id}", "/taxonomies"):
        assert path in document["paths"]
    assert "404" in document["paths"]["/services/{id}"]["get"]["responses"]


def test_the_feed_answers_304_to_a_client_that_has_the_document(client, housing):
    for url in (
        "/openreferral/services",
        f"/openreferral/services/{housing.public_id}",
        "/openreferral/organizations",
        f"/openreferral/organizations/{housing.organisation.public_id}",
        "/openreferral/taxonomies",
        f"/openreferral/taxonomies/{TAXONOMY_ID}",
        "/openreferral/taxonomy_terms",
        f"/openreferral/taxonomy_terms/{taxonomy_term_id(ServiceCategory.objects.first())}",
    ):
        first, second = client.get(url), client.get(url)
        assert first.content == second.content, url
        assert first["ETag"] == second["ETag"]
        assert "Cookie" not in first.get("Vary", ""), url
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304, url
        assert first.has_header("Last-Modified"), url
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    detail = client.get(f"/openreferral/services/{housing.public_id}")
    assert detail.has_header("Last-Modified")
    # A change is a new version.
    Service.objects.filter(pk=housing.pk).update(name="Moving on")
    changed = client.get(
        f"/openreferral/services/{housing.public_id}", HTTP_IF_NONE_MATCH=detail["ETag"]
    )
    assert changed.status_code == 200


def test_a_change_to_a_services_organisation_is_a_new_version_by_date_too(client, housing):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Service.objects.filter(pk=housing.pk).update(updated_at=an_hour_ago)
    type(housing.organisation).objects.update(updated_at=an_hour_ago)
    urls = ("/openreferral/services", f"/openreferral/services/{housing.public_id}")
    first = {url: client.get(url) for url in urls}
    organisation = housing.organisation
    organisation.name = "Renamed Futures"
    organisation.save()
    for url in urls:
        # Each service document carries its organisation's name: a client holding the
        # earlier one, by its date, is given the new one rather than a 304.
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=first[url]["Last-Modified"])
        assert response.status_code == 200, url
        assert "Renamed Futures" in response.content.decode()
        assert response["Last-Modified"] != first[url]["Last-Modified"]


def test_a_renamed_category_is_a_new_version_of_its_term_and_services_by_date_too(client, housing):
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ServiceCategory.objects.update(updated_at=an_hour_ago)
    Service.objects.update(updated_at=an_hour_ago)
    type(housing.organisation).objects.update(updated_at=an_hour_ago)
    category = housing.categories.first()
    urls = (
        f"/openreferral/taxonomy_terms/{taxonomy_term_id(category)}",
        "/openreferral/taxonomy_terms",
        f"/openreferral/services/{housing.public_id}",
        f"/openreferral/organizations/{housing.organisation.public_id}",
    )
    first = {url: client.get(url) for url in urls}
    category.name = "Housing and accommodation"
    category.save()
    for url in urls:
        # Each carries the term's name: a client holding the earlier document, by its date,
        # is given the new one rather than a 304.
        response = client.get(url, HTTP_IF_MODIFIED_SINCE=first[url]["Last-Modified"])
        assert response.status_code == 200, url
        assert "Housing and accommodation" in response.content.decode(), url
