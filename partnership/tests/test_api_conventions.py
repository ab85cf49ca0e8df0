"""Conventions every resource shares: envelope, page size cap, problem+json, schema."""

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_spec_validator import validate
from rest_framework import exceptions

from notifications.tests.factories import NotificationFactory
from partnership.api.exceptions import problem_exception_handler
from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory(role=Role.PRACTITIONER))
    return client


def test_lists_use_the_next_previous_results_envelope(signed_in):
    body = signed_in.get("/api/v1/pdus/").json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == Pdu.objects.count()
    assert len(body["results"]) == 25
    assert body["previous"] is None
    assert "page=2" in body["next"]

    second = signed_in.get(body["next"]).json()
    assert second["previous"].endswith("/api/v1/pdus/")
    assert {p["id"] for p in second["results"]}.isdisjoint({p["id"] for p in body["results"]})


def test_page_size_is_capped_at_100(signed_in):
    body = signed_in.get("/api/v1/pdus/?page_size=500").json()
    assert len(body["results"]) == 100
    last = signed_in.get("/api/v1/pdus/?page_size=100&page=2").json()
    assert len(last["results"]) == Pdu.objects.count() - 100
    assert last["next"] is None


def test_a_page_past_the_end_is_a_404_problem(signed_in):
    response = signed_in.get("/api/v1/pdus/?page=99")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_query_count_does_not_grow_with_page_size(signed_in):
    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert signed_in.get(url).status_code == 200
        return len(ctx)

    # Pages that are not the last: each counts the whole list in one query.
    assert queries("/api/v1/pdus/?page_size=5") == queries("/api/v1/pdus/?page_size=100")
    assert queries("/api/v1/service-categories/?page_size=2") == queries(
        "/api/v1/service-categories/?page_size=4"
    )


def test_pdus_filter_by_region(signed_in):
    body = signed_in.get("/api/v1/pdus/?region=L&page_size=100").json()
    assert {p["region"]["code"] for p in body["results"]} == {"L"}
    assert "Manchester North" in {p["name"] for p in body["results"]}
    assert len(body["results"]) == Pdu.objects.filter(region__code="L").count()


def test_reference_resources_need_sign_in(client):
    for url in ["/api/v1/regions/", "/api/v1/pdus/", "/api/v1/service-categories/", "/api/v1/me/"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["Content-Type"] == "application/problem+json"


def test_service_categories_carry_levels_and_outcomes(signed_in):
    results = signed_in.get("/api/v1/service-categories/").json()["results"]
    accommodation = next(c for c in results if c["slug"] == "accommodation")
    assert [level["level"] for level in accommodation["complexity_levels"]] == [
        "low",
        "medium",
        "high",
    ]
    assert "Settled accommodation is secured" in {
        o["description"] for o in accommodation["desired_outcomes"]
    }


def test_unknown_api_url_is_a_404_problem(signed_in):
    response = signed_in.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_a_notification_of_someone_else_is_404_and_never_listed(signed_in):
    other = NotificationFactory()
    own = NotificationFactory(recipient=signed_in.get("/api/v1/me/").wsgi_request.user)
    ids = {n["id"] for n in signed_in.get("/api/v1/notifications/").json()["results"]}
    assert ids == {own.pk}
    assert signed_in.get(f"/api/v1/notifications/{other.pk}/").status_code == 404


def test_validation_errors_become_problems_with_errors_by_field():
    exc = exceptions.ValidationError(
        {"crn": ["Enter a CRN like X123456"], "name": ["This field is required."]}
    )
    response = problem_exception_handler(exc, {})
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.data["errors"] == {
        "crn": ["Enter a CRN like X123456"],
        "name": ["This field is required."],
    }
    assert response.data["title"] == "Bad Request"


def test_schema_is_valid_openapi_3_and_generates_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    schema = yaml.safe_load(path.read_text())
    validate(schema)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/" in schema["paths"]
    assert "bearerAuth" in schema["components"]["securitySchemes"]
    assert (
        "application/problem+json"
        in schema["paths"]["/api/v1/me/"]["get"]["responses"]["401"]["content"]
    )


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"openapi" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    # Swagger UI's assets are served from this site, not a CDN.
    assert b"/static/drf_spectacular_sidecar/" in docs.content


def test_api_responses_are_never_cached(signed_in):
    response = signed_in.get("/api/v1/me/")
    assert "no-store" in response["Cache-Control"]


def test_a_page_past_any_possible_list_is_a_404_problem_not_a_server_error(signed_in):
    # Its offset would not fit the database's OFFSET, so the page is refused before the query.
    response = signed_in.get("/api/v1/pdus/?page=768949002721502976")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_schema_documents_400_for_filters_and_415_for_bodies():
    from tests.fuzz.schema import openapi_document

    paths = openapi_document()["paths"]
    assert "400" in paths["/api/v1/pdus/"]["get"]["responses"]
    # Only pagination: a bad page is a 404 and a bad page size the default, never a 400; but
    # any address holding a NUL character is a 400.
    unreadable = paths["/api/v1/regions/"]["get"]["responses"]["400"]["description"]
    assert "NUL" in unreadable
    assert "415" in paths["/api/v1/referrals/"]["post"]["responses"]


def test_a_bad_filter_value_is_a_documented_400_problem(client):
    from tests.fuzz.schema import assert_conforms

    client.force_login(UserFactory(role=Role.COMMISSIONER))
    response = client.get("/api/v1/agreements/?status=nonsense")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]
    assert_conforms(response, method="GET", path="/api/v1/agreements/")


def test_the_unread_filter_takes_true_or_false_and_refuses_anything_else(signed_in):
    user = signed_in.get("/api/v1/me/").wsgi_request.user
    unread = NotificationFactory(recipient=user)
    read = NotificationFactory(recipient=user, read_at=timezone.now())

    def ids(query):
        return {n["id"] for n in signed_in.get(f"/api/v1/notifications/{query}").json()["results"]}

    assert ids("?unread=true") == {unread.pk}
    assert ids("?unread=false") == {read.pk}
    assert ids("?unread=") == {unread.pk, read.pk}
    # Read as no filter before, which answered a mistyped filter with every notification.
    refused = signed_in.get("/api/v1/notifications/?unread=yes")
    assert refused.status_code == 400
    assert refused.json()["errors"]["unread"] == ["Give true or false"]


def test_an_address_holding_a_nul_is_a_documented_400_on_any_operation(signed_in):
    from tests.fuzz.schema import assert_conforms

    response = signed_in.get("/api/v1/regions/?q=%00")
    assert response.status_code == 400
    assert_conforms(response, method="GET", path="/api/v1/regions/")
