"""The API's service list reads rows (`selectors.service_rows`) written straight to JSON:
it must answer exactly what the filter set and `ServiceSerializer` answered, in the same
order, with the filter set's errors."""

import json

import pytest
from django.db.models import Prefetch
from rest_framework.test import APIRequestFactory

from partnership.models import Pdu, Role
from partnership.tests.factories import UserFactory, issue_token
from providers import selectors
from providers.api.serializers import ServiceSerializer
from providers.filters import ServiceFilter
from providers.models import Service
from providers.tests.factories import OrganisationFactory, make_service

pytestmark = pytest.mark.django_db


def auth(user):
    _, raw = issue_token(user, scope="read")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def directory():
    own = OrganisationFactory(name="Riverside Futures")
    make_service(
        "Move on",
        organisation=own,
        slugs=("accommodation", "mentoring"),
        pdus=("Manchester North", "Bolton", "Salford"),
        maximum_age=25,
        current_wait_days=3,
    )
    make_service("Bolton homes", pdus=("Bolton",), eligible_sex=Service.Sex.FEMALE)
    make_service("Jobs", slugs=("education-training-employment",), current_wait_days=9)
    make_service("Paused one", organisation=own, status=Service.Status.PAUSED)
    make_service("Closed one", organisation=own, status=Service.Status.CLOSED)
    make_service("Someone else's closed one", status=Service.Status.CLOSED)
    return own


def _generic(user, params: dict) -> list[dict]:
    """What the filter set and the serializer answered before the rows."""
    request = APIRequestFactory().get("/api/v1/services/", params)
    request.user = user
    queryset = selectors.service_list_visible_to(user=user).order_by("name", "pk")
    services = ServiceFilter(params, queryset=queryset, request=request).qs.prefetch_related(
        Prefetch("pdus", queryset=Pdu.objects.only("id"))
    )
    return json.loads(json.dumps(ServiceSerializer(services, many=True).data))


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "housing"},
        {"q": "support", "category": "accommodation"},
        {"region": "L", "sex": "female"},
        {"age": "30", "setting": "community"},
        {"status": "paused"},
        {"status": "closed"},
    ],
)
@pytest.mark.parametrize("role", ["provider_admin", "practitioner"])
def test_the_list_is_the_serializers_answer(client, directory, params, role):
    user = (
        UserFactory(role=Role.PROVIDER_ADMIN, organisation=directory)
        if role == "provider_admin"
        else UserFactory(role=Role.PRACTITIONER)
    )
    response = client.get("/api/v1/services/", {**params, "page_size": 100}, **auth(user))
    assert response.status_code == 200, response.content
    listed = response.json()["results"]
    assert listed == _generic(user, params)
    # Each case lists something, so that equality says something; only a practitioner asking
    # for closed services sees none (closed ones are only ever their own organisation's).
    assert listed or (role == "practitioner" and params.get("status") == "closed")


def test_a_pdu_filter_is_the_serializers_answer(client, directory):
    user = UserFactory(role=Role.PRACTITIONER)
    params = {"pdu": Pdu.objects.get(name="Bolton").pk, "q": "support"}
    listed = client.get("/api/v1/services/", params, **auth(user)).json()["results"]
    assert listed == _generic(user, params)
    assert {service["name"] for service in listed} == {"Move on", "Bolton homes"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "gardening"}, "category"),
        ({"pdu": "999999"}, "pdu"),
        ({"region": "ZZ"}, "region"),
        ({"age": "old"}, "age"),
        ({"status": "asleep"}, "status"),
        ({"sex": "x"}, "sex"),
    ],
)
def test_a_bad_filter_is_the_filter_sets_400(client, directory, params, field):
    response = client.get("/api/v1/services/", params, **auth(UserFactory()))
    assert response.status_code == 400
    errors = response.json()["errors"]
    form = ServiceFilter(params, queryset=Service.objects.none()).form
    assert not form.is_valid()
    assert errors[field] == form.errors[field]
