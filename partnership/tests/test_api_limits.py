"""Rate limits (429 with Retry-After and RateLimit headers) and the problem pages."""

import pytest
from django.core.cache import cache

from partnership.api.exceptions import PROBLEM_TYPE_BASE
from partnership.api.problems import ALIASES, PROBLEMS
from partnership.models import Role
from partnership.tests.factories import UserFactory, issue_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """Low limits for this test, and windows that start empty."""
    cache.clear()

    def set_rates(*, token: str, address: str):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"token": token, "address": address},
        }

    yield set_rates
    cache.clear()


def bearer(role=Role.PRACTITIONER):
    _, raw = issue_token(UserFactory(role=role))
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_over_its_limit_gets_429_with_retry_after(client, rates):
    rates(token="3/min", address="100/min")
    auth = bearer()
    for remaining in (2, 1, 0):
        response = client.get("/api/v1/me/", **auth)
        assert response.status_code == 200
        assert response["RateLimit-Limit"] == "3"
        assert response["RateLimit-Remaining"] == str(remaining)
        assert 1 <= int(response["RateLimit-Reset"]) <= 60
    refused = client.get("/api/v1/me/", **auth)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"] == PROBLEM_TYPE_BASE + "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Remaining"] == "0"
    # Another token has a window of its own.
    assert client.get("/api/v1/me/", **bearer()).status_code == 200


def test_an_address_over_its_limit_gets_429_whichever_token_it_sends(client, rates):
    rates(token="100/min", address="2/min")
    assert client.get("/api/v1/me/", **bearer(), REMOTE_ADDR="192.0.2.7").status_code == 200
    assert client.get("/api/v1/me/", **bearer(), REMOTE_ADDR="192.0.2.7").status_code == 200
    refused = client.get("/api/v1/me/", **bearer(), REMOTE_ADDR="192.0.2.7")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert client.get("/api/v1/me/", **bearer(), REMOTE_ADDR="192.0.2.8").status_code == 200


def test_the_schema_documents_429_and_the_rate_limit_headers():
    from tests.fuzz.schema import openapi_document

    operation = openapi_document()["paths"]["/api/v1/referrals/"]["get"]
    assert "Retry-After" in operation["responses"]["429"]["headers"]
    assert "RateLimit-Remaining" in operation["responses"]["200"]["headers"]


@pytest.mark.parametrize("name", [*PROBLEMS, *ALIASES])
def test_each_problem_type_is_a_page_that_explains_it(client, name):
    page = client.get(PROBLEM_TYPE_BASE + name)
    assert page.status_code == 200
    assert PROBLEMS[ALIASES.get(name, name)][0] in page.content.decode()


def test_the_problem_types_the_api_answers_with_resolve(client):
    practitioner = bearer()
    answers = [
        client.get("/api/v1/referrals/00000000-0000-0000-0000-000000000000/", **practitioner),
        client.get("/api/v1/me/"),
        client.post("/api/v1/referrals/", "{", content_type="application/json", **practitioner),
        client.post("/api/v1/referrals/", {}, content_type="application/json", **practitioner),
        client.delete("/api/v1/me/", **practitioner),
    ]
    for answer in answers:
        assert client.get(answer.json()["type"]).status_code == 200, answer.json()
    assert client.get(PROBLEM_TYPE_BASE + "no-such-problem").status_code == 404
